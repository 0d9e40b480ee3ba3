using System.Runtime.InteropServices;

namespace Npga.Live.Media.GStreamer.Interop;

/// <summary>P/Invoke declarations of <c>libgobject-2.0.so.0</c> (properties, values, signals).</summary>
internal static unsafe partial class LibGObject
{
    public const string Name = "libgobject-2.0.so.0";

    [LibraryImport(Name, EntryPoint = "g_object_class_find_property", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint ClassFindProperty(nint objectClass, string propertyName);

    [LibraryImport(Name, EntryPoint = "g_object_set_property", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void SetProperty(nint gobject, string propertyName, GValue* value);

    [LibraryImport(Name, EntryPoint = "g_object_get_property", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void GetProperty(nint gobject, string propertyName, GValue* value);

    [LibraryImport(Name, EntryPoint = "g_value_init")]
    public static partial GValue* ValueInit(GValue* value, nuint gtype);

    [LibraryImport(Name, EntryPoint = "g_value_unset")]
    public static partial void ValueUnset(GValue* value);

    [LibraryImport(Name, EntryPoint = "g_value_set_int")]
    public static partial void ValueSetInt(GValue* value, int v);

    [LibraryImport(Name, EntryPoint = "g_value_set_uint64")]
    public static partial void ValueSetUInt64(GValue* value, ulong v);

    [LibraryImport(Name, EntryPoint = "g_value_set_boolean")]
    public static partial void ValueSetBoolean(GValue* value, int v);

    [LibraryImport(Name, EntryPoint = "g_value_set_string", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void ValueSetString(GValue* value, string? v);

    [LibraryImport(Name, EntryPoint = "g_value_get_int")]
    public static partial int ValueGetInt(GValue* value);

    [LibraryImport(Name, EntryPoint = "g_value_get_uint64")]
    public static partial ulong ValueGetUInt64(GValue* value);

    [LibraryImport(Name, EntryPoint = "g_value_get_boolean")]
    public static partial int ValueGetBoolean(GValue* value);

    [LibraryImport(Name, EntryPoint = "g_value_get_string")]
    public static partial nint ValueGetString(GValue* value);

    [LibraryImport(Name, EntryPoint = "g_value_get_object")]
    public static partial nint ValueGetObject(GValue* value);

    [LibraryImport(Name, EntryPoint = "g_value_reset")]
    public static partial GValue* ValueReset(GValue* value);

    [LibraryImport(Name, EntryPoint = "g_value_type_transformable")]
    public static partial int ValueTypeTransformable(nuint srcType, nuint destType);

    [LibraryImport(Name, EntryPoint = "g_type_name")]
    public static partial nint TypeName(nuint gtype);

    [LibraryImport(Name, EntryPoint = "g_signal_connect_data", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nuint SignalConnectData(nint instance, string detailedSignal, nint handler, nint data, nint destroyData, int connectFlags);

    [LibraryImport(Name, EntryPoint = "g_signal_parse_name", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SignalParseName(string detailedSignal, nuint itype, out uint signalId, out uint detail, int forceDetailQuark);

    [LibraryImport(Name, EntryPoint = "g_signal_handler_disconnect")]
    public static partial void SignalHandlerDisconnect(nint instance, nuint handlerId);

    [LibraryImport(Name, EntryPoint = "g_signal_handler_is_connected")]
    public static partial int SignalHandlerIsConnected(nint instance, nuint handlerId);
}
