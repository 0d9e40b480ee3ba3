using Npga.Live.Media.GStreamer.Interop;

namespace Npga.Live.Media.GStreamer;

/// <summary>An <c>appsink</c> element: pulls samples into the application.</summary>
public sealed class GstAppSink : GstElement
{
    private GstAppSink(GstObjectHandle handle) : base(handle) { }

    /// <summary>Looks up the appsink named <paramref name="name"/> in <paramref name="bin"/>.</summary>
    /// <exception cref="GstException">No such element, or it is not an appsink.</exception>
    public static GstAppSink Find(GstElement bin, string name)
    {
        using var element = bin.RequireByName(name);
        if (element.FactoryName != "appsink") throw new GstException($"'{name}' is a {element.FactoryName}, not an appsink");
        return new GstAppSink(GstObjectHandle.FromBorrowed(element.Ptr));
    }

    /// <summary>Whether the sink has received end-of-stream and has no samples left.</summary>
    public bool IsEos => LibGstApp.AppSinkIsEos(Ptr) != 0;

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for the next sample (<c>gst_app_sink_try_pull_sample</c>;
    /// the element must be PLAYING).
    /// </summary>
    /// <returns>The sample, or null at end of stream, on error/flush, or at the timeout (tell them apart with <see cref="IsEos"/> and the bus).</returns>
    public GstSample? TryPullSample(TimeSpan timeout)
    {
        var s = LibGstApp.AppSinkTryPullSample(Ptr, GstClockTime.FromTimeSpan(timeout));
        return s == 0 ? null : new GstSample(new GstMiniObjectHandle(s));
    }

    /// <summary>Blocks until the next sample or end of stream (<c>gst_app_sink_pull_sample</c>); null at EOS.</summary>
    public GstSample? PullSample()
    {
        var s = LibGstApp.AppSinkPullSample(Ptr);
        return s == 0 ? null : new GstSample(new GstMiniObjectHandle(s));
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for the preroll sample (the first buffer in PAUSED;
    /// <c>gst_app_sink_try_pull_preroll</c>). The same buffer is also the first pulled sample later.
    /// </summary>
    public GstSample? TryPullPreroll(TimeSpan timeout)
    {
        var s = LibGstApp.AppSinkTryPullPreroll(Ptr, GstClockTime.FromTimeSpan(timeout));
        return s == 0 ? null : new GstSample(new GstMiniObjectHandle(s));
    }
}
