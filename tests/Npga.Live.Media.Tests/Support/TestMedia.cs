namespace Npga.Live.Media.Tests.Support;

/// <summary>
/// Test media made at test time with gst-launch-1.0 (videotestsrc / audiotestsrc), once per test
/// run, in a temporary folder removed at exit.
/// </summary>
public static class TestMedia
{
    public static readonly string Dir = CreateDir();

    private static readonly Lazy<string> H264Mp4Lazy = Make("h264.mp4", "videotestsrc", "num-buffers=30", "pattern=solid-color", "foreground-color=0xff336699", "!",
        "video/x-raw,width=160,height=120,framerate=30/1", "!", "x264enc", "speed-preset=ultrafast", "!", "h264parse", "!", "mp4mux", "!", "filesink", "location={0}");

    private static readonly Lazy<string> SmpteMp4Lazy = Make("smpte.mp4", "videotestsrc", "num-buffers=60", "pattern=smpte", "!",
        "video/x-raw,width=320,height=240,framerate=30/1", "!", "x264enc", "speed-preset=ultrafast", "!", "h264parse", "!", "mp4mux", "!", "filesink", "location={0}");

    private static readonly Lazy<string> FastStartMp4Lazy = Make("faststart.mp4", "videotestsrc", "num-buffers=60", "pattern=ball", "!",
        "video/x-raw,width=320,height=240,framerate=30/1", "!", "x264enc", "speed-preset=ultrafast", "!", "h264parse", "!", "mp4mux", "faststart=true", "!", "filesink", "location={0}");

    private static readonly Lazy<string> OddWebmLazy = Make("odd.webm", "videotestsrc", "num-buffers=20", "pattern=smpte", "!",
        "video/x-raw,width=113,height=67,framerate=25/1", "!", "vp8enc", "deadline=1", "!", "webmmux", "!", "filesink", "location={0}");

    private static readonly Lazy<string> AudioVideoMp4Lazy = Make("av.mp4",
        "videotestsrc", "num-buffers=30", "!", "video/x-raw,width=160,height=120,framerate=30/1", "!", "x264enc", "speed-preset=ultrafast", "!", "h264parse", "!", "mux.",
        "audiotestsrc", "num-buffers=50", "!", "audioconvert", "!", "avenc_aac", "!", "mux.",
        "mp4mux", "name=mux", "!", "filesink", "location={0}");

    private static readonly Lazy<string> AudioOggLazy = Make("audio.ogg", "audiotestsrc", "num-buffers=50", "!", "audioconvert", "!", "vorbisenc", "!", "oggmux", "!", "filesink", "location={0}");

    private static readonly Lazy<string> AudioM4aLazy = Make("audio.m4a", "audiotestsrc", "num-buffers=50", "!", "audioconvert", "!", "avenc_aac", "!", "mp4mux", "!", "filesink", "location={0}");

    private static readonly Lazy<string> OddPngLazy = Make("odd.png", "videotestsrc", "num-buffers=1", "pattern=smpte", "!",
        "video/x-raw,width=113,height=67", "!", "videoconvert", "!", "pngenc", "!", "filesink", "location={0}");

    private static readonly Lazy<string> OnePixelPngLazy = Make("one.png", "videotestsrc", "num-buffers=1", "pattern=solid-color", "foreground-color=0xff0a141e", "!",
        "video/x-raw,format=RGB,width=1,height=1", "!", "pngenc", "!", "filesink", "location={0}");

    private static readonly Lazy<string> JpegLazy = Make("photo.jpg", "videotestsrc", "num-buffers=1", "pattern=smpte", "!",
        "video/x-raw,width=200,height=150", "!", "jpegenc", "!", "filesink", "location={0}");

    /// <summary>H.264 in MP4 (moov at the end), 160x120, 30 fps, 30 frames, solid RGB (0x33, 0x66, 0x99).</summary>
    public static string H264Mp4 => H264Mp4Lazy.Value;

    /// <summary>H.264 in MP4, 320x240, 30 fps, 60 frames, SMPTE bars.</summary>
    public static string SmpteMp4 => SmpteMp4Lazy.Value;

    /// <summary>H.264 in MP4 with moov first (faststart), 320x240, 30 fps, 60 frames.</summary>
    public static string FastStartMp4 => FastStartMp4Lazy.Value;

    /// <summary>VP8 in WebM, 113x67 (odd sides), 25 fps, 20 frames.</summary>
    public static string OddWebm => OddWebmLazy.Value;

    /// <summary>H.264 160x120 30 frames plus an AAC audio track, in MP4.</summary>
    public static string AudioVideoMp4 => AudioVideoMp4Lazy.Value;

    /// <summary>Vorbis audio only, in Ogg.</summary>
    public static string AudioOgg => AudioOggLazy.Value;

    /// <summary>AAC audio only, in MP4 (.m4a).</summary>
    public static string AudioM4a => AudioM4aLazy.Value;

    /// <summary>PNG 113x67 (SMPTE bars) made by pngenc.</summary>
    public static string OddPng => OddPngLazy.Value;

    /// <summary>PNG 1x1, RGB (10, 20, 30), made by pngenc.</summary>
    public static string OnePixelPng => OnePixelPngLazy.Value;

    /// <summary>JPEG 200x150 made by jpegenc.</summary>
    public static string Jpeg => JpegLazy.Value;

    /// <summary>A new file name in the test folder.</summary>
    public static string NewPath(string extension) => Path.Combine(Dir, $"{Guid.NewGuid():N}{extension}");

    /// <summary>A new file holding <paramref name="bytes"/>.</summary>
    public static string WriteBytes(string extension, byte[] bytes)
    {
        var p = NewPath(extension);
        File.WriteAllBytes(p, bytes);
        return p;
    }

    private static Lazy<string> Make(string name, params string[] pipeline) => new(() =>
    {
        var path = Path.Combine(Dir, name);
        GstLaunch.Run(pipeline.Select(a => a.Replace("{0}", path)).ToArray());
        return path;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    private static string CreateDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"npga-media-tests-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(dir, recursive: true); } catch (Exception) { /* best effort */ }
        };
        return dir;
    }
}
