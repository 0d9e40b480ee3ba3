using Npga.Live.Tracking;
using System.CommandLine;
using System.Diagnostics;
using Npga.Live.Avatar;
using Npga.Live.Core;
using Npga.Live.Core.Imaging;
using Npga.Live.Media;
using Npga.Live.Onnx;
using Npga.Live.Pipeline.Live;
using Npga.Live.Pipeline.Reenact;
using Npga.Live.Server.Avatars;

namespace Npga.Live.Cli.Commands;

/// <summary>
/// <c>npga camera --device /dev/videoN [--avatar ID|DIR] [--source /dev/videoM | --source CLIP [--once]] [--width 512 --height 512
/// --fps 30] [--yaw D --pitch D] [--bg #rrggbb] [--seconds S]</c>: a desktop camera on Linux. The avatar, driven by a local
/// camera (<see cref="CameraReader"/>) or a video file (looped, or played once with <c>--once</c>, paced at its frame rate),
/// is written to a v4l2loopback device (<see cref="V4l2LoopbackWriter"/>), which call apps then offer as a camera. The frame
/// pipeline is the one <c>npga reenact</c> uses (<see cref="ReenactPipeline"/>: tracking, the avatar stage), live: every
/// hand-off drops the oldest frame when full (<see cref="HandOffPolicy.DropOldest"/>) and the device's queue drops too, so
/// nothing queues behind. The avatar stage is the live server's (<see cref="AvatarStage"/>: the view orbit of
/// <c>--yaw/--pitch</c>, the background of <c>--bg</c>, the CNN while frames keep within the frame budget).
/// Exit codes: 0 done (Ctrl-C, the end of a clip played once, or <c>--seconds</c> elapsed); 2 bad arguments, the device
/// missing or not a video output, no v4l2sink, the source camera missing or busy, an unreadable clip, an unknown or damaged
/// avatar, with "error: …" on stderr; 1 unexpected.
/// </summary>
internal static class CameraCommand
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);

    public static Command Create()
    {
        var device = new Option<string>("--device") { Description = "The v4l2loopback device to write, e.g. /dev/video10", Required = true };
        var avatar = new Option<string>("--avatar") { Description = "Avatar id (a folder of models/avatars) or package folder", DefaultValueFactory = _ => "default" };
        var source = new Option<string>("--source") { Description = "The driver: a camera (/dev/videoN) or a video file (looped)", DefaultValueFactory = _ => "/dev/video0" };
        var once = new Option<bool>("--once") { Description = "Play a video file --source once, then stop (default: loop it)" };
        var width = new Option<int>("--width") { Description = "Frame width, pixels (even)", DefaultValueFactory = _ => 512 };
        var height = new Option<int>("--height") { Description = "Frame height, pixels (even)", DefaultValueFactory = _ => 512 };
        var fps = new Option<double>("--fps") { Description = "Frame rate announced to the device", DefaultValueFactory = _ => 30 };
        var yaw = new Option<double>("--yaw") { Description = $"Orbit the view round the head, degrees (±{LiveControls.MaxYawDeg})" };
        var pitch = new Option<double>("--pitch") { Description = $"Orbit the view up or down, degrees (±{LiveControls.MaxPitchDeg})" };
        var bg = new Option<string?>("--bg") { Description = "Background colour #rrggbb (default: the avatar's own)" };
        var seconds = new Option<double?>("--seconds") { Description = "Stop after this many seconds (default: run until Ctrl-C)" };
        var refine = new Option<string>("--refine") { Description = "The avatar's CNN: auto (while frames keep to the frame rate), on, off", DefaultValueFactory = _ => "auto" };
        var renderThreads = new Option<int?>("--render-threads") { Description = "Threads splatting each frame (default: every core)" };
        // For tests and previews: a gst-launch fragment that replaces v4l2sink (e.g. "filesink location=frames.yuv").
        var sink = new Option<string?>("--gst-sink") { Description = "A GStreamer sink replacing v4l2sink (testing)", Hidden = true };
        var cmd = new Command("camera", "Write the avatar to a v4l2loopback device: a camera for call apps (Linux)")
            { device, avatar, source, once, width, height, fps, yaw, pitch, bg, seconds, refine, renderThreads, sink };
        cmd.SetAction((ParseResult r, CancellationToken ct) => Task.FromResult(Run(new Settings(
            r.GetValue(device)!, r.GetValue(avatar)!, r.GetValue(source)!, r.GetValue(once), r.GetValue(width), r.GetValue(height), r.GetValue(fps),
            r.GetValue(yaw), r.GetValue(pitch), r.GetValue(bg), r.GetValue(seconds), r.GetValue(refine)!, r.GetValue(renderThreads), r.GetValue(sink)), ct)));
        return cmd;
    }

    private sealed record Settings(string Device, string Avatar, string Source, bool Once, int Width, int Height, double Fps,
        double Yaw, double Pitch, string? Background, double? Seconds, string Refine, int? RenderThreads, string? GstSink);

    private static int Run(Settings s, CancellationToken ct)
    {
        if (Validate(s, out var background, out var refine) is { } problem) return Error(problem);
        if (ResolveAvatar(s.Avatar, out var avatarDir) is { } unknown) return Error(unknown);
        bool sourceIsCamera = s.Source.StartsWith("/dev/", StringComparison.Ordinal);
        if (!sourceIsCamera && !File.Exists(s.Source)) return Error($"--source '{s.Source}': no such camera or video file");

        V4l2LoopbackWriter writer;
        try
        {
            writer = V4l2LoopbackWriter.Open(s.Device, s.Width, s.Height, s.Fps, new V4l2LoopbackWriterOptions { Sink = s.GstSink });
        }
        catch (MediaException e)
        {
            return Error(e.Message);
        }
        using (writer)
        {
            CameraReader? camera = null;
            if (sourceIsCamera)
            {
                try
                {
                    camera = CameraReader.Open(s.Source);
                }
                catch (MediaException e)
                {
                    return Error(e.Message);
                }
            }
            else
            {
                // Fail now on an unreadable clip, not in the decode stage.
                try
                {
                    using var probe = VideoReader.Open(s.Source);
                }
                catch (MediaException e)
                {
                    return Error(e.Message);
                }
            }
            using (camera)
            {
                AvatarPackage package;
                FaceTrackStage? tracker = null;
                AvatarStage? stage = null;
                var controls = new LiveControls();
                controls.SetView(s.Yaw, s.Pitch);
                controls.SetBackground(background);
                try
                {
                    package = AvatarPackage.Load(avatarDir);
                    tracker = new FaceTrackStage(package.Manifest.ExpressionModel.Id, new TrackerOptions { Gaze = package.Manifest.Gaze is not null });
                    var id = Path.GetFileName(Path.GetFullPath(avatarDir).TrimEnd(Path.DirectorySeparatorChar));
                    stage = new AvatarStage(package, id, s.Width, s.Height, controls, presets: null,
                        resolve: other => other == id ? package : throw new KeyNotFoundException($"no avatar '{other}' here"),
                        s.RenderThreads, networkThreads: 1, refine, frameBudgetMs: 1000.0 / s.Fps);
                }
                catch (Exception e) when (e is AvatarFormatException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or OrtException or IOException)
                {
                    tracker?.Dispose();
                    stage?.Dispose();
                    return Error($"avatar '{s.Avatar}': {e.Message}");
                }
                using (tracker)
                using (stage)
                {
                    using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    if (s.Seconds is { } limit) stop.CancelAfter(TimeSpan.FromSeconds(limit));
                    var frames = camera is not null ? camera.ReadAll(stop.Token) : ClipFrames(s.Source, loop: !s.Once, stop.Token);
                    var pipeline = new ReenactPipeline(tracker, stage,
                        new ReenactOptions { Policy = HandOffPolicy.DropOldest, Capacity = 1, RecordFrameTimings = false, PaceTracking = true });
                    Console.Error.WriteLine($"camera: {package.Manifest.Name} -> {s.Device} ({s.Width}x{s.Height} {writer.Format}, {s.Fps:0.##} fps), "
                                           + $"driven by {s.Source}{(camera is null && !s.Once ? " (looped)" : "")}; Ctrl-C to stop");
                    var run = pipeline.RunAsync(frames, new DeviceSink(writer), null, stop.Token);
                    var last = Stopwatch.StartNew();
                    while (!run.Wait(200))
                    {
                        if (last.Elapsed < ProgressInterval) continue;
                        last.Restart();
                        var p = pipeline.Progress;
                        Console.Error.WriteLine($"camera: {p.FramesWritten} frames, {p.Fps:F1} fps, driver's face in {p.FacesFound}, "
                                               + $"dropped {p.Dropped + writer.FramesDropped}");
                    }
                    ReenactSummary summary;
                    try
                    {
                        summary = run.GetAwaiter().GetResult();
                    }
                    catch (ReenactException e)
                    {
                        string what = e.Stage switch
                        {
                            ReenactStage.Decode => $"reading {s.Source} failed",
                            ReenactStage.Encode => $"writing to {s.Device} failed",
                            _ => $"the {e.Stage.ToString().ToLowerInvariant()} stage failed",
                        };
                        Console.Error.WriteLine($"error: {what} after {pipeline.Progress.FramesWritten} frame(s): {e.Message}");
                        return e.InnerException is MediaException or IOException ? 2 : 1;
                    }
                    Console.Error.WriteLine($"camera: wrote {writer.FramesWritten} frame(s) to {s.Device} ({summary.FramesIn} read, driver's face in {summary.FacesFound}, "
                                           + $"dropped {summary.Dropped} in the pipeline and {writer.FramesDropped} at the device); {summary.Fps:F1} fps over {summary.WallSeconds:F1} s"
                                           + (ct.IsCancellationRequested ? "; stopped (Ctrl-C)" : ""));
                    return 0;
                }
            }
        }
    }

    /// <summary>Checks the arguments that need nothing opened; null when they are fine.</summary>
    private static string? Validate(Settings s, out float[]? background, out RefineMode refine)
    {
        background = null;
        refine = RefineMode.Auto;
        if (s.Width < 16 || s.Height < 16 || s.Width > 4096 || s.Height > 4096 || s.Width % 2 != 0 || s.Height % 2 != 0)
            return $"--width and --height must be even and 16..4096 pixels, got {s.Width}x{s.Height}";
        if (!double.IsFinite(s.Fps) || s.Fps < 1 || s.Fps > 120) return $"--fps must be 1..120, got {s.Fps}";
        if (!double.IsFinite(s.Yaw) || Math.Abs(s.Yaw) > LiveControls.MaxYawDeg) return $"--yaw must be within ±{LiveControls.MaxYawDeg} degrees, got {s.Yaw}";
        if (!double.IsFinite(s.Pitch) || Math.Abs(s.Pitch) > LiveControls.MaxPitchDeg) return $"--pitch must be within ±{LiveControls.MaxPitchDeg} degrees, got {s.Pitch}";
        if (s.Seconds is { } sec && (!double.IsFinite(sec) || sec <= 0)) return $"--seconds must be a positive number, got {sec}";
        if (s.RenderThreads is { } t && (t < 1 || t > 64)) return $"--render-threads must be 1..64, got {t}";
        if (s.Background is { } colour)
        {
            if (colour.Length != 7 || colour[0] != '#' || !int.TryParse(colour.AsSpan(1), System.Globalization.NumberStyles.AllowHexSpecifier, null, out int rgb))
                return $"--bg must be #rrggbb, got '{colour}'";
            background = [(rgb >> 16 & 255) / 255f, (rgb >> 8 & 255) / 255f, (rgb & 255) / 255f];
        }
        if (!Enum.TryParse(s.Refine, ignoreCase: true, out refine) || !Enum.IsDefined(refine)) return $"--refine must be auto, on or off, got '{s.Refine}'";
        if (s.Once && s.Source.StartsWith("/dev/", StringComparison.Ordinal)) return "--once is for a video file --source, not a camera";
        if (string.Equals(s.Source, s.Device, StringComparison.Ordinal)) return $"--source {s.Source} is the output device itself";
        return null;
    }

    /// <summary>The package folder of <paramref name="avatar"/> (a folder, or an id under models/avatars); the error otherwise.</summary>
    private static string? ResolveAvatar(string avatar, out string dir)
    {
        dir = avatar;
        if (Directory.Exists(avatar)) return null;
        var avatars = Path.Combine(ContentRoot.Models, "avatars");
        if (AvatarCatalog.IsValidId(avatar) && Directory.Exists(Path.Combine(avatars, avatar)))
        {
            dir = Path.Combine(avatars, avatar);
            return null;
        }
        var offered = Directory.Exists(avatars)
            ? string.Join(", ", Directory.GetDirectories(avatars).Select(Path.GetFileName).Where(AvatarCatalog.IsValidId).Order(StringComparer.Ordinal))
            : "";
        return $"unknown avatar '{avatar}': not a package folder, nor an avatar of {avatars}" + (offered.Length > 0 ? $" (offered: {offered})" : "");
    }

    /// <summary>A video file's frames paced at its timestamps (as a camera would deliver them), looped or once; times
    /// keep increasing across loops.</summary>
    private static IEnumerable<VideoFrame> ClipFrames(string path, bool loop, CancellationToken ct)
    {
        long index = 0;
        var clock = Stopwatch.StartNew();
        var offset = TimeSpan.Zero;
        do
        {
            using var reader = VideoReader.Open(path);
            var period = TimeSpan.FromSeconds(1 / (reader.FrameRate > 0 ? reader.FrameRate : 25));
            TimeSpan? first = null;
            var last = offset - period;
            foreach (var f in reader.ReadAll())
            {
                if (ct.IsCancellationRequested) yield break;
                first ??= f.Time;
                var t = offset + (f.Time - first.Value);
                var wait = t - clock.Elapsed;
                if (wait > TimeSpan.Zero && ct.WaitHandle.WaitOne(wait)) yield break;
                last = t;
                yield return new VideoFrame(index++, t, f.Image);
            }
            if (first is null) yield break; // a clip without frames: do not spin
            offset = last + period;
        } while (loop && !ct.IsCancellationRequested);
    }

    private static int Error(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return 2;
    }

    /// <summary>The encode stage's sink: the avatar's frame to the device (never blocks; the device's queue drops).</summary>
    private sealed class DeviceSink(V4l2LoopbackWriter writer) : IReenactSink
    {
        public void Write(ReenactFrame frame) =>
            writer.Write(frame.Avatar ?? throw new InvalidOperationException("a frame reached the sink without an avatar image"));

        public void Complete()
        {
        }
    }
}
