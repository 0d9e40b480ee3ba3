using System.CommandLine;
using System.Text.Json;
using Npga.Live.Core.Imaging;
using Npga.Live.Media;
using Npga.Live.Tracking;
using Spectre.Console;

namespace Npga.Live.Cli.Commands;

/// <summary>
/// <c>npga track --input VIDEO|IMAGE --out tracks.jsonl [--overlay overlay.mp4|overlay.png]</c>:
/// runs the tracker over every frame and writes one JSON object per frame (see <see cref="TrackResult"/>).
/// Exit codes: 0 done (also when no face was found: the lines say face=false), 2 the input or output
/// cannot be read or written, 1 an unexpected failure.
/// </summary>
internal static class TrackCommand
{
    public static Command Create()
    {
        var input = new Option<string>("--input") { Description = "Video or image file to track", Required = true };
        var output = new Option<string>("--out") { Description = "Output JSON lines, one object per frame", Required = true };
        var overlay = new Option<string?>("--overlay") { Description = "Write the frames with landmarks and pose axes drawn (.mp4/.webm for video, .png for an image)" };
        var noExpr = new Option<bool>("--no-expression") { Description = "Landmarks only: skip the pose and expression fit" };
        var exprModel = new Option<string?>("--expression-model") { Description = "Expression model folder (default models/expression/" + TrackerOptions.DefaultExpressionModelId + ")" };
        var noSmooth = new Option<bool>("--no-smoothing") { Description = "Leave the landmarks unfiltered" };
        var iris = new Option<bool>("--eye-refinement") { Description = "Redraw the eyelid margins with the Iris model (MediaPipe's refined face mesh)" };
        var gaze = new Option<bool>("--gaze") { Description = "Read the gaze with the Iris model (a gaze field per frame; two more model runs a frame)" };
        var focal = new Option<double?>("--focal") { Description = "Camera focal length in pixels (default max(width, height))" };
        var fixedNeutral = new Option<bool>("--fixed-neutral") { Description = "Fit z_exp against the model's canonical neutral instead of estimating the person's own" };
        var cmd = new Command("track", "Track a face: head pose R,t and expression code z_exp per frame") { input, output, overlay, noExpr, exprModel, noSmooth, fixedNeutral, iris, gaze, focal };
        cmd.SetAction((ParseResult r, CancellationToken ct) => Task.FromResult(Run(
            r.GetValue(input)!, r.GetValue(output)!, r.GetValue(overlay),
            new TrackerOptions { ExpressionModel = r.GetValue(noExpr) ? "" : r.GetValue(exprModel), Smoothing = !r.GetValue(noSmooth), AdaptNeutral = !r.GetValue(fixedNeutral), RefineEyes = r.GetValue(iris), Gaze = r.GetValue(gaze), FocalLengthPx = r.GetValue(focal) }, ct)));
        return cmd;
    }

    private static int Run(string input, string output, string? overlayPath, TrackerOptions options, CancellationToken ct)
    {
        try
        {
            using var tracker = new FaceTracker(options);
            var frames = InputFiles.Frames(input, out double fps, out long? count);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
            using var stream = File.Create(output);
            using var json = new Utf8JsonWriter(stream);
            VideoWriter? overlay = null;
            long n = 0, faces = 0, multi = 0;
            try
            {
                foreach (var frame in frames)
                {
                    ct.ThrowIfCancellationRequested();
                    var result = tracker.Track(frame.Image, frame.Index, frame.Time.TotalSeconds);
                    result.WriteJson(json);
                    json.Flush();
                    stream.WriteByte((byte)'\n');
                    json.Reset();
                    n++;
                    if (result.Face) faces++;
                    if (result.Faces > 1) multi++;
                    if (overlayPath is not null)
                    {
                        var img = frame.Image.Clone();
                        TrackOverlay.Draw(img, result);
                        if (InputFiles.IsImage(overlayPath)) ImageFile.WritePng(img, overlayPath);
                        else (overlay ??= VideoWriter.Create(overlayPath, img.Width, img.Height, fps > 0 ? fps : 25)).Write(img);
                    }
                }
                overlay?.Complete();
            }
            finally
            {
                overlay?.Dispose();
            }
            Console.Error.WriteLine($"tracked {n} frame(s) of {input}: face found in {faces} ({(n > 0 ? 100.0 * faces / n : 0):F1}%)"
                + (multi > 0 ? $"; several faces seen in {multi} frame(s), the largest was tracked" : "")
                + (tracker.ExpressionModel is { } m ? $"; expression model {m.Id} (K={m.K})" : "; no expression model: landmarks only"));
            if (n == 0) { Console.Error.WriteLine($"error: {input}: no frames could be decoded"); return 2; }
            return 0;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled");
            return 130;
        }
        catch (Exception e) when (e is MediaException or IOException or UnauthorizedAccessException or InvalidDataException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }
}
