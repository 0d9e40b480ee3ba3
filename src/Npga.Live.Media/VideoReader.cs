using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Npga.Live.Core.Imaging;
using Npga.Live.Media.GStreamer;

namespace Npga.Live.Media;

/// <summary>
/// Decodes a video (or still image) file into RGB frames with GStreamer:
/// <c>filesrc ! decodebin ! videoconvert ! video/x-raw,format=RGB ! appsink</c>, so any container
/// and codec that the installed plugins read works (MP4/H.264, WebM/VP8/VP9, MKV, AVI, PNG, JPEG …).
/// Every frame is delivered (appsink <c>sync=false drop=false</c>); frames are packed RGB24 (see
/// <see cref="RgbImage"/>), top row first.
/// </summary>
/// <remarks>
/// <para>Every wait is bounded (<see cref="VideoReaderOptions.PrerollTimeout"/>,
/// <see cref="VideoReaderOptions.FrameTimeout"/>); a timeout is a <see cref="MediaException"/> that
/// names the stage.</para>
/// <para>Truncated files: when the container's index survives (an MP4 with its <c>moov</c> first,
/// WebM, MKV), the frames that are present are returned and the stream then ends normally —
/// GStreamer reports no error, so compare <see cref="FramesRead"/> with
/// <see cref="FrameCountEstimate"/> to notice the loss. When the demuxer or decoder reports an
/// error mid-stream, <see cref="TryRead"/> throws a <see cref="MediaException"/> saying how many
/// frames were read. When the index is lost (an MP4 cut before its trailing <c>moov</c>),
/// <see cref="Open"/> fails.</para>
/// <para>GStreamer 1.22's decodebin sometimes drops the error its demuxer posts while being
/// plugged in (seen on truncated MP4s, a few percent of runs); the preroll then watches the
/// pipeline's streaming threads and reports "stopped … without reporting an error" after about
/// 1.5 s instead of waiting for the preroll timeout.</para>
/// <para>Not thread-safe: use one reader from one thread at a time.</para>
/// </remarks>
public sealed unsafe class VideoReader : IDisposable
{
    private static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan StallGrace = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StallCheckInterval = TimeSpan.FromMilliseconds(250);

    private readonly string _path;
    private readonly string _kind;
    private readonly VideoReaderOptions _options;
    private readonly GstElement _pipeline;
    private readonly GstBus _bus;
    private readonly GstAppSink _sink;
    private readonly GstElement _converter;
    private readonly FrameSizeGate _gate;
    private readonly StreamsExposed _exposed = new();
    private GSignalConnection? _noMorePads;
    private nint _capsIdentity;
    private int _frameWidth;
    private int _frameHeight;
    private int _stride;
    private bool _ended;
    private MediaException? _failure;
    private bool _disposed;

    private VideoReader(string path, string kind, VideoReaderOptions options)
    {
        _path = path;
        _kind = kind;
        _options = options;
        _gate = new FrameSizeGate(options.MaxPixels);
        try
        {
            _pipeline = Gst.ParseLaunch(
                "filesrc name=src ! decodebin name=dec ! "
                + $"videoconvert name=conv n-threads={Math.Max(0, options.ConverterThreads)} ! {OutputCaps(options)} ! "
                + "appsink name=sink sync=false max-buffers=4 drop=false enable-last-sample=false");
        }
        catch (GstException e)
        {
            _gate.Dispose();
            throw Fail($"cannot build the decoding pipeline: {e.Message}", e);
        }
        try
        {
            _bus = _pipeline.GetBus();
            _sink = GstAppSink.Find(_pipeline, "sink");
            _converter = _pipeline.RequireByName("conv");
            using (var src = _pipeline.RequireByName("src")) src.SetProperty("location", path);
            using (var dec = _pipeline.RequireByName("dec"))
                _noMorePads = dec.ConnectSignal("no-more-pads", (nint)(delegate* unmanaged[Cdecl]<nint, nint, void>)&OnNoMorePads, _exposed);
            _gate.Attach(_pipeline, _converter);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The file being read.</summary>
    public string Path => _path;

    /// <summary>Frame width in pixels (of the first frame).</summary>
    public int Width { get; private set; }

    /// <summary>Frame height in pixels (of the first frame).</summary>
    public int Height { get; private set; }

    /// <summary>Nominal frames per second from the stream's caps; 0 when unknown or variable (still images).</summary>
    public double FrameRate { get; private set; }

    /// <summary>The stream duration from a duration query, or null when the container does not tell.</summary>
    public TimeSpan? Duration { get; private set; }

    /// <summary>Duration·FrameRate rounded, or null when either is unknown. An estimate: containers round durations.</summary>
    public long? FrameCountEstimate => Duration is { } d && FrameRate > 0 ? (long)Math.Round(d.TotalSeconds * FrameRate) : null;

    /// <summary>Frames returned so far.</summary>
    public long FramesRead { get; private set; }

    /// <summary>
    /// Opens <paramref name="path"/> and decodes up to its first frame (preroll), so that size and
    /// frame rate are known and an unreadable file fails here, not at the first read.
    /// </summary>
    /// <param name="path">A video or image file.</param>
    /// <param name="options">Limits and timeouts; null for the defaults.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or a scaled size is out of range.</exception>
    /// <exception cref="MediaException">
    /// The file is missing, empty or a directory; its format is not recognised or is corrupt or
    /// truncated; it has no video stream; its frames exceed <see cref="VideoReaderOptions.MaxPixels"/>;
    /// or the preroll timed out. The message names the file and the cause.
    /// </exception>
    public static VideoReader Open(string path, VideoReaderOptions? options = null) => OpenAs(path, options ?? new VideoReaderOptions(), "video");

    internal static VideoReader OpenAs(string path, VideoReaderOptions options, string kind)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxPixels, 1L, nameof(options.MaxPixels));
        if (options.ScaleWidth is { } sw && (sw < 1 || sw > RgbImage.MaxSide)) throw new ArgumentOutOfRangeException(nameof(options), sw, $"ScaleWidth must be 1..{RgbImage.MaxSide}");
        if (options.ScaleHeight is { } sh && (sh < 1 || sh > RgbImage.MaxSide)) throw new ArgumentOutOfRangeException(nameof(options), sh, $"ScaleHeight must be 1..{RgbImage.MaxSide}");
        CheckFile(path, kind);
        if (ImageHeader.TryReadSize(path, out var w, out var h, out var format) && FrameSizeGate.Exceeds(w, h, options.MaxPixels))
            throw new MediaException(path, $"cannot read {kind} '{path}': {FrameSizeGate.Describe(w, h, $"{format} image", options.MaxPixels)}");

        VideoReader reader;
        try
        {
            reader = new VideoReader(path, kind, options);
        }
        catch (GstException e)
        {
            throw new MediaException(path, $"cannot read {kind} '{path}': {e.Message}", e);
        }
        try
        {
            reader.Preroll();
            return reader;
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Decodes the next frame. Its <see cref="VideoFrame.Time"/> is the buffer's presentation
    /// timestamp as the container states it (or Index/FrameRate when the stream has none); it need
    /// not start at zero: MP4s with B-frames and no edit list start at the reorder delay (the
    /// shared clip d0.mp4 starts at 80 ms).
    /// </summary>
    /// <returns>True with the frame; false at the end of the stream.</returns>
    /// <exception cref="MediaException">A decode or demux error, an oversized frame, or no frame within the frame timeout.</exception>
    /// <exception cref="ObjectDisposedException">The reader was disposed.</exception>
    public bool TryRead(out VideoFrame frame)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        frame = null!;
        if (_failure is not null) throw new MediaException(_path, _failure.Message, _failure);
        if (_ended) return false;

        var clock = Stopwatch.StartNew();
        GstSample? sample;
        while (true)
        {
            sample = _sink.TryPullSample(PollSlice);
            if (sample is not null) break;
            if (_gate.Refusal is { } refusal) throw Fail(refusal + $" (after {FramesRead} frames)");
            if (_bus.Pop(TimeSpan.Zero, GstMessageType.Error) is GstErrorMessage error)
                throw Fail($"{PipelineErrors.Describe(error)} (after {FramesRead} frames)", error.ToException());
            if (_sink.IsEos)
            {
                _ended = true;
                return false;
            }
            if (clock.Elapsed > _options.FrameTimeout)
                throw Fail($"timed out after {_options.FrameTimeout.TotalSeconds:0.#} s waiting for frame {FramesRead} (decoding stalled)");
        }

        using (sample)
        {
            frame = ToFrame(sample);
            FramesRead++;
            return true;
        }
    }

    /// <summary>Reads the remaining frames in order, lazily.</summary>
    /// <exception cref="MediaException">As <see cref="TryRead"/>, during enumeration.</exception>
    public IEnumerable<VideoFrame> ReadAll()
    {
        while (TryRead(out var frame)) yield return frame;
    }

    /// <summary>Stops the pipeline and releases every native resource.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _pipeline?.SetState(GstState.Null);
        _gate.Dispose();
        _noMorePads?.Dispose();
        _sink?.Dispose();
        _converter?.Dispose();
        _bus?.Dispose();
        _pipeline?.Dispose();
    }

    /// <summary>The caps after the converter: RGB, resampled by <c>videoscale method=bilinear2</c> when a scaled size is asked for.</summary>
    private static string OutputCaps(VideoReaderOptions o)
    {
        if (o.ScaleWidth is null && o.ScaleHeight is null) return "video/x-raw,format=RGB";
        return "videoscale method=bilinear2 ! video/x-raw,format=RGB"
            + (o.ScaleWidth is { } w ? $",width={w}" : "") + (o.ScaleHeight is { } h ? $",height={h}" : "");
    }

    private static void CheckFile(string path, string kind)
    {
        if (Directory.Exists(path)) throw new MediaException(path, $"cannot read {kind} '{path}': it is a directory");
        FileInfo info;
        try
        {
            info = new FileInfo(path);
            if (!info.Exists) throw new MediaException(path, $"cannot read {kind} '{path}': file not found");
            using var probe = info.OpenRead();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MediaException(path, $"cannot read {kind} '{path}': {e.Message}", e);
        }
        if (info.Length == 0) throw new MediaException(path, $"cannot read {kind} '{path}': the file is empty (0 bytes)");
    }

    private void Preroll()
    {
        var clock = Stopwatch.StartNew();
        var change = _pipeline.SetState(GstState.Paused);
        if (change == GstStateChangeReturn.Failure)
            throw FailFromBus("the pipeline refused to start", TimeSpan.FromSeconds(1));

        var nextStallCheck = StallGrace;
        int idleChecks = 0;
        while (true)
        {
            if (_gate.Refusal is { } refusal) throw Fail(refusal);
            // decodebin has exposed all its streams and none reached the converter: no video. Not every
            // such file makes GStreamer post an error (a short audio-only MP4 drains before the
            // not-linked result reaches its demuxer), so do not wait for one.
            if (_exposed.Value && !ConverterLinked())
                throw NoVideo(_bus.Pop(TimeSpan.FromMilliseconds(100), GstMessageType.Error) as GstErrorMessage);
            if (clock.Elapsed >= nextStallCheck)
            {
                // decodebin drops an error that its demuxer posts while being plugged in (a race in
                // GStreamer 1.22, seen on truncated MP4s): then nothing runs and no message comes.
                nextStallCheck = clock.Elapsed + StallCheckInterval;
                idleChecks = AnyStreamingThreadRunning() ? 0 : idleChecks + 1;
                if (idleChecks >= 3)
                    throw Fail("GStreamer stopped before the first frame without reporting an error (no streaming thread is left running); "
                               + "the file is probably truncated or corrupt");
            }
            var left = _options.PrerollTimeout - clock.Elapsed;
            if (left <= TimeSpan.Zero)
                throw Fail($"timed out after {_options.PrerollTimeout.TotalSeconds:0.#} s finding the video stream and decoding its first frame (preroll)");
            var msg = _bus.Pop(left < PollSlice ? left : PollSlice, GstMessageType.Error | GstMessageType.AsyncDone);
            if (msg is GstErrorMessage error)
            {
                if (_gate.Refusal is { } r) throw Fail(r);
                if (!ConverterLinked() && error.Debug?.Contains("not-linked", StringComparison.Ordinal) == true)
                    throw NoVideo(error);
                throw Fail(PipelineErrors.Describe(error), error.ToException());
            }
            if (msg is { Type: GstMessageType.AsyncDone }) break;
        }
        if (_gate.Refusal is { } refused) throw Fail(refused);

        using (var first = _sink.TryPullPreroll(TimeSpan.Zero))
        {
            if (first is null)
                throw ConverterLinked() ? Fail("the video stream contains no frames") : NoVideo(null);
            ReadCaps(first);
        }
        Duration = _pipeline.QueryDuration();
        if (Duration is { } d && d <= TimeSpan.Zero) Duration = null;

        if (_pipeline.SetState(GstState.Playing) == GstStateChangeReturn.Failure)
            throw FailFromBus("the pipeline refused to play", TimeSpan.FromSeconds(1));
    }

    /// <summary>Set from a streaming thread when decodebin has exposed all its streams (<c>no-more-pads</c>).</summary>
    private sealed class StreamsExposed
    {
        public volatile bool Value;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnNoMorePads(nint element, nint userData)
    {
        try
        {
            NativeCallbackState.Get<StreamsExposed>(userData).Value = true;
        }
        catch (Exception)
        {
            // never unwind into native code
        }
    }

    /// <summary>Whether any pad in the pipeline still drives a running streaming thread.</summary>
    private bool AnyStreamingThreadRunning()
    {
        var elements = _pipeline.GetElementsRecursive();
        try
        {
            foreach (var element in elements)
            {
                var pads = element.GetPads();
                try
                {
                    foreach (var pad in pads)
                        if (pad.TaskState == GstTaskState.Started) return true;
                }
                finally
                {
                    foreach (var pad in pads) pad.Dispose();
                }
            }
            return false;
        }
        finally
        {
            foreach (var element in elements) element.Dispose();
        }
    }

    private bool ConverterLinked()
    {
        using var pad = _converter.GetStaticPad("sink");
        return pad?.IsLinked == true;
    }

    private void ReadCaps(GstSample sample)
    {
        var caps = sample.Caps;
        if (caps.Width <= 0 || caps.Height <= 0 || caps.Format != "RGB")
            throw Fail($"unexpected decoded format {caps}");
        if (FrameSizeGate.Exceeds(caps.Width, caps.Height, _options.MaxPixels))
            throw Fail(FrameSizeGate.Describe(caps.Width, caps.Height, "frame", _options.MaxPixels));
        if (Width == 0)
        {
            Width = caps.Width;
            Height = caps.Height;
            FrameRate = caps.FrameRate;
        }
        _capsIdentity = sample.CapsIdentity;
        _frameWidth = caps.Width;
        _frameHeight = caps.Height;
        _stride = RgbRows.GstStride(caps.Width);
    }

    private VideoFrame ToFrame(GstSample sample)
    {
        if (sample.CapsIdentity != _capsIdentity) ReadCaps(sample);
        // Every byte is overwritten below, so skip zeroing the new pixel array.
        var image = new RgbImage(_frameWidth, _frameHeight, GC.AllocateUninitializedArray<byte>(_frameWidth * _frameHeight * 3));
        using (var map = sample.Map())
        {
            long needed = (long)_stride * (_frameHeight - 1) + image.Stride;
            if (map.Length < needed)
                throw Fail($"frame {FramesRead} holds {map.Length} bytes, a {_frameWidth}x{_frameHeight} RGB frame needs {needed}");
            RgbRows.CopyFromStrided(map.Span, _stride, image);
        }
        var time = GstClockTime.ToTimeSpan(sample.Pts)
                   ?? (FrameRate > 0 ? TimeSpan.FromSeconds(FramesRead / FrameRate) : TimeSpan.Zero);
        return new VideoFrame(FramesRead, time, image);
    }

    private MediaException NoVideo(GstErrorMessage? error)
        => Fail("it contains no video stream that can be decoded (only other streams such as audio, or video in a codec "
                + "no installed GStreamer decoder reads)" + (error is null ? "" : $" — {PipelineErrors.Describe(error)}"),
            error?.ToException());

    private MediaException FailFromBus(string what, TimeSpan wait)
    {
        if (_gate.Refusal is { } refusal) return Fail(refusal);
        if (_bus.Pop(wait, GstMessageType.Error) is GstErrorMessage error)
            return Fail(PipelineErrors.Describe(error), error.ToException());
        return Fail(what);
    }

    /// <summary>The exception for <paramref name="cause"/>; once frames are being read, later reads repeat it.</summary>
    private MediaException Fail(string cause, Exception? inner = null)
    {
        var e = new MediaException(_path, $"cannot read {_kind} '{_path}': {cause}", inner);
        _failure ??= e;
        return e;
    }
}
