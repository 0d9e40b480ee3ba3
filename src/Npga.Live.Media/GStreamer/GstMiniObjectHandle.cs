using System.Runtime.InteropServices;
using Npga.Live.Media.GStreamer.Interop;

namespace Npga.Live.Media.GStreamer;

/// <summary>
/// An owned reference to a <c>GstMiniObject</c> (buffer, sample, message, event); released with
/// <c>gst_mini_object_unref</c>.
/// </summary>
public sealed class GstMiniObjectHandle : SafeHandle
{
    /// <summary>An invalid handle (used by the marshaller).</summary>
    public GstMiniObjectHandle() : base(0, ownsHandle: true) { }

    /// <summary>Wraps a reference the caller owns (transfer full).</summary>
    public GstMiniObjectHandle(nint owned) : base(0, ownsHandle: true) => SetHandle(owned);

    /// <inheritdoc />
    public override bool IsInvalid => handle == 0;

    /// <summary>
    /// Hands the reference to a native call that takes ownership (transfer full): returns the raw
    /// pointer and leaves this handle invalid, so it is not released twice.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The handle was already released or transferred.</exception>
    public nint Transfer()
    {
        ObjectDisposedException.ThrowIf(IsClosed || IsInvalid, this);
        var raw = handle;
        SetHandleAsInvalid();
        return raw;
    }

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        LibGst.MiniObjectUnref(handle);
        return true;
    }
}
