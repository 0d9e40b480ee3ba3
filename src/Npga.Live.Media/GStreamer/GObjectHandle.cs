using System.Runtime.InteropServices;
using Npga.Live.Media.GStreamer.Interop;

namespace Npga.Live.Media.GStreamer;

/// <summary>
/// An owned reference to a plain <c>GObject</c> that is not a <c>GstObject</c> (e.g. libnice's
/// <c>NiceAgent</c>); released with <c>g_object_unref</c>.
/// </summary>
public sealed class GObjectHandle : SafeHandle
{
    /// <summary>An invalid handle (used by the marshaller).</summary>
    public GObjectHandle() : base(0, ownsHandle: true) { }

    /// <summary>Wraps a reference the caller owns (transfer full).</summary>
    public GObjectHandle(nint owned) : base(0, ownsHandle: true) => SetHandle(owned);

    /// <inheritdoc />
    public override bool IsInvalid => handle == 0;

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        LibGObject.ObjectUnref(handle);
        return true;
    }
}
