using System.CommandLine;
using System.Diagnostics;
using Npga.Live.Avatar;
using Npga.Live.Core.Imaging;
using Npga.Live.Media;
using Npga.Live.Onnx;
using Npga.Live.Pipeline.Evaluation;

namespace Npga.Live.Cli.Commands;

/// <summary>
/// <c>npga eval --avatar DIR --video VIDEO --from-frame N [--to-frame M] [--track-from K] [--side-by-side out.mp4]
/// [--picture out.png] [--json report.json] [--per-frame] [--no-cnn] [--render-threads T]</c>: scores an avatar against the frames N..M of a real
/// video (self-reenactment when the video is the avatar's own) by the trainer's definitions, in C# (<see cref="AvatarEvaluator"/>):
/// PSNR and SSIM inside the head mask (mean and median), whole-image PSNR, and the perspective pose refinement's landmark
/// errors. The evaluation size is the avatar's training size (its default camera's). The tracker runs from frame K (default 0,
/// as the trainer tracked the video) so that its codes match the trainer's. The summary goes to stdout, progress and
/// per-frame lines (<c>--per-frame</c>) to stderr. Exit codes: 0 done; 2 bad input (unreadable video, a folder that is not an
/// avatar, a frame range outside the video, no face in any frame of the range, an unwritable output) with "error: …" on
/// stderr; 130 interrupted; 1 unexpected.
/// </summary>
internal static class EvalCommand
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);

    public static Command Create()
    {
        var avatar = new Option<string>("--avatar") { Description = "Avatar package folder (npga-avatar/1)", Required = true };
        var video = new Option<string>("--video") { Description = "Video of the avatar's person (its own training video for self-reenactment)", Required = true };
        var from = new Option<long>("--from-frame") { Description = "First frame scored (0-based frame number)", Required = true };
        var to = new Option<long?>("--to-frame") { Description = "Last frame scored, inclusive (default: the video's last)" };
        var trackFrom = new Option<long>("--track-from") { Description = "First frame the tracker sees (default 0, as the trainer; its neutral estimate and smoothing depend on the frames before)", DefaultValueFactory = _ => 0 };
        var sideBySide = new Option<string?>("--side-by-side") { Description = "Write a video of the real frame | the avatar's render (.mp4 or .webm)" };
        var picture = new Option<string?>("--picture") { Description = "Write a PNG of four evenly spaced frames of the range, each row the real frame | the render" };
        var json = new Option<string?>("--json") { Description = "Write the summary (and every frame's scores, camera and code) as JSON" };
        var perFrame = new Option<bool>("--per-frame") { Description = "Print one line per frame on stderr" };
        var noCnn = new Option<bool>("--no-cnn") { Description = "Skip the avatar's screen-space CNN" };
        var renderThreads = new Option<int?>("--render-threads") { Description = "Threads splatting each frame (default: every core)" };
        var cmd = new Command("eval", "Score an avatar against real video frames (PSNR and SSIM inside the head mask)")
            { avatar, video, from, to, trackFrom, sideBySide, picture, json, perFrame, noCnn, renderThreads };
        cmd.SetAction((ParseResult r, CancellationToken ct) => Task.FromResult(Run(new Settings(
            r.GetValue(avatar)!, r.GetValue(video)!, r.GetValue(from), r.GetValue(to), r.GetValue(trackFrom), r.GetValue(sideBySide),
            r.GetValue(picture), r.GetValue(json), r.GetValue(perFrame), !r.GetValue(noCnn), r.GetValue(renderThreads)), ct)));
        return cmd;
    }

    private sealed record Settings(string Avatar, string Video, long From, long? To, long TrackFrom, string? SideBySide, string? Picture, string? Json,
        bool PerFrame, bool UseCnn, int? RenderThreads);

    private static int Run(Settings s, CancellationToken ct)
    {
        if (Validate(s) is { } problem) return Error(problem);
        var readers = new List<VideoReader>();
        VideoWriter? writer = null;
        bool keepVideo = false;
        try
        {
            AvatarPackage package;
            try
            {
                package = AvatarPackage.Load(s.Avatar);
            }
            catch (AvatarFormatException e)
            {
                return Error($"'{s.Avatar}' is not a usable avatar package: {e.Message}");
            }
            var source = VideoReader.Open(s.Video);
            readers.Add(source);
            if (source.FrameCountEstimate is { } estimate && s.From > estimate)
                return Error($"{s.Video} has about {estimate} frame(s); --from-frame {s.From} is outside it");
            if (source.FrameCountEstimate is { } est2 && s.To is { } toFrame && toFrame > est2)
                return Error($"{s.Video} has about {est2} frame(s); --to-frame {toFrame} is outside it");

            using var evaluator = new AvatarEvaluator(package, new EvaluationOptions
            {
                FromFrame = s.From, ToFrame = s.To, TrackFrom = s.TrackFrom, UseCnn = s.UseCnn, RenderThreads = s.RenderThreads,
            });
            int w = evaluator.Width, h = evaluator.Height, seg = AvatarEvaluator.SegmentationSize;
            double aspectVideo = (double)source.Width / source.Height, aspectAvatar = (double)w / h;
            if (Math.Abs(aspectVideo / aspectAvatar - 1) > 0.02)
                Console.Error.WriteLine($"warning: the video is {source.Width}x{source.Height} and the avatar was trained at {w}x{h}: the aspect ratios differ, so the frames are stretched");
            var full = source.Width == w && source.Height == h ? null : OpenScaled(s.Video, w, h, readers);
            var small = source.Width == seg && source.Height == seg ? null : OpenScaled(s.Video, seg, seg, readers);
            if (s.SideBySide is not null)
            {
                if (h % 2 != 0 && !s.SideBySide.EndsWith(".webm", StringComparison.OrdinalIgnoreCase))
                    return Error($"H.264 needs an even height and the avatar's is {h}: write the side-by-side video as .webm");
                writer = VideoWriter.Create(s.SideBySide, 2 * w, h, source.FrameRate > 0 ? source.FrameRate : 25);
            }

            var canvas = new RgbImage(2 * w, h);
            const int PictureRows = 4;
            long last = s.To ?? Math.Max(s.From, (source.FrameCountEstimate ?? s.From + 1) - 1);
            var pictureFrames = Enumerable.Range(0, PictureRows).Select(k => s.From + (long)Math.Round(k * (last - s.From) / (PictureRows - 1.0))).ToHashSet();
            var rows = new List<RgbImage>();
            var progress = Stopwatch.StartNew();
            int done = 0;
            var summary = evaluator.Run(Frames(source, full, small), f =>
            {
                done++;
                var m = f.Metrics;
                if (s.PerFrame)
                    Console.Error.WriteLine(m.Face
                        ? $"frame {m.Frame}: head PSNR {m.PsnrHeadDb:F2} dB, SSIM {m.SsimHead:F4} ({m.HeadPixels} px); image PSNR {m.PsnrImageDb:F2} dB; "
                          + $"landmarks {m.LandmarkErrorBeforePx:F1} -> {m.LandmarkErrorAfterPx:F2} px; {m.Timings.TotalMs:F0} ms"
                        : $"frame {m.Frame}: no face, skipped");
                else if (progress.Elapsed > ProgressInterval)
                {
                    progress.Restart();
                    Console.Error.WriteLine($"eval: frame {m.Frame} ({done} of the range done)");
                }
                if (writer is null && (s.Picture is null || !pictureFrames.Contains(m.Frame))) return;
                SideBySide(f.Frame, f.Rendered, canvas);
                writer?.Write(canvas);
                if (s.Picture is not null && pictureFrames.Contains(m.Frame) && f.Rendered is not null) rows.Add(canvas.Clone());
            }, ct);
            if (s.Picture is not null && rows.Count > 0) ImageFile.WritePng(Stack(rows), s.Picture);
            if (writer is not null)
            {
                writer.Complete();
                keepVideo = true;
            }
            Print(summary, s);
            if (s.Json is not null) summary.Save(s.Json);
            return 0;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled");
            return 130;
        }
        catch (Exception e) when (e is MediaException or EvaluationException or InvalidDataException or FileNotFoundException
                                      or DirectoryNotFoundException or IOException or UnauthorizedAccessException or OrtException)
        {
            return Error(e.Message);
        }
        finally
        {
            writer?.Dispose();
            if (!keepVideo && s.SideBySide is not null) TryDelete(s.SideBySide);
            foreach (var r in readers) r.Dispose();
        }
    }

    private static VideoReader OpenScaled(string path, int width, int height, List<VideoReader> readers)
    {
        var r = VideoReader.Open(path, new VideoReaderOptions { ScaleWidth = width, ScaleHeight = height });
        readers.Add(r);
        return r;
    }

    /// <summary>
    /// The video's frames at the three sizes, from three readers of the same file in lockstep (a null reader: the source
    /// frame is already of that size). Stops at the shortest stream.
    /// </summary>
    private static IEnumerable<EvaluationInput> Frames(VideoReader source, VideoReader? full, VideoReader? small)
    {
        while (source.TryRead(out var f))
        {
            RgbImage frame = f.Image, seg = f.Image;
            if (full is not null)
            {
                if (!full.TryRead(out var g)) yield break;
                frame = g.Image;
            }
            if (small is not null)
            {
                if (!small.TryRead(out var g)) yield break;
                seg = g.Image;
            }
            yield return new EvaluationInput(f.Index, f.Time, f.Image, frame, seg);
        }
    }

    /// <summary>Images of one size stacked top to bottom.</summary>
    private static RgbImage Stack(List<RgbImage> rows)
    {
        var img = new RgbImage(rows[0].Width, rows[0].Height * rows.Count);
        for (int i = 0; i < rows.Count; i++)
            for (int y = 0; y < rows[i].Height; y++) rows[i].Row(y).CopyTo(img.Row(i * rows[i].Height + y));
        return img;
    }

    /// <summary>The real frame left, the render right (black when the frame had no face).</summary>
    private static void SideBySide(RgbImage real, RgbImage? rendered, RgbImage canvas)
    {
        int w = real.Width;
        for (int y = 0; y < canvas.Height; y++)
        {
            var row = canvas.Row(y);
            real.Row(y).CopyTo(row);
            if (rendered is null) row.Slice(3 * w).Clear();
            else rendered.Row(y).CopyTo(row.Slice(3 * w));
        }
    }

    private static void Print(EvaluationSummary r, Settings s)
    {
        Console.WriteLine($"evaluated '{r.Avatar}' on {Path.GetFileName(s.Video)} frames {r.FromFrame}..{r.ToFrame} at {r.Width}x{r.Height} "
                          + $"(video {r.SourceWidth}x{r.SourceHeight}): {r.FramesEvaluated} of {r.FramesInRange} frame(s) scored, {r.FramesSkipped} skipped (no face)"
                          + (r.FramesEmptyMask > 0 ? $", {r.FramesEmptyMask} with an empty head mask" : ""));
        Console.WriteLine($"  inside the head mask: PSNR mean {r.PsnrHeadDb.Mean:F2} dB, median {r.PsnrHeadDb.Median:F2} dB; "
                          + $"SSIM mean {r.SsimHead.Mean:F4}, median {r.SsimHead.Median:F4}");
        Console.WriteLine($"  whole image: PSNR mean {r.PsnrImageDb.Mean:F2} dB, median {r.PsnrImageDb.Median:F2} dB");
        Console.WriteLine($"  perspective PnP refinement of the head poses: landmark error {r.LandmarkErrorBeforePx:F1} -> {r.LandmarkErrorAfterPx:F2} px "
                          + $"(of {r.SourceWidth}x{r.SourceHeight})");
        var t = r.MeanMs;
        Console.WriteLine($"  time: {t.TotalMs:F0} ms per scored frame (track {t.TrackMs:F1}, segment {t.SegmentMs:F1}, PnP {t.PnpMs:F1}, "
                          + $"render {t.RenderMs:F1}, metrics {t.MetricsMs:F1}); "
                          + (r.FromFrame > r.TrackFrom ? $"tracking frames {r.TrackFrom}..{r.FromFrame - 1} first took {r.WarmupSeconds:F1} s; " : "")
                          + $"total {r.TotalSeconds:F1} s"
                          + (s.SideBySide is not null ? $"; side by side -> {s.SideBySide}" : "")
                          + (s.Picture is not null ? $"; picture -> {s.Picture}" : "")
                          + (s.Json is not null ? $"; JSON -> {s.Json}" : ""));
    }

    /// <summary>Checks the arguments that need no file opened; null when they are fine.</summary>
    private static string? Validate(Settings s)
    {
        if (s.From < 0) return $"--from-frame must be 0 or more, got {s.From}";
        if (s.To is { } to && to < s.From) return $"--to-frame {to} is before --from-frame {s.From}";
        if (s.TrackFrom < 0) return $"--track-from must be 0 or more, got {s.TrackFrom}";
        if (s.RenderThreads is { } t && (t < 1 || t > 64)) return $"--render-threads must be 1..64, got {t}";
        if (!Directory.Exists(s.Avatar)) return $"avatar '{s.Avatar}': no such folder";
        if (!File.Exists(s.Video)) return $"cannot read video '{s.Video}': file not found";
        if (s.SideBySide is not null)
        {
            var ext = Path.GetExtension(s.SideBySide).ToLowerInvariant();
            if (ext is not (".mp4" or ".m4v" or ".mov" or ".webm" or ".mkv")) return $"{s.SideBySide}: use .mp4 (H.264) or .webm (VP8) for the side-by-side video";
            if (string.Equals(Path.GetFullPath(s.SideBySide), Path.GetFullPath(s.Video), StringComparison.Ordinal)) return $"--side-by-side {s.SideBySide} is the input video itself";
        }
        if (s.Picture is not null && !s.Picture.EndsWith(".png", StringComparison.OrdinalIgnoreCase)) return $"{s.Picture}: the picture is written as PNG (.png)";
        foreach (var p in new[] { s.SideBySide, s.Picture, s.Json })
        {
            if (p is null) continue;
            var dir = Path.GetDirectoryName(Path.GetFullPath(p));
            if (dir is not null && !Directory.Exists(dir)) return $"cannot write '{p}': the directory '{dir}' does not exist";
        }
        return null;
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
}
