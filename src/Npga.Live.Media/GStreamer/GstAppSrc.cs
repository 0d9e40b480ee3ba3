using Npga.Live.Media.GStreamer.Interop;

namespace Npga.Live.Media.GStreamer;

/// <summary>An <c>appsrc</c> element: pushes application buffers into a pipeline.</summary>
public sealed class GstAppSrc : GstElement
{
    private GstAppSrc(GstObjectHandle handle) : base(handle) { }

    /// <summary>Looks up the appsrc named <paramref name="name"/> in <paramref name="bin"/>.</summary>
    /// <exception cref="GstException">No such element, or it is not an appsrc.</exception>
    public static GstAppSrc Find(GstElement bin, string name)
    {
        using var element = bin.RequireByName(name);
        if (element.FactoryName != "appsrc") throw new GstException($"'{name}' is a {element.FactoryName}, not an appsrc");
        return new GstAppSrc(GstObjectHandle.FromBorrowed(element.Ptr));
    }

    /// <summary>Sets the caps of the buffers that will be pushed (<c>gst_app_src_set_caps</c>).</summary>
    public void SetCaps(GstCaps caps) => LibGstApp.AppSrcSetCaps(Ptr, caps.Handle.DangerousGetHandle());

    /// <summary>Bytes queued inside the appsrc, not yet taken by the pipeline.</summary>
    public ulong CurrentLevelBytes => LibGstApp.AppSrcGetCurrentLevelBytes(Ptr);

    /// <summary>
    /// Queues <paramref name="buffer"/> (<c>gst_app_src_push_buffer</c>, which takes ownership: the
    /// buffer object is unusable afterwards). Errors further down the pipeline are not reported
    /// here but on the bus.
    /// </summary>
    /// <returns>Ok, or Flushing (not running) / Eos (after <see cref="EndOfStream"/>).</returns>
    public GstFlowReturn Push(GstBuffer buffer) => LibGstApp.AppSrcPushBuffer(Ptr, buffer.Handle.Transfer());

    /// <summary>Signals that no more buffers will come (<c>gst_app_src_end_of_stream</c>).</summary>
    public GstFlowReturn EndOfStream() => LibGstApp.AppSrcEndOfStream(Ptr);
}
