using System.Diagnostics;
using Npga.Live.Core.Imaging;
using Npga.Live.Media.GStreamer;

namespace Npga.Live.Media;

/// <summary>Settings of a <see cref="V4l2LoopbackWriter"/>.</summary>
public sealed record V4l2LoopbackWriterOptions
{
    /// <summary>The raw format the device is fed: <c>YUY2</c> (default; what call apps read from a loopback camera most
    /// readily) or <c>I420</c>.</summary>
    public string Format { get; init; } = "YUY2";

    /// <summary>
    /// A gst-launch fragment that replaces <c>v4l2sink</c> at the end of the chain, or null for the device (tests and
    /// previews: <c>fakesink</c>, or <c>filesink location=frames.yuv</c> to keep the raw frames). The device path is then
    /// not checked.
    /// </summary>
    public string? Sink { get; init; }

    /// <summary>How long <see cref="V4l2LoopbackWriter.Open"/> waits for the first frame to reach the sink (the device
    /// opened, the caps accepted); default 5 s.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Writes RGB frames to a V4L2 video output device — a v4l2loopback device that other programs (call apps, OBS, browsers)
/// then read as a camera — through GStreamer:
/// <c>appsrc (RGB, live, leaky) ! videoconvert ! video/x-raw,format=YUY2 ! v4l2sink device=… sync=false</c>.
/// </summary>
/// <remarks>
/// <para>Live: frames are timestamped on arrival and never queued behind a slow consumer: the appsrc holds at most two,
/// and a frame arriving at a full queue pushes out the oldest (counted in <see cref="FramesDropped"/>);
/// <see cref="Write"/> never blocks.</para>
/// <para><see cref="Open"/> opens the device and pushes one black frame, so that a missing device, a device that is not a
/// video output (a real camera), one another writer holds, or caps the device refuses fail there, with the reason, rather
/// than at the first frame. Later pipeline errors surface from <see cref="Write"/> as <see cref="MediaException"/>.</para>
/// <para>Not thread-safe: write from one thread.</para>
/// </remarks>
public sealed class V4l2LoopbackWriter : IDisposable
{
    private static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(20);

    private readonly GstElement _pipeline;
    private readonly GstBus _bus;
    private readonly GstAppSrc _source;
    private readonly int _stride;
    private readonly ulong _frameBytes;
    private bool _disposed;

    private V4l2LoopbackWriter(string device, int width, int height, string description, bool setDevice)
    {
        Device = device;
        Width = width;
        Height = height;
        _stride = RgbRows.GstStride(width);
        _frameBytes = (ulong)RgbRows.GstFrameSize(width, height);
        _pipeline = Gst.ParseLaunch(description);
        try
        {
            _bus = _pipeline.GetBus();
            _source = GstAppSrc.Find(_pipeline, "src");
            if (setDevice)
                using (var sink = _pipeline.RequireByName("sink")) sink.SetProperty("device", device);
        }
        catch
        {
            _pipeline.Dispose();
            throw;
        }
    }

    /// <summary>The device written (or the injected sink's description).</summary>
    public string Device { get; }

    /// <summary>Frame width, pixels.</summary>
    public int Width { get; }

    /// <summary>Frame height, pixels.</summary>
    public int Height { get; }

    /// <summary>The format the device is fed (<see cref="V4l2LoopbackWriterOptions.Format"/>).</summary>
    public string Format { get; private init; } = "YUY2";

    /// <summary>Frames handed to the pipeline, the black start frame not counted.</summary>
    public long FramesWritten { get; private set; }

    /// <summary>Frames pushed out of the full queue unshown (the device's reader or the converter fell behind).</summary>
    public long FramesDropped { get; private set; }

    /// <summary>Whether GStreamer's <c>v4l2sink</c> (gst-plugins-good's video4linux2 plugin) is installed.</summary>
    public static bool SinkAvailable
    {
        get
        {
            Gst.Init();
            return Gst.HasElement("v4l2sink");
        }
    }

    /// <summary>
    /// The v4l2loopback devices present (<c>/dev/videoN</c> whose sysfs entry has v4l2loopback's <c>max_openers</c>
    /// attribute, or whose name says loopback/Dummy), in order; empty where there are none (no module loaded, a container).
    /// </summary>
    public static IReadOnlyList<string> FindLoopbackDevices()
    {
        const string root = "/sys/class/video4linux";
        var found = new List<string>();
        if (!Directory.Exists(root)) return found;
        foreach (var dir in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(dir);
            if (!name.StartsWith("video", StringComparison.Ordinal)) continue;
            string label = "";
            try
            {
                label = File.Exists(Path.Combine(dir, "name")) ? File.ReadAllText(Path.Combine(dir, "name")) : "";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
            bool loopback = File.Exists(Path.Combine(dir, "max_openers"))
                            || label.Contains("loopback", StringComparison.OrdinalIgnoreCase)
                            || label.Contains("Dummy", StringComparison.OrdinalIgnoreCase);
            if (loopback && File.Exists("/dev/" + name)) found.Add("/dev/" + name);
        }
        return found;
    }

    /// <summary>Opens <paramref name="device"/> for <paramref name="width"/>×<paramref name="height"/> frames at
    /// <paramref name="fps"/> and shows a black frame.</summary>
    /// <param name="device">A V4L2 output device, e.g. <c>/dev/video10</c> (ignored for the path check when
    /// <see cref="V4l2LoopbackWriterOptions.Sink"/> is set).</param>
    /// <param name="width">Frame width, 2..4096 pixels, even.</param>
    /// <param name="height">Frame height, 2..4096 pixels, even.</param>
    /// <param name="fps">The rate announced in the caps, 1..120.</param>
    /// <param name="options">Format, an injected sink, the start timeout; null for the defaults.</param>
    /// <exception cref="ArgumentException">A bad size, rate or format.</exception>
    /// <exception cref="MediaException">No v4l2sink element; the device is missing, not a video output device, busy or
    /// refuses the caps; or the first frame did not get through in time. The message says which.</exception>
    public static V4l2LoopbackWriter Open(string device, int width, int height, double fps, V4l2LoopbackWriterOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(device);
        options ??= new V4l2LoopbackWriterOptions();
        if (width < 2 || height < 2 || width > 4096 || height > 4096 || width % 2 != 0 || height % 2 != 0)
            throw new ArgumentException($"the frame size must be even and 2..4096 pixels, got {width}x{height}", nameof(width));
        if (!double.IsFinite(fps) || fps < 1 || fps > 120) throw new ArgumentOutOfRangeException(nameof(fps), fps, "fps must be 1..120");
        if (options.Format is not ("YUY2" or "I420")) throw new ArgumentException($"the format must be YUY2 or I420, got {options.Format}", nameof(options));

        Gst.Init();
        string sink;
        if (options.Sink is { } injected)
        {
            sink = $"{injected}";
        }
        else
        {
            if (!Gst.HasElement("v4l2sink"))
                throw new MediaException(device, "GStreamer's v4l2sink element is not installed (the video4linux2 plugin of gst-plugins-good: "
                                                 + "sudo apt install gstreamer1.0-plugins-good)");
            if (Directory.Exists(device) || !File.Exists(device))
                throw new MediaException(device, $"the video device '{device}' does not exist; load v4l2loopback first: "
                                                 + "sudo modprobe v4l2loopback devices=1 video_nr=10 card_label=\"Npga.Live avatar\" exclusive_caps=1");
            sink = "v4l2sink name=sink sync=false";
        }
        var rate = FrameRateFraction.From(fps);
        var description =
            "appsrc name=src is-live=true format=time do-timestamp=true block=false max-buffers=2 max-bytes=0 leaky-type=downstream ! "
            + "videoconvert ! "
            + $"video/x-raw,format={options.Format},width={width},height={height},framerate={rate},pixel-aspect-ratio=1/1 ! "
            + sink;

        V4l2LoopbackWriter writer;
        try
        {
            writer = new V4l2LoopbackWriter(options.Sink is null ? device : options.Sink, width, height, description, options.Sink is null) { Format = options.Format };
        }
        catch (GstException e)
        {
            throw new MediaException(device, $"cannot build the pipeline for '{device}': {e.Message}", e);
        }
        try
        {
            using (var caps = GstCaps.Parse($"video/x-raw,format=RGB,width={width},height={height},framerate={rate},pixel-aspect-ratio=1/1"))
                writer._source.SetCaps(caps);
            writer.Start(options.StartTimeout);
            return writer;
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    /// <summary>Queues one frame (copied; the image may be reused at once). Never blocks: when two frames already wait, the
    /// oldest is dropped.</summary>
    /// <exception cref="ArgumentException">The frame is not <see cref="Width"/>×<see cref="Height"/>.</exception>
    /// <exception cref="MediaException">The pipeline failed (the device went away, a write error).</exception>
    /// <exception cref="ObjectDisposedException">The writer was disposed.</exception>
    public void Write(RgbImage frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (frame.Width != Width || frame.Height != Height)
            throw new ArgumentException($"the frame is {frame.Width}x{frame.Height}, the device is fed {Width}x{Height}", nameof(frame));
        ThrowIfFailed();
        if (_source.CurrentLevelBytes >= 2 * _frameBytes) FramesDropped++; // the leaky appsrc pushes the oldest out
        Push(frame);
        FramesWritten++;
    }

    /// <summary>Stops the pipeline and releases it.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _pipeline.SetState(GstState.Null);
        _source?.Dispose();
        _bus?.Dispose();
        _pipeline.Dispose();
    }

    private void Push(RgbImage frame)
    {
        using var buffer = GstBuffer.Allocate(_stride * Height);
        using (var map = buffer.Map(GstMapFlags.Write))
            RgbRows.CopyToStrided(frame, map.WritableSpan, _stride);
        var flow = _source.Push(buffer);
        if (flow != GstFlowReturn.Ok)
        {
            ThrowIfFailed();
            throw new MediaException(Device, $"cannot write to '{Device}': the pipeline refused a frame ({flow})");
        }
    }

    /// <summary>Plays, pushes a black frame and waits until the sink has taken it (ASYNC_DONE) or an error comes.</summary>
    private void Start(TimeSpan timeout)
    {
        if (_pipeline.SetState(GstState.Playing) == GstStateChangeReturn.Failure)
        {
            if (_bus.Pop(TimeSpan.FromSeconds(1), GstMessageType.Error) is GstErrorMessage e) throw Failed(e);
            throw new MediaException(Device, $"cannot open '{Device}': the pipeline refused to start");
        }
        Push(new RgbImage(Width, Height));
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var left = timeout - clock.Elapsed;
            if (left <= TimeSpan.Zero)
                throw new MediaException(Device, $"cannot write to '{Device}': the first frame did not reach it within {timeout.TotalSeconds:0.#} s");
            var msg = _bus.Pop(left < PollSlice ? left : PollSlice, GstMessageType.Error | GstMessageType.AsyncDone);
            if (msg is GstErrorMessage error) throw Failed(error);
            if (msg is { Type: GstMessageType.AsyncDone }) return;
        }
    }

    private void ThrowIfFailed()
    {
        if (_bus.Pop(TimeSpan.Zero, GstMessageType.Error) is GstErrorMessage error) throw Failed(error);
    }

    private MediaException Failed(GstErrorMessage e)
    {
        var text = PipelineErrors.Describe(e);
        string why;
        if (e.Debug?.Contains("not-negotiated", StringComparison.Ordinal) == true || text.Contains("not-negotiated", StringComparison.Ordinal))
            why = $"the device refused {Format} {Width}x{Height} frames (caps not accepted: is another program feeding it another size or format, "
                  + "or is it not a video output device?)";
        else if (text.Contains("not a output", StringComparison.OrdinalIgnoreCase) || text.Contains("not an output", StringComparison.OrdinalIgnoreCase))
            why = "it is not a video output device (a camera, not a v4l2loopback device?)";
        else if (text.Contains("isn't a device", StringComparison.OrdinalIgnoreCase))
            why = "it is not a video device";
        else if (text.Contains("busy", StringComparison.OrdinalIgnoreCase))
            why = "the device is busy (another program writes to it)";
        else
            why = "it cannot be opened as a video output device";
        return new MediaException(Device, $"cannot write to '{Device}': {why}; {text}", e.ToException());
    }
}
