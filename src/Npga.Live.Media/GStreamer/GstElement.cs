using System.Runtime.InteropServices;
using Npga.Live.Media.GStreamer.Interop;

namespace Npga.Live.Media.GStreamer;

/// <summary>
/// A <c>GstElement</c> (or bin, or pipeline): state changes, child lookup, pads, bus and queries.
/// Holds no pipeline logic.
/// </summary>
public class GstElement : GstObject
{
    /// <summary>Takes ownership of <paramref name="handle"/>.</summary>
    protected internal GstElement(GstObjectHandle handle) : base(handle) { }

    /// <summary>Wraps a borrowed element pointer (e.g. a callback argument), taking a new reference.</summary>
    public static GstElement FromBorrowed(nint element) => new(GstObjectHandle.FromBorrowed(element));

    /// <summary>The name of the factory that made this element, e.g. "avdec_h264"; "" when none.</summary>
    public string FactoryName
    {
        get
        {
            var factory = LibGst.ElementGetFactory(Ptr);
            return factory == 0 ? "" : LibGLib.TakeString(LibGst.ObjectGetName(factory)) ?? "";
        }
    }

    /// <summary>The factory's klass metadata, e.g. "Codec/Decoder/Video"; "" when none.</summary>
    public string FactoryKlass
    {
        get
        {
            var factory = LibGst.ElementGetFactory(Ptr);
            return factory == 0 ? "" : Marshal.PtrToStringUTF8(LibGst.ElementFactoryGetMetadata(factory, "klass")) ?? "";
        }
    }

    /// <summary>Requests a state change (<c>gst_element_set_state</c>).</summary>
    /// <returns>Success, Async (completes later: wait with <see cref="GetState"/> or the bus), NoPreroll, or Failure (an ERROR message on the bus says why).</returns>
    public GstStateChangeReturn SetState(GstState state) => LibGst.ElementSetState(Ptr, state);

    /// <summary>Waits up to <paramref name="timeout"/> for a pending state change (<c>gst_element_get_state</c>).</summary>
    /// <returns>Success or NoPreroll when settled, Async when still pending at the timeout, Failure when it failed.</returns>
    public GstStateChangeReturn GetState(TimeSpan timeout, out GstState current, out GstState pending)
        => LibGst.ElementGetState(Ptr, out current, out pending, GstClockTime.FromTimeSpan(timeout));

    /// <summary>The child element of this bin named <paramref name="name"/>, searched recursively; null when absent.</summary>
    public GstElement? GetByName(string name)
    {
        var child = LibGst.BinGetByName(Ptr, name);
        return child == 0 ? null : new GstElement(new GstObjectHandle(child));
    }

    /// <summary>The child element named <paramref name="name"/>.</summary>
    /// <exception cref="GstException">No such child.</exception>
    public GstElement RequireByName(string name)
        => GetByName(name) ?? throw new GstException($"'{Name}' has no element named '{name}'");

    /// <summary>Every element inside this bin, at any depth (<c>gst_bin_iterate_recurse</c>); each is a new reference to dispose.</summary>
    public List<GstElement> GetElementsRecursive()
        => GstIteration.Collect(LibGst.BinIterateRecurse(Ptr), FromBorrowed);

    /// <summary>All pads of this element, request and dynamic pads included (<c>gst_element_iterate_pads</c>); each is a new reference to dispose.</summary>
    public List<GstPad> GetPads()
        => GstIteration.Collect(LibGst.ElementIteratePads(Ptr), GstPad.FromBorrowed);

    /// <summary>The element's bus (pipelines have one; set it before use).</summary>
    /// <exception cref="GstException">The element has no bus.</exception>
    public GstBus GetBus()
    {
        var bus = LibGst.ElementGetBus(Ptr);
        if (bus == 0) throw new GstException($"'{Name}' has no bus");
        return new GstBus(new GstObjectHandle(bus));
    }

    /// <summary>
    /// Links pad <paramref name="srcPad"/> of this element to pad <paramref name="destPad"/> of
    /// <paramref name="dest"/> (<c>gst_element_link_pads</c>); a name that matches no existing pad
    /// requests one by that name (e.g. webrtcbin's "sink_0").
    /// </summary>
    /// <exception cref="GstException">The pads cannot be linked (missing pad, formats that do not match, different bins).</exception>
    public void LinkPads(string srcPad, GstElement dest, string destPad)
    {
        if (LibGst.ElementLinkPads(Ptr, srcPad, dest.Ptr, destPad) == 0)
            throw new GstException($"cannot link '{Name}.{srcPad}' to '{dest.Name}.{destPad}'");
    }

    /// <summary>
    /// Requests the pad named <paramref name="name"/> (<c>gst_element_request_pad_simple</c>, e.g. webrtcbin's "sink_0"),
    /// or null when the element refuses it. The element keeps the pad; disposing the returned object drops only this reference.
    /// </summary>
    public GstPad? RequestPad(string name)
    {
        var pad = LibGst.ElementRequestPadSimple(Ptr, name);
        return pad == 0 ? null : new GstPad(new GstObjectHandle(pad));
    }

    /// <summary>The always-present pad named <paramref name="name"/> ("sink", "src"), or null.</summary>
    public GstPad? GetStaticPad(string name)
    {
        var pad = LibGst.ElementGetStaticPad(Ptr, name);
        return pad == 0 ? null : new GstPad(new GstObjectHandle(pad));
    }

    /// <summary>The stream duration (<c>gst_element_query_duration</c>, TIME format), or null when unknown.</summary>
    public TimeSpan? QueryDuration()
        => LibGst.ElementQueryDuration(Ptr, GstFormat.Time, out var ns) != 0 && ns >= 0 ? GstClockTime.ToTimeSpan((ulong)ns) : null;

    /// <summary>The current position (TIME format), or null when unknown.</summary>
    public TimeSpan? QueryPosition()
        => LibGst.ElementQueryPosition(Ptr, GstFormat.Time, out var ns) != 0 && ns >= 0 ? GstClockTime.ToTimeSpan((ulong)ns) : null;

    /// <summary>Sends an end-of-stream event into the element (<c>gst_element_send_event</c>); true when handled.</summary>
    public bool SendEos() => LibGst.ElementSendEvent(Ptr, LibGst.EventNewEos()) != 0;
}
