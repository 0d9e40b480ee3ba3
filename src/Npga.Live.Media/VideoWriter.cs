using System.Diagnostics;
using Npga.Live.Core.Imaging;
using Npga.Live.Media.GStreamer;

namespace Npga.Live.Media;

/// <summary>
/// Encodes RGB frames into a video file with GStreamer:
/// <c>appsrc ! videoconvert ! x264enc ! h264parse ! mp4mux ! filesink</c> for H.264 in MP4, or
/// <c>… ! vp8enc ! webmmux ! filesink</c> for VP8 in WebM. Frame n is stamped n/fps seconds.
/// H.264 is x264 <c>veryfast</c>, constant quality 20, no B-frames (so the first frame's
/// timestamp is 0 in every player), a key frame every 2 s; VP8 is libvpx realtime at about
/// 0.15 bit per pixel.
/// </summary>
/// <remarks>
/// <para>An MP4 becomes playable only when its index (<c>moov</c>) is written at end of stream:
/// call <see cref="Complete()"/>; <see cref="Dispose"/> without it still sends end-of-stream and
/// waits (up to 10 s), so a <c>using</c> block left by an exception or Ctrl-C handler leaves a
/// playable file. A process killed outright leaves an unreadable MP4 (WebM stays readable up to
/// the last written cluster). A writer given no frames leaves an empty file, and
/// <see cref="Complete()"/> then throws.</para>
/// <para>Pipeline errors (unwritable path, disk full, encoder failure) surface as
/// <see cref="MediaException"/> from <see cref="Create"/>, <see cref="Write"/> or
/// <see cref="Complete()"/>; every wait is bounded. Not thread-safe.</para>
/// </remarks>
public sealed class VideoWriter : IDisposable
{
    private static readonly TimeSpan DefaultCompleteTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DisposeTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(5);

    private readonly GstElement _pipeline;
    private readonly GstBus _bus;
    private readonly GstAppSrc _source;
    private readonly FrameRateFraction _rate;
    private readonly int _stride;
    private readonly ulong _maxQueuedBytes;
    private bool _completed;
    private bool _failed;
    private bool _disposed;

    private VideoWriter(string path, int width, int height, FrameRateFraction rate, VideoCodec codec, string container, string description)
    {
        Path = path;
        Width = width;
        Height = height;
        _rate = rate;
        Codec = codec;
        Container = container;
        _stride = RgbRows.GstStride(width);
        _maxQueuedBytes = (ulong)RgbRows.GstFrameSize(width, height) * 3;

        _pipeline = Gst.ParseLaunch(description);
        try
        {
            _bus = _pipeline.GetBus();
            _source = GstAppSrc.Find(_pipeline, "src");
            using (var sink = _pipeline.RequireByName("sink")) sink.SetProperty("location", path);
            using var caps = GstCaps.Parse(
                $"video/x-raw,format=RGB,width={width},height={height},framerate={rate},pixel-aspect-ratio=1/1");
            _source.SetCaps(caps);
        }
        catch
        {
            _pipeline.Dispose();
            throw;
        }
    }

    /// <summary>The file being written.</summary>
    public string Path { get; }

    /// <summary>Frame width in pixels.</summary>
    public int Width { get; }

    /// <summary>Frame height in pixels.</summary>
    public int Height { get; }

    /// <summary>Frames per second as encoded (the requested rate as a fraction, e.g. 30000/1001 for 29.97).</summary>
    public double FrameRate => _rate.Value;

    /// <summary>The codec in use (never <see cref="VideoCodec.Auto"/>).</summary>
    public VideoCodec Codec { get; }

    /// <summary>The container written: "mp4", "webm" or "matroska".</summary>
    public string Container { get; }

    /// <summary>Frames written so far.</summary>
    public long FramesWritten { get; private set; }

    /// <summary>Creates the file and starts the encoder.</summary>
    /// <param name="path">Output file; its extension picks the container: .mp4/.m4v/.mov (MP4), .webm (WebM), .mkv (Matroska). Overwritten if present.</param>
    /// <param name="width">Frame width in pixels, 1..<see cref="RgbImage.MaxSide"/> (even for H.264).</param>
    /// <param name="height">Frame height in pixels, 1..<see cref="RgbImage.MaxSide"/> (even for H.264).</param>
    /// <param name="fps">Frames per second, 0 &lt; fps ≤ 1000.</param>
    /// <param name="codec">The codec; <see cref="VideoCodec.Auto"/> chooses by extension (see there).</param>
    /// <exception cref="ArgumentException">Bad size, rate or extension; a codec the container cannot hold; odd size with H.264.</exception>
    /// <exception cref="MediaException">The encoder is not installed, the directory is missing, or the file cannot be opened for writing.</exception>
    public static VideoWriter Create(string path, int width, int height, double fps, VideoCodec codec = VideoCodec.Auto)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (width < 1 || width > RgbImage.MaxSide) throw new ArgumentOutOfRangeException(nameof(width), width, $"width must be 1..{RgbImage.MaxSide}");
        if (height < 1 || height > RgbImage.MaxSide) throw new ArgumentOutOfRangeException(nameof(height), height, $"height must be 1..{RgbImage.MaxSide}");
        if (!double.IsFinite(fps) || fps <= 0 || fps > 1000) throw new ArgumentOutOfRangeException(nameof(fps), fps, "fps must be in (0, 1000]");

        var ext = System.IO.Path.GetExtension(path).ToLowerInvariant();
        var container = ext switch
        {
            ".mp4" or ".m4v" or ".mov" => "mp4",
            ".webm" => "webm",
            ".mkv" => "matroska",
            ".y4m" => "y4m",
            _ => throw new ArgumentException($"cannot tell the container from '{ext}': use .mp4, .webm, .mkv or .y4m", nameof(path)),
        };
        Gst.Init();
        if ((codec == VideoCodec.RawY4m) != (container == "y4m") && !(codec == VideoCodec.Auto && container == "y4m"))
            throw new ArgumentException("uncompressed YUV4MPEG2 goes in a .y4m file, and a .y4m file holds only that", nameof(codec));
        if (container == "y4m")
        {
            codec = VideoCodec.RawY4m;
            // y4menc writes GStreamer's planes as they are laid out in memory, rows padded to 4 bytes: only a width that
            // is a multiple of 8 (and an even height) gives the unpadded planes the format requires.
            if (width % 8 != 0 || height % 2 != 0)
                throw new ArgumentException($"YUV4MPEG2 4:2:0 here needs a width that is a multiple of 8 and an even height, got {width}x{height}", nameof(width));
        }
        if (codec == VideoCodec.Auto)
        {
            codec = container == "webm" ? VideoCodec.Vp8 : VideoCodec.H264;
            if (codec == VideoCodec.H264 && !Gst.HasElement("x264enc"))
            {
                codec = VideoCodec.Vp8;
                container = "webm";
            }
        }
        if (codec == VideoCodec.H264 && container == "webm")
            throw new ArgumentException("WebM holds VP8/VP9/AV1, not H.264: use .mp4 or .mkv, or VideoCodec.Vp8", nameof(codec));
        if (codec == VideoCodec.Vp8 && container == "mp4")
            throw new ArgumentException("MP4 cannot hold VP8: use .webm or .mkv, or VideoCodec.H264", nameof(codec));
        if (codec == VideoCodec.H264 && (width % 2 != 0 || height % 2 != 0))
            throw new ArgumentException($"H.264 (4:2:0) needs an even width and height, got {width}x{height}: crop or pad by one pixel, or use VP8 (.webm), which takes any size", nameof(width));

        var encoder = codec switch { VideoCodec.H264 => "x264enc", VideoCodec.RawY4m => "y4menc", _ => "vp8enc" };
        if (!Gst.HasElement(encoder))
            throw new MediaException(path, $"cannot write video '{path}': the GStreamer encoder '{encoder}' is not installed");

        var full = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(full);
        if (dir is not null && !Directory.Exists(dir))
            throw new MediaException(path, $"cannot write video '{path}': the directory '{dir}' does not exist");

        var rate = FrameRateFraction.From(fps);
        var keyInterval = Math.Max(1, (int)Math.Round(rate.Value * 2));
        var encode = codec == VideoCodec.RawY4m ? "y4menc"
            : codec == VideoCodec.H264
            ? $"x264enc speed-preset=veryfast pass=qual quantizer=20 bframes=0 key-int-max={keyInterval} ! video/x-h264,profile=high ! h264parse"
            : $"vp8enc deadline=1 cpu-used=4 end-usage=vbr target-bitrate={Vp8Bitrate(width, height, rate.Value)} "
              + $"keyframe-max-dist={keyInterval} threads={Math.Clamp(Environment.ProcessorCount, 1, 8)}";
        var mux = container switch { "mp4" => "mp4mux ! ", "webm" => "webmmux ! ", "y4m" => "", _ => "matroskamux ! " };
        var description =
            "appsrc name=src format=time is-live=false block=false ! "
            + "videoconvert ! video/x-raw,format=I420 ! "
            + $"{encode} ! {mux}filesink name=sink";

        VideoWriter writer;
        try
        {
            writer = new VideoWriter(path, width, height, rate, codec, container, description);
        }
        catch (GstException e)
        {
            throw new MediaException(path, $"cannot write video '{path}': {e.Message}", e);
        }
        try
        {
            writer.Start();
            return writer;
        }
        catch
        {
            writer._failed = true;
            writer.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Queues one frame for encoding; it is copied, so <paramref name="frame"/> may be reused at
    /// once. Blocks while the encoder is more than a few frames behind (at most 10 s).
    /// </summary>
    /// <exception cref="ArgumentException">The frame's size differs from the writer's.</exception>
    /// <exception cref="InvalidOperationException">After <see cref="Complete()"/>.</exception>
    /// <exception cref="MediaException">The pipeline failed (disk full, write error, encoder error) or stalled.</exception>
    /// <exception cref="ObjectDisposedException">The writer was disposed.</exception>
    public void Write(RgbImage frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed) throw new InvalidOperationException("the video was completed; no more frames can be written");
        if (frame.Width != Width || frame.Height != Height)
            throw new ArgumentException($"frame is {frame.Width}x{frame.Height}, the video is {Width}x{Height}", nameof(frame));
        ThrowIfPipelineFailed();

        var clock = Stopwatch.StartNew();
        while (_source.CurrentLevelBytes >= _maxQueuedBytes)
        {
            if (_bus.Pop(PollSlice, GstMessageType.Error) is GstErrorMessage error) throw Failed(error);
            if (clock.Elapsed > WriteTimeout)
                throw Failed($"timed out after {WriteTimeout.TotalSeconds:0} s: the encoder took no frame since frame {FramesWritten - 3}");
        }

        using var buffer = GstBuffer.Allocate(_stride * Height);
        using (var map = buffer.Map(GstMapFlags.Write))
            RgbRows.CopyToStrided(frame, map.WritableSpan, _stride);
        var pts = _rate.FrameTimeNs(FramesWritten);
        buffer.Pts = pts;
        buffer.Duration = _rate.FrameTimeNs(FramesWritten + 1) - pts;
        var flow = _source.Push(buffer);
        if (flow != GstFlowReturn.Ok)
        {
            ThrowIfPipelineFailed();
            throw Failed($"the encoder refused frame {FramesWritten} ({flow})");
        }
        FramesWritten++;
        ThrowIfPipelineFailed();
    }

    /// <summary>Ends the stream and waits (up to 30 s) until the file is finalised (MP4 index written).</summary>
    /// <exception cref="MediaException">The pipeline failed or did not finish in time.</exception>
    public void Complete() => Complete(DefaultCompleteTimeout);

    /// <summary>Ends the stream and waits up to <paramref name="timeout"/> until the file is finalised.</summary>
    /// <exception cref="MediaException">The pipeline failed or did not finish in time.</exception>
    /// <exception cref="ObjectDisposedException">The writer was disposed.</exception>
    public void Complete(TimeSpan timeout)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed) return;
        _completed = true;
        try
        {
            ThrowIfPipelineFailed();
            if (FramesWritten == 0) throw Failed("no frames were written; an empty video cannot be finalised");
            _source.EndOfStream();
            var clock = Stopwatch.StartNew();
            while (true)
            {
                var left = timeout - clock.Elapsed;
                if (left <= TimeSpan.Zero)
                    throw Failed($"timed out after {timeout.TotalSeconds:0.#} s waiting for the encoder to finish ({FramesWritten} frames); the file is incomplete");
                var msg = _bus.Pop(left, GstMessageType.Error | GstMessageType.Eos);
                if (msg is GstErrorMessage error) throw Failed(error);
                if (msg is GstEosMessage) break;
            }
        }
        catch
        {
            _failed = true;
            throw;
        }
        finally
        {
            _pipeline.SetState(GstState.Null);
        }
    }

    /// <summary>
    /// Finalises the file if <see cref="Complete()"/> was not called (end-of-stream, up to 10 s; errors
    /// are swallowed, since Dispose must not throw), then releases the pipeline.
    /// </summary>
    public void Dispose()
    {
        if (_disposed) return;
        if (!_completed && !_failed && FramesWritten > 0)
        {
            try { Complete(DisposeTimeout); }
            catch (MediaException) { /* the file stays as far as it got */ }
        }
        _disposed = true;
        _pipeline.SetState(GstState.Null);
        _source.Dispose();
        _bus.Dispose();
        _pipeline.Dispose();
    }

    private void Start()
    {
        if (_pipeline.SetState(GstState.Playing) != GstStateChangeReturn.Failure) return;
        if (_bus.Pop(TimeSpan.FromSeconds(1), GstMessageType.Error) is GstErrorMessage error) throw Failed(error);
        throw Failed("the pipeline refused to start");
    }

    private void ThrowIfPipelineFailed()
    {
        if (_bus.Pop(TimeSpan.Zero, GstMessageType.Error) is GstErrorMessage error) throw Failed(error);
    }

    private MediaException Failed(GstErrorMessage error)
    {
        _failed = true;
        return new MediaException(Path, $"cannot write video '{Path}' (after {FramesWritten} frames): {DescribeWriteError(error)}", error.ToException());
    }

    private MediaException Failed(string cause)
    {
        _failed = true;
        return new MediaException(Path, $"cannot write video '{Path}': {cause}");
    }

    private static string DescribeWriteError(GstErrorMessage e)
    {
        var text = PipelineErrors.Describe(e);
        // gst-resource-error-quark codes: OPEN_WRITE = 6, WRITE = 10, NO_SPACE_LEFT = 14.
        if (e.Domain == "gst-resource-error-quark")
        {
            if (e.Code == 14) return "the disk is full; " + text;
            if (e.Code == 6) return "the file cannot be opened for writing (permissions, read-only file system, or a bad path); " + text;
        }
        return text;
    }

    /// <summary>Target VP8 bitrate in bits/s: about 0.15 bits per pixel per frame, at least 200 kb/s.</summary>
    private static int Vp8Bitrate(int width, int height, double fps)
        => (int)Math.Clamp(width * (double)height * fps * 0.15, 200_000, 50_000_000);
}
