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

    [LibraryImport(Name, EntryPoint = "g_value_dup_object")]
    public static partial nint ValueDupObject(GValue* value);

    [LibraryImport(Name, EntryPoint = "g_value_get_boxed")]
    public static partial nint ValueGetBoxed(GValue* value);

    [LibraryImport(Name, EntryPoint = "g_object_unref")]
    public static partial void ObjectUnref(nint gobject);

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

    // g_signal_emit_by_name is variadic: one fixed-argument declaration per argument list used. On
    // LP64 SysV a variadic callee reads integer and pointer arguments from the same registers as a
    // fixed-argument one; none of these passes a floating-point value.

    /// <summary>Emits an action signal taking two pointers and returning nothing (e.g. "create-answer", "set-remote-description").</summary>
    [LibraryImport(Name, EntryPoint = "g_signal_emit_by_name", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void SignalEmitByNamePtrPtr(nint instance, string detailedSignal, nint arg1, nint arg2);

    /// <summary>Emits an action signal taking a guint and a string (e.g. "add-ice-candidate").</summary>
    [LibraryImport(Name, EntryPoint = "g_signal_emit_by_name", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void SignalEmitByNameUIntString(nint instance, string detailedSignal, uint arg1, string arg2);

    /// <summary>Emits an action signal taking a gint and returning a pointer (e.g. "get-transceiver").</summary>
    [LibraryImport(Name, EntryPoint = "g_signal_emit_by_name", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void SignalEmitByNameIntRetPtr(nint instance, string detailedSignal, int arg1, out nint result);

    /// <summary>Emits an action signal taking a string and returning a gboolean (e.g. "add-turn-server").</summary>
    [LibraryImport(Name, EntryPoint = "g_signal_emit_by_name", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void SignalEmitByNameStringRetBool(nint instance, string detailedSignal, string arg1, out int result);
}
