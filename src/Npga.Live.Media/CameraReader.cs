using System.Diagnostics;
using Npga.Live.Core.Imaging;
using Npga.Live.Media.GStreamer;

namespace Npga.Live.Media;

/// <summary>
/// Reads RGB frames from a local V4L2 camera with GStreamer:
/// <c>v4l2src device=… ! decodebin ! videoconvert ! video/x-raw,format=RGB ! appsink drop=true max-buffers=1</c>
/// (raw or MJPEG cameras). Live: only the newest frame waits; older ones are dropped when the reader is slow.
/// Frame times are the seconds since the first frame.
/// </summary>
/// <remarks>Not thread-safe: read from one thread.</remarks>
public sealed class CameraReader : IDisposable
{
    private static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(50);

    private readonly GstElement _pipeline;
    private readonly GstBus _bus;
    private readonly GstAppSink _sink;
    private readonly Stopwatch _clock = new();
    private bool _disposed;

    private CameraReader(string device)
    {
        Device = device;
        _pipeline = Gst.ParseLaunch(
            "v4l2src name=src ! decodebin ! videoconvert ! video/x-raw,format=RGB ! "
            + "appsink name=sink sync=false drop=true max-buffers=1 enable-last-sample=false");
        try
        {
            _bus = _pipeline.GetBus();
            _sink = GstAppSink.Find(_pipeline, "sink");
            using var src = _pipeline.RequireByName("src");
            src.SetProperty("device", device);
        }
        catch
        {
            _pipeline.Dispose();
            throw;
        }
    }

    /// <summary>The camera device.</summary>
    public string Device { get; }

    /// <summary>Frames returned so far.</summary>
    public long FramesRead { get; private set; }

    /// <summary>Opens the camera and waits (up to <paramref name="timeout"/>, default 5 s) until it delivers.</summary>
    /// <exception cref="MediaException">No v4l2src element; the device is missing, not a camera, busy (another program
    /// holds it) or sends nothing in time. The message says which.</exception>
    public static CameraReader Open(string device, TimeSpan? timeout = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(device);
        Gst.Init();
        if (!Gst.HasElement("v4l2src"))
            throw new MediaException(device, "GStreamer's v4l2src element is not installed (the video4linux2 plugin of gst-plugins-good: sudo apt install gstreamer1.0-plugins-good)");
        if (Directory.Exists(device) || !File.Exists(device))
            throw new MediaException(device, $"the camera '{device}' does not exist (v4l2-ctl --list-devices lists the cameras)");
        CameraReader reader;
        try
        {
            reader = new CameraReader(device);
        }
        catch (GstException e)
        {
            throw new MediaException(device, $"cannot open the camera '{device}': {e.Message}", e);
        }
        try
        {
            reader.Start(timeout ?? TimeSpan.FromSeconds(5));
            return reader;
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>Frames until <paramref name="cancellation"/> is cancelled (the enumeration then ends).</summary>
    /// <exception cref="MediaException">The camera failed or went silent for 5 s.</exception>
    public IEnumerable<VideoFrame> ReadAll(CancellationToken cancellation)
    {
        var silent = Stopwatch.StartNew();
        while (!cancellation.IsCancellationRequested)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var sample = _sink.TryPullSample(PollSlice);
            if (_bus.Pop(TimeSpan.Zero, GstMessageType.Error) is GstErrorMessage error)
                throw Failed(error, $"after {FramesRead} frames");
            if (sample is null)
            {
                if (_sink.IsEos) yield break;
                if (silent.Elapsed > TimeSpan.FromSeconds(5))
                    throw new MediaException(Device, $"the camera '{Device}' sent no frame for 5 s (after {FramesRead} frames)");
                continue;
            }
            silent.Restart();
            if (!_clock.IsRunning) _clock.Start();
            var frame = new VideoFrame(FramesRead, _clock.Elapsed, ToImage(sample));
            FramesRead++;
            yield return frame;
        }
    }

    /// <summary>Stops the camera and releases the pipeline.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _pipeline.SetState(GstState.Null);
        _sink?.Dispose();
        _bus?.Dispose();
        _pipeline.Dispose();
    }

    private void Start(TimeSpan timeout)
    {
        if (_pipeline.SetState(GstState.Playing) == GstStateChangeReturn.Failure)
        {
            if (_bus.Pop(TimeSpan.FromSeconds(1), GstMessageType.Error) is GstErrorMessage e) throw Failed(e, "at start");
            throw new MediaException(Device, $"cannot open the camera '{Device}': the pipeline refused to start");
        }
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_bus.Pop(PollSlice, GstMessageType.Error) is GstErrorMessage error) throw Failed(error, "at start");
            if (_bus.Pop(TimeSpan.Zero, GstMessageType.AsyncDone) is not null) return;
            using var state = _sink.TryPullPreroll(TimeSpan.Zero);
            if (state is not null) return;
        }
        throw new MediaException(Device, $"the camera '{Device}' sent no frame within {timeout.TotalSeconds:0.#} s");
    }

    private static RgbImage ToImage(GstSample sample)
    {
        var caps = sample.Caps;
        var image = new RgbImage(caps.Width, caps.Height);
        using var map = sample.Map();
        RgbRows.CopyFromStrided(map.Span, RgbRows.GstStride(caps.Width), image);
        return image;
    }

    private MediaException Failed(GstErrorMessage e, string when)
    {
        var text = PipelineErrors.Describe(e);
        string why = text.Contains("busy", StringComparison.OrdinalIgnoreCase)
            ? "it is busy (another program is using it)"
            : text.Contains("not a capture", StringComparison.OrdinalIgnoreCase) ? "it is not a camera (not a video capture device)" : "it failed";
        return new MediaException(Device, $"the camera '{Device}' {why} {when}: {text}", e.ToException());
    }
}
