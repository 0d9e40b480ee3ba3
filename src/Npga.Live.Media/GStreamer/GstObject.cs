using System.Runtime.InteropServices;
using Npga.Live.Media.GStreamer.Interop;

namespace Npga.Live.Media.GStreamer;

/// <summary>
/// An owned reference to a <c>GstObject</c>: name, GObject properties and signals. Disposing drops
/// the reference (the native object lives on while GStreamer holds others).
/// </summary>
public class GstObject : IDisposable
{
    /// <summary>Takes ownership of <paramref name="handle"/>.</summary>
    protected internal GstObject(GstObjectHandle handle)
    {
        if (handle.IsInvalid) throw new ArgumentException("invalid GstObject handle", nameof(handle));
        Handle = handle;
    }

    /// <summary>The native reference; for native calls the binding does not wrap yet.</summary>
    public GstObjectHandle Handle { get; }

    /// <summary>The object's name (<c>gst_object_get_name</c>), e.g. "sink" or "decodebin0".</summary>
    public string Name => LibGLib.TakeString(LibGst.ObjectGetName(Ptr)) ?? "";

    /// <summary>The object's path in its hierarchy, e.g. "/GstPipeline:pipeline0/GstAppSink:sink".</summary>
    public string PathString => LibGLib.TakeString(LibGst.ObjectGetPathString(Ptr)) ?? "";

    /// <summary>The raw pointer, valid while this object is not disposed.</summary>
    protected internal nint Ptr
    {
        get
        {
            ObjectDisposedException.ThrowIf(Handle.IsClosed, this);
            return Handle.DangerousGetHandle();
        }
    }

    /// <summary>Sets an integer property (<c>g_object_set_property</c> with a G_TYPE_INT value).</summary>
    /// <exception cref="GstException">No such property, or it does not take an integer.</exception>
    public unsafe void SetProperty(string name, int value)
    {
        GValue v = default;
        LibGObject.ValueInit(&v, GTypes.Int);
        LibGObject.ValueSetInt(&v, value);
        SetValue(name, &v);
    }

    /// <summary>Sets a boolean property.</summary>
    /// <exception cref="GstException">No such property, or it does not take a boolean.</exception>
    public unsafe void SetProperty(string name, bool value)
    {
        GValue v = default;
        LibGObject.ValueInit(&v, GTypes.Boolean);
        LibGObject.ValueSetBoolean(&v, value ? 1 : 0);
        SetValue(name, &v);
    }

    /// <summary>Sets a string property (UTF-8).</summary>
    /// <exception cref="GstException">No such property, or it does not take a string.</exception>
    public unsafe void SetProperty(string name, string? value)
    {
        GValue v = default;
        LibGObject.ValueInit(&v, GTypes.String);
        LibGObject.ValueSetString(&v, value);
        SetValue(name, &v);
    }

    /// <summary>Sets an unsigned 64-bit property (e.g. <c>max-bytes</c>, times in nanoseconds).</summary>
    /// <exception cref="GstException">No such property, or it does not take an unsigned 64-bit value.</exception>
    public unsafe void SetProperty(string name, ulong value)
    {
        GValue v = default;
        LibGObject.ValueInit(&v, GTypes.UInt64);
        LibGObject.ValueSetUInt64(&v, value);
        SetValue(name, &v);
    }

    /// <summary>
    /// Sets a property from its string form as <c>gst-launch-1.0</c> writes it (enum nicks such as
    /// "veryfast", flags, fractions, caps): <c>gst_util_set_object_arg</c>.
    /// </summary>
    /// <exception cref="GstException">No such property.</exception>
    public void SetPropertyFromString(string name, string value)
    {
        FindProperty(name);
        LibGst.UtilSetObjectArg(Ptr, name, value);
    }

    /// <summary>Reads an integer property.</summary>
    /// <exception cref="GstException">No such property, or it is not convertible to an integer.</exception>
    public unsafe int GetIntProperty(string name)
    {
        GValue v = default;
        LibGObject.ValueInit(&v, GTypes.Int);
        try { GetValue(name, &v); return LibGObject.ValueGetInt(&v); }
        finally { LibGObject.ValueUnset(&v); }
    }

    /// <summary>Reads a boolean property.</summary>
    /// <exception cref="GstException">No such property, or it is not a boolean.</exception>
    public unsafe bool GetBoolProperty(string name)
    {
        GValue v = default;
        LibGObject.ValueInit(&v, GTypes.Boolean);
        try { GetValue(name, &v); return LibGObject.ValueGetBoolean(&v) != 0; }
        finally { LibGObject.ValueUnset(&v); }
    }

    /// <summary>Reads an unsigned 64-bit property.</summary>
    /// <exception cref="GstException">No such property, or it is not convertible to an unsigned 64-bit value.</exception>
    public unsafe ulong GetUInt64Property(string name)
    {
        GValue v = default;
        LibGObject.ValueInit(&v, GTypes.UInt64);
        try { GetValue(name, &v); return LibGObject.ValueGetUInt64(&v); }
        finally { LibGObject.ValueUnset(&v); }
    }

    /// <summary>Reads a string property (null when unset).</summary>
    /// <exception cref="GstException">No such property, or it is not a string.</exception>
    public unsafe string? GetStringProperty(string name)
    {
        GValue v = default;
        LibGObject.ValueInit(&v, GTypes.String);
        try { GetValue(name, &v); return Marshal.PtrToStringUTF8(LibGObject.ValueGetString(&v)); }
        finally { LibGObject.ValueUnset(&v); }
    }

    /// <summary>
    /// Reads an object-typed property as a new reference (<c>g_value_dup_object</c>); 0 when unset.
    /// The caller releases it (a <see cref="GstObjectHandle"/> for a <c>GstObject</c>, a
    /// <see cref="GObjectHandle"/> for a plain <c>GObject</c>).
    /// </summary>
    /// <exception cref="GstException">No such property, or it does not hold an object.</exception>
    public unsafe nint DupObjectProperty(string name)
    {
        GValue v = default;
        LibGObject.ValueInit(&v, GTypes.Object);
        try { GetValue(name, &v); return LibGObject.ValueDupObject(&v); }
        finally { LibGObject.ValueUnset(&v); }
    }

    /// <summary>
    /// Connects a native handler to a GObject signal (<c>g_signal_connect_data</c>). The handler is an
    /// <c>[UnmanagedCallersOnly]</c> function with the signal's C signature whose last argument is
    /// the <c>user_data</c> made from <paramref name="state"/> (read it with
    /// <see cref="NativeCallbackState.Get{T}"/>). It may run on any GStreamer thread.
    /// </summary>
    /// <returns>The connection; dispose it to disconnect.</returns>
    /// <exception cref="GstException">No such signal on this object.</exception>
    public unsafe GSignalConnection ConnectSignal(string detailedSignal, nint handler, object state)
    {
        var instanceType = **(nuint**)Ptr; // G_OBJECT_TYPE: g_class->g_type
        if (LibGObject.SignalParseName(detailedSignal, instanceType, out _, out _, 0) == 0)
            throw new GstException($"'{Name}' has no signal '{detailedSignal}'");
        var userData = NativeCallbackState.Alloc(state);
        var id = LibGObject.SignalConnectData(Ptr, detailedSignal, handler, userData, NativeCallbackState.DestroyNotify, 0);
        if (id == 0)
        {
            GCHandle.FromIntPtr(userData).Free();
            throw new GstException($"'{Name}' has no signal '{detailedSignal}'");
        }
        return new GSignalConnection(GstObjectHandle.FromBorrowed(Ptr), id);
    }

    /// <summary>Drops this reference.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the handle.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing) Handle.Dispose();
    }

    /// <summary>The GType of property <paramref name="name"/>.</summary>
    private unsafe nuint FindProperty(string name)
    {
        var klass = *(nint*)Ptr; // G_OBJECT_GET_CLASS: GTypeInstance.g_class
        var pspec = LibGObject.ClassFindProperty(klass, name);
        if (pspec == 0) throw new GstException($"'{Name}' has no property '{name}'");
        return *(nuint*)(pspec + Offsets.ParamSpecValueType);
    }

    private unsafe void SetValue(string name, GValue* v)
    {
        try
        {
            var type = FindProperty(name);
            if (LibGObject.ValueTypeTransformable(v->GType, type) == 0)
                throw new GstException($"property '{name}' of '{Name}' is of type {TypeName(type)}, not {TypeName(v->GType)}");
            LibGObject.SetProperty(Ptr, name, v);
        }
        finally
        {
            LibGObject.ValueUnset(v);
        }
    }

    private unsafe void GetValue(string name, GValue* v)
    {
        var type = FindProperty(name);
        if (LibGObject.ValueTypeTransformable(type, v->GType) == 0)
            throw new GstException($"property '{name}' of '{Name}' is of type {TypeName(type)}, not {TypeName(v->GType)}");
        LibGObject.GetProperty(Ptr, name, v);
    }

    private static string TypeName(nuint type) => Marshal.PtrToStringUTF8(LibGObject.TypeName(type)) ?? type.ToString();
}
