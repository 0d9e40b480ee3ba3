namespace Npga.Live.Media;

/// <summary>The video codec a <see cref="VideoWriter"/> encodes with.</summary>
public enum VideoCodec
{
    /// <summary>
    /// By file extension: H.264 for .mp4/.m4v/.mov/.mkv, VP8 for .webm. When <c>x264enc</c> is not
    /// installed, H.264 falls back to VP8 in a WebM container (written to the given path).
    /// </summary>
    Auto = 0,

    /// <summary>H.264 (x264, High profile, 4:2:0; width and height must be even) in MP4 or Matroska.</summary>
    H264 = 1,

    /// <summary>VP8 (libvpx, 4:2:0, any size) in WebM or Matroska.</summary>
    Vp8 = 2,

    /// <summary>
    /// Uncompressed 4:2:0 in a YUV4MPEG2 (.y4m) file (GStreamer's y4menc; the width must be a multiple of 8, the height even): what Chromium's
    /// fake webcam plays (<c>--use-file-for-fake-video-capture</c>). Chosen by the .y4m extension.
    /// </summary>
    RawY4m = 3,
}
