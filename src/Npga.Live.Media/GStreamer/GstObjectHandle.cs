using System.Runtime.InteropServices;
using Npga.Live.Media.GStreamer.Interop;

namespace Npga.Live.Media.GStreamer;

/// <summary>An owned reference to a <c>GstObject</c> (element, pad, bus ...); released with <c>gst_object_unref</c>.</summary>
public sealed class GstObjectHandle : SafeHandle
{
    /// <summary>An invalid handle (used by the marshaller).</summary>
    public GstObjectHandle() : base(0, ownsHandle: true) { }

    /// <summary>Wraps a reference the caller owns (transfer full).</summary>
    public GstObjectHandle(nint owned) : base(0, ownsHandle: true) => SetHandle(owned);

    /// <inheritdoc />
    public override bool IsInvalid => handle == 0;

    /// <summary>Takes a new reference on a borrowed pointer (transfer none) and owns it.</summary>
    public static GstObjectHandle FromBorrowed(nint borrowed) => new(LibGst.ObjectRef(borrowed));

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        LibGst.ObjectUnref(handle);
        return true;
    }
}
