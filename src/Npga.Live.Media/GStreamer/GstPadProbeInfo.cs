using Npga.Live.Media.GStreamer.Interop;

namespace Npga.Live.Media.GStreamer;

/// <summary>
/// A view of the <c>GstPadProbeInfo*</c> passed to a probe callback; valid only during the callback.
/// </summary>
public readonly unsafe ref struct GstPadProbeInfo
{
    private readonly nint _info;

    /// <summary>Wraps the callback's <c>info</c> argument.</summary>
    public GstPadProbeInfo(nint info) => _info = info;

    /// <summary>What is being probed (<c>GST_PAD_PROBE_INFO_TYPE</c>): the item's kind and the probe's mode flags.</summary>
    public GstPadProbeType Type => *(GstPadProbeType*)_info;

    /// <summary>The event being probed (borrowed), or 0 when the item is not an event.</summary>
    public nint Event => (Type & (GstPadProbeType.EventDownstream | GstPadProbeType.EventUpstream)) != 0
        ? LibGst.PadProbeInfoGetEvent(_info)
        : 0;

    /// <summary>The buffer being probed (borrowed), or 0 when the item is not a buffer.</summary>
    public nint Buffer => (Type & GstPadProbeType.Buffer) != 0 ? LibGst.PadProbeInfoGetBuffer(_info) : 0;

    /// <summary>The event's type (<c>GST_EVENT_TYPE</c>), or Unknown when the item is not an event.</summary>
    public GstEventType EventType
    {
        get
        {
            var ev = Event;
            return ev == 0 ? GstEventType.Unknown : *(GstEventType*)(ev + Offsets.EventType);
        }
    }

    /// <summary>For a CAPS event, the caps it announces; null for any other item.</summary>
    public GstVideoCaps? EventCaps
    {
        get
        {
            if (EventType != GstEventType.Caps) return null;
            LibGst.EventParseCaps(Event, out var caps);
            return caps == 0 ? null : GstVideoCaps.FromNative(caps);
        }
    }
}
