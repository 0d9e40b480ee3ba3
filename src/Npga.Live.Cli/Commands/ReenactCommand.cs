using System.CommandLine;
using System.Diagnostics;
using Npga.Live.Avatar;
using Npga.Live.Core.Imaging;
using Npga.Live.Media;
using Npga.Live.Onnx;
using Npga.Live.Pipeline;
using Npga.Live.Pipeline.Reenact;
using Npga.Live.Tracking;
using Spectre.Console;

namespace Npga.Live.Cli.Commands;

/// <summary>
/// <c>npga reenact --avatar DIR --driving VIDEO --out OUT.mp4 [--side-by-side] [--report report.json] [--width W --height H]
/// [--render-threads N] [--no-cnn]</c>: drives an avatar with a video of a face through the frame pipeline
/// (<see cref="ReenactPipeline"/>, every frame kept: <see cref="HandOffPolicy.Wait"/>) and writes a video with the input's
/// frame rate and frame count. The avatar is seen through its default camera resized to W×H (default 512×512); the driver's
/// head rotation relative to their rest pose (the first half second, <see cref="DriverRestPose"/>) turns the avatar's head
/// from the pose it was built in (softly limited to the views a trained avatar was trained on, its <c>view_range_deg</c>:
/// <see cref="AvatarFrameRenderer.LimitTurn"/>), the driver's translation is ignored (the head stays centred); where the driver's face is
/// lost the avatar eases to neutral and holds. <c>--side-by-side</c> puts the driver's frame, scaled to the avatar's height,
/// left of the avatar. <c>--report</c> also re-tracks every avatar frame and writes counts, median ms per stage, fps and the
/// driver-vs-avatar correlations of mouth, eye and brow measures (<see cref="ReenactReport"/>).
/// Progress goes to stderr: a progress bar on a terminal, a line every 2 s otherwise.
/// Exit codes: 0 done; 2 bad input or output (unreadable driving video, damaged avatar, unwritable output, full disk, a
/// decode error mid-stream), with "error: …" on stderr and no file left at --out (a decode error mid-stream keeps what was
/// done as <c>NAME.partial.EXT</c>); 130 interrupted (Ctrl-C): the file holds the frames done and plays; 1 unexpected.
/// </summary>
internal static class ReenactCommand
{
    private static readonly TimeSpan PlainProgressInterval = TimeSpan.FromSeconds(2);

    public static Command Create()
    {
        var avatar = new Option<string>("--avatar") { Description = "Avatar package folder (npga-avatar/1)", Required = true };
        var driving = new Option<string>("--driving") { Description = "Driving video: a face to follow", Required = true };
        var output = new Option<string>("--out") { Description = "Output video (.mp4: H.264, .webm: VP8)", Required = true };
        var sideBySide = new Option<bool>("--side-by-side") { Description = "Put the driver's frame, scaled to the avatar's height, left of the avatar" };
        var report = new Option<string?>("--report") { Description = "Write a JSON report (counts, median ms per stage, fps, expression fidelity)" };
        var width = new Option<int>("--width") { Description = "Avatar frame width, pixels", DefaultValueFactory = _ => 512 };
        var height = new Option<int>("--height") { Description = "Avatar frame height, pixels", DefaultValueFactory = _ => 512 };
        var renderThreads = new Option<int?>("--render-threads") { Description = "Threads splatting each frame, the render stage's own included (default: every core)" };
        var noCnn = new Option<bool>("--no-cnn") { Description = "Skip the avatar's screen-space CNN" };
        var cmd = new Command("reenact", "Drive an avatar with a video of a face and write the result as a video")
            { avatar, driving, output, sideBySide, report, width, height, renderThreads, noCnn };
        cmd.SetAction((ParseResult r, CancellationToken ct) => Task.FromResult(Run(new Settings(
            r.GetValue(avatar)!, r.GetValue(driving)!, r.GetValue(output)!, r.GetValue(sideBySide), r.GetValue(report),
            r.GetValue(width), r.GetValue(height), r.GetValue(renderThreads) ?? Environment.ProcessorCount, !r.GetValue(noCnn)), ct)));
        return cmd;
    }

    private sealed record Settings(string Avatar, string Driving, string Output, bool SideBySide, string? Report, int Width, int Height, int RenderThreads, bool UseCnn);

    private static int Run(Settings s, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        if (Validate(s) is { } problem) return Error(problem);

        VideoReader reader;
        try
        {
            reader = VideoReader.Open(s.Driving);
        }
        catch (MediaException e)
        {
            return Error(e.Message);
        }
        using (reader)
        {
            double fps = reader.FrameRate > 0 ? reader.FrameRate : 25;
            long? total = reader.FrameCountEstimate;
            SideBySideLayout? layout;
            int outW, outH;
            // The output is opened before any work, so an unwritable path fails at once.
            VideoWriter writer;
            try
            {
                layout = s.SideBySide ? new SideBySideLayout(reader.Width, reader.Height, s.Width, s.Height) : null;
                (outW, outH) = (layout?.Width ?? s.Width, layout?.Height ?? s.Height);
                writer = VideoWriter.Create(s.Output, outW, outH, fps);
            }
            catch (Exception e) when (e is MediaException or ArgumentException)
            {
                return Error(e.Message);
            }

            bool keepOutput = false;
            try
            {
                AvatarPackage package;
                FaceTrackStage? tracker = null;
                AvatarStage? avatar = null;
                ExpressionFidelityProbe? probe = null;
                try
                {
                    package = AvatarPackage.Load(s.Avatar);
                    tracker = new FaceTrackStage(package.Manifest.ExpressionModel.Id, new TrackerOptions { Gaze = package.Manifest.Gaze is not null });
                    avatar = AvatarStage.Offline(package, s.Width, s.Height, s.RenderThreads, networkThreads: 1, s.UseCnn);
                    if (s.Report is not null) probe = new ExpressionFidelityProbe();
                }
                catch (Exception e) when (e is AvatarFormatException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or OrtException or IOException)
                {
                    tracker?.Dispose();
                    avatar?.Dispose();
                    return Error(e.Message);
                }
                using (tracker)
                using (avatar)
                using (probe)
                {
                    var pipeline = new ReenactPipeline(tracker, avatar, new ReenactOptions { Policy = HandOffPolicy.Wait, Capacity = 2 });
                    var sink = new VideoFileSink(writer, layout);
                    double setupS = clock.Elapsed.TotalSeconds;
                    var run = pipeline.RunAsync(reader.ReadAll(), sink, probe, ct);
                    ShowProgress(run, pipeline, total);
                    ReenactSummary summary;
                    try
                    {
                        summary = run.GetAwaiter().GetResult();
                    }
                    catch (ReenactException e)
                    {
                        return Failed(e, writer, s.Output, pipeline.Progress);
                    }
                    if (summary.FramesOut == 0)
                    {
                        // Interrupted before the first frame, or a stream without frames: there is nothing to keep.
                        if (!summary.Cancelled) return Error($"{s.Driving}: the video gave no frames; no output was written");
                        Console.Error.WriteLine($"interrupted before any frame was written; no output was left at {s.Output}");
                        return 130;
                    }
                    keepOutput = true;

                    var fidelityResult = probe?.Result; // correlations and their bootstrap intervals, computed once
                    string reportNote = "";
                    if (s.Report is not null)
                    {
                        var threads = new Dictionary<string, int> { ["cores"] = Environment.ProcessorCount, ["render"] = avatar.RenderThreads, ["network"] = 1, ["tracker"] = 1 };
                        var rep = new ReenactReport(package.Manifest.Name, s.Driving, s.Output, s.Width, s.Height, outW, outH, s.SideBySide, fps, summary, fidelityResult, threads);
                        try
                        {
                            rep.Save(s.Report);
                            reportNote = $"; report {s.Report}";
                        }
                        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                        {
                            Console.Error.WriteLine($"warning: cannot write the report {s.Report}: {e.Message}");
                        }
                    }
                    var m = summary.Median;
                    string fidelity = fidelityResult is { } f
                        ? $"; expression fidelity over {f.AvatarFaces} frames (95% intervals): {f.Describe()}"
                        : "";
                    string counts = $"{summary.FramesOut} of {summary.FramesIn} frame(s) at {outW}x{outH}, {fps:0.###} fps -> {s.Output}; driver's face in {summary.FacesFound}, "
                                    + $"eased to neutral in {summary.FramesWithoutFace}; {summary.Fps:F1} fps over {summary.WallSeconds:F1} s (setup {setupS:F1} s); "
                                    + $"median ms: decode {m.Decode:F1}, track {m.Track:F1}, deform {m.Deform:F1}, render {m.Render:F1}, refine {m.Refine:F1}, encode {m.Encode:F1}"
                                    + (probe is null ? "" : $", measure {m.Measure:F1}") + fidelity + reportNote;
                    if (summary.Cancelled)
                    {
                        Console.Error.WriteLine($"interrupted: wrote {counts}. The file is complete and plays: it holds the {summary.FramesOut} frame(s) done"
                                                + (total is { } t ? $" of about {t}" : "") + ".");
                        return 130;
                    }
                    Console.Error.WriteLine($"reenacted {counts}");
                    return 0;
                }
            }
            finally
            {
                writer.Dispose();
                if (!keepOutput) TryDelete(s.Output);
            }
        }
    }

    /// <summary>Checks the arguments that need no file opened; null when they are fine.</summary>
    private static string? Validate(Settings s)
    {
        if (s.Width < 16 || s.Height < 16 || s.Width > 4096 || s.Height > 4096) return $"--width and --height must be 16..4096 pixels, got {s.Width}x{s.Height}";
        if (s.RenderThreads < 1 || s.RenderThreads > 64) return $"--render-threads must be 1..64, got {s.RenderThreads}";
        var ext = Path.GetExtension(s.Output).ToLowerInvariant();
        if (ext is not (".mp4" or ".m4v" or ".mov" or ".webm" or ".mkv")) return $"{s.Output}: use .mp4 (H.264) or .webm (VP8) for the output";
        if (ext is not ".webm" && (s.Width % 2 != 0 || s.Height % 2 != 0)) return $"H.264 needs an even width and height, got {s.Width}x{s.Height} (or write .webm)";
        if (string.Equals(Path.GetFullPath(s.Output), Path.GetFullPath(s.Driving), StringComparison.Ordinal)) return $"--out {s.Output} is the driving video itself";
        if (s.Report is not null)
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(s.Report));
            if (dir is not null && !Directory.Exists(dir)) return $"cannot write the report '{s.Report}': the directory '{dir}' does not exist";
        }
        if (!Directory.Exists(s.Avatar)) return $"avatar '{s.Avatar}': no such folder";
        return null;
    }

    /// <summary>A run that failed: the output is removed when its writer failed (full disk, write error), otherwise the
    /// frames done are kept as NAME.partial.EXT.</summary>
    private static int Failed(ReenactException e, VideoWriter writer, string output, ReenactProgress progress)
    {
        bool writerFailed = e.Stage == ReenactStage.Encode && e.InnerException is MediaException;
        string what = e.Stage switch
        {
            ReenactStage.Decode => "reading the driving video failed",
            ReenactStage.Encode => "writing the output failed",
            _ => $"the {e.Stage.ToString().ToLowerInvariant()} stage failed",
        };
        string fate;
        if (writerFailed || progress.FramesWritten == 0)
        {
            writer.Dispose();
            fate = TryDelete(output) ? $"the partial output '{output}' was removed" : $"the partial output '{output}' could not be removed";
        }
        else
        {
            writer.Dispose(); // finalises what was written (the sink was completed already for a source failure)
            var partial = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(output))!, Path.GetFileNameWithoutExtension(output) + ".partial" + Path.GetExtension(output));
            try
            {
                File.Move(output, partial, overwrite: true);
                fate = $"the {progress.FramesWritten} frame(s) done were kept in '{partial}'";
            }
            catch (Exception io) when (io is IOException or UnauthorizedAccessException)
            {
                TryDelete(output);
                fate = $"the partial output '{output}' was removed ({io.Message})";
            }
        }
        Console.Error.WriteLine($"error: {what} after {progress.FramesWritten} frame(s): {e.Message}; {fate}");
        bool badInput = e.InnerException is MediaException or InvalidDataException or IOException;
        return badInput ? 2 : 1;
    }

    private static bool TryDelete(string path)
    {
        try
        {
            if (File.Exists(path)) File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static int Error(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return 2;
    }

    /// <summary>Shows progress on stderr until <paramref name="run"/> ends: a Spectre.Console bar on a terminal, plain lines otherwise.</summary>
    private static void ShowProgress(Task<ReenactSummary> run, ReenactPipeline pipeline, long? total)
    {
        var settled = run.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        if (Console.IsErrorRedirected)
        {
            var last = Stopwatch.StartNew();
            while (!settled.Wait(200))
            {
                if (last.Elapsed < PlainProgressInterval) continue;
                last.Restart();
                Console.Error.WriteLine("reenact: " + Describe(pipeline.Progress, total, eta: true));
            }
            return;
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("reenact", autoStart: true, maxValue: Math.Max(1, total ?? 1));
                task.IsIndeterminate = total is null;
                while (true)
                {
                    bool done = settled.Wait(100);
                    var p = pipeline.Progress;
                    if (p.FramesWritten > task.MaxValue) task.MaxValue = p.FramesWritten;
                    task.Value = p.FramesWritten;
                    task.Description = Markup.Escape(Describe(p, total, eta: false));
                    if (done)
                    {
                        task.MaxValue = Math.Max(1, p.FramesWritten);
                        task.Value = p.FramesWritten;
                        task.StopTask();
                        ctx.Refresh();
                        return;
                    }
                }
            });
    }

    private static string Describe(ReenactProgress p, long? total, bool eta)
    {
        var text = total is { } t
            ? $"{p.FramesWritten}/{t} frames ({100.0 * p.FramesWritten / Math.Max(1, t):F0}%), {p.Fps:F1} fps"
            : $"{p.FramesWritten} frames, {p.Fps:F1} fps";
        if (eta && total is { } n && p.Fps > 0) text += $", ETA {Math.Max(0, n - p.FramesWritten) / p.Fps:F0} s";
        return text;
    }

    /// <summary>The encode stage's sink: the avatar's frame, or driver | avatar side by side, into a <see cref="VideoWriter"/>.</summary>
    private sealed class VideoFileSink(VideoWriter writer, SideBySideLayout? layout) : IReenactSink
    {
        private readonly RgbImage? _canvas = layout is null ? null : new RgbImage(layout.Width, layout.Height);

        public void Write(ReenactFrame frame)
        {
            var avatar = frame.Avatar ?? throw new InvalidOperationException("a frame reached the sink without an avatar image");
            if (layout is null)
            {
                writer.Write(avatar);
                return;
            }
            layout.Compose(frame.Driver.Image, avatar, _canvas!);
            writer.Write(_canvas!);
        }

        /// <summary>Finalises the file; a file with no frame cannot be finalised and is left for the caller to remove.</summary>
        public void Complete()
        {
            if (writer.FramesWritten > 0) writer.Complete();
        }
    }
}
