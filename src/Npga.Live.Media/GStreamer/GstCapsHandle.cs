using System.Runtime.InteropServices;
using Npga.Live.Media.GStreamer.Interop;

namespace Npga.Live.Media.GStreamer;

/// <summary>An owned reference to a <c>GstCaps</c>; released with <c>gst_caps_unref</c>.</summary>
public sealed class GstCapsHandle : SafeHandle
{
    /// <summary>An invalid handle (used by the marshaller).</summary>
    public GstCapsHandle() : base(0, ownsHandle: true) { }

    /// <summary>Wraps a reference the caller owns (transfer full).</summary>
    public GstCapsHandle(nint owned) : base(0, ownsHandle: true) => SetHandle(owned);

    /// <inheritdoc />
    public override bool IsInvalid => handle == 0;

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        LibGst.CapsUnref(handle);
        return true;
    }
}
