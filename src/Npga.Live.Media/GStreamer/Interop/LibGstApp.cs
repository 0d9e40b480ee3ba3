using System.Runtime.InteropServices;

namespace Npga.Live.Media.GStreamer.Interop;

/// <summary>P/Invoke declarations of <c>libgstapp-1.0.so.0</c> (appsrc, appsink).</summary>
internal static partial class LibGstApp
{
    public const string Name = "libgstapp-1.0.so.0";

    [LibraryImport(Name, EntryPoint = "gst_app_sink_pull_sample")]
    public static partial nint AppSinkPullSample(nint appsink);

    [LibraryImport(Name, EntryPoint = "gst_app_sink_try_pull_sample")]
    public static partial nint AppSinkTryPullSample(nint appsink, ulong timeoutNs);

    [LibraryImport(Name, EntryPoint = "gst_app_sink_try_pull_preroll")]
    public static partial nint AppSinkTryPullPreroll(nint appsink, ulong timeoutNs);

    [LibraryImport(Name, EntryPoint = "gst_app_sink_is_eos")]
    public static partial int AppSinkIsEos(nint appsink);

    [LibraryImport(Name, EntryPoint = "gst_app_src_push_buffer")]
    public static partial GstFlowReturn AppSrcPushBuffer(nint appsrc, nint bufferTransferFull);

    [LibraryImport(Name, EntryPoint = "gst_app_src_end_of_stream")]
    public static partial GstFlowReturn AppSrcEndOfStream(nint appsrc);

    [LibraryImport(Name, EntryPoint = "gst_app_src_set_caps")]
    public static partial void AppSrcSetCaps(nint appsrc, nint caps);

    [LibraryImport(Name, EntryPoint = "gst_app_src_get_current_level_bytes")]
    public static partial ulong AppSrcGetCurrentLevelBytes(nint appsrc);
}
