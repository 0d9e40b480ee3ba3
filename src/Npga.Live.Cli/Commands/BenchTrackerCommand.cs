using System.CommandLine;
using System.Diagnostics;
using Npga.Live.Core;
using Npga.Live.Core.Imaging;
using Npga.Live.Media;
using Npga.Live.Tracking;

namespace Npga.Live.Cli.Commands;

/// <summary>
/// <c>npga bench tracker --input VIDEO [--runs 5] [--threads 1] [--max-frames 600]</c>: decodes the clip
/// into memory (decode speed reported separately), then tracks every frame <c>runs</c> times with a fresh
/// tracker and prints frames per second and per-stage milliseconds (detect, crop, landmarks, fit):
/// medians over frames within a run, then the median over runs.
/// </summary>
internal static class BenchTrackerCommand
{
    public static Command Create()
    {
        var input = new Option<string>("--input") { Description = "Video to track", Required = true };
        var runs = new Option<int>("--runs") { Description = "Repetitions", DefaultValueFactory = _ => 5 };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads per model", DefaultValueFactory = _ => 1 };
        var maxFrames = new Option<int>("--max-frames") { Description = "Frames to load", DefaultValueFactory = _ => 600 };
        var iris = new Option<bool>("--eye-refinement") { Description = "Redraw the eyelid margins with the Iris model (two more model runs a frame)" };
        var gaze = new Option<bool>("--gaze") { Description = "Read the gaze as the live path does for avatars that take it (the same two Iris runs a frame)" };
        var cmd = new Command("tracker", "Tracker speed: fps and per-stage milliseconds") { input, runs, threads, maxFrames, iris, gaze };
        cmd.SetAction((ParseResult r, CancellationToken ct) => Task.FromResult(Run(r.GetValue(input)!, Math.Max(1, r.GetValue(runs)), Math.Max(1, r.GetValue(threads)), Math.Max(1, r.GetValue(maxFrames)), r.GetValue(iris), r.GetValue(gaze))));
        return cmd;
    }

    private static int Run(string input, int runs, int threads, int maxFrames, bool refineEyes, bool gaze)
    {
        List<VideoFrame> frames;
        var sw = Stopwatch.StartNew();
        try
        {
            frames = InputFiles.Frames(input, out _, out _).Take(maxFrames).ToList();
        }
        catch (MediaException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        double decodeFps = frames.Count / sw.Elapsed.TotalSeconds;
        if (frames.Count == 0) { Console.Error.WriteLine($"error: {input}: no frames"); return 2; }
        var fps = new List<double>();
        var det = new List<double>(); var crop = new List<double>(); var mesh = new List<double>(); var fit = new List<double>(); var total = new List<double>();
        double detectedShare = 0, faceShare = 0;
        using (var tracker = new FaceTracker(new TrackerOptions { Threads = threads, RefineEyes = refineEyes, Gaze = gaze }))
        {
            for (int run = 0; run < runs + 1; run++) // run 0 warms up
            {
                tracker.Reset();
                var runDet = new List<double>(); var runCrop = new List<double>(); var runMesh = new List<double>(); var runFit = new List<double>(); var runTotal = new List<double>();
                int detected = 0, found = 0;
                var clock = Stopwatch.StartNew();
                foreach (var f in frames)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    var res = tracker.Track(f.Image, f.Index, f.Time.TotalSeconds);
                    runTotal.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                    var t = tracker.LastTimings;
                    if (res.Detected) { detected++; runDet.Add(t.DetectMs); }
                    if (res.Face) found++;
                    runCrop.Add(t.CropMs); runMesh.Add(t.LandmarksMs); runFit.Add(t.FitMs);
                }
                if (run == 0) continue;
                fps.Add(frames.Count / clock.Elapsed.TotalSeconds);
                det.Add(Statistics.Median(runDet)); crop.Add(Statistics.Median(runCrop)); mesh.Add(Statistics.Median(runMesh)); fit.Add(Statistics.Median(runFit)); total.Add(Statistics.Median(runTotal));
                detectedShare = (double)detected / frames.Count;
                faceShare = (double)found / frames.Count;
            }
        }
        var img = frames[0].Image;
        Console.WriteLine($"npga bench tracker: {Path.GetFileName(input)} {img.Width}x{img.Height}, {frames.Count} frames, {runs} runs, {threads} ORT thread(s), {Environment.ProcessorCount} cores");
        Console.WriteLine($"  decode (GStreamer, to RGB)  {decodeFps,8:F1} fps (one pass, not in the figures below)");
        Console.WriteLine($"  face found                  {100 * faceShare,8:F1} % of frames; detector ran on {100 * detectedShare:F1} %");
        Console.WriteLine($"  detect  (when it runs)      {Statistics.Median(det),8:F3} ms");
        Console.WriteLine($"  crop                        {Statistics.Median(crop),8:F3} ms");
        Console.WriteLine($"  landmarks{(refineEyes || gaze ? " (+ Iris)" : "         ")}         {Statistics.Median(mesh),8:F3} ms");
        Console.WriteLine($"  fit (pose + z_exp)          {Statistics.Median(fit),8:F3} ms");
        Console.WriteLine($"  per frame                   {Statistics.Median(total),8:F3} ms (median)");
        Console.WriteLine($"  tracking                    {Statistics.Median(fps),8:F1} fps (median of runs: {string.Join(", ", fps.Select(x => x.ToString("F1")))})");
        return 0;
    }
}
