using System.CommandLine;
using Npga.Live.Avatar;
using Npga.Live.Media;
using Npga.Live.Pipeline;

namespace Npga.Live.Cli.Commands;

/// <summary>
/// <c>npga bench expression --avatar DIR --driving VIDEO [--width 512 --height 512] [--frames-dir DIR --every 50] [--rest-pose] [--gaze] [--series out.csv]</c>:
/// drives the avatar with the clip's tracked codes and head motion (or at its rest pose), re-tracks the renders and prints the driver-versus-avatar correlations of the inner-lip
/// distance, eye openness and brow raise, and with <c>--gaze</c> of the irises' left-right and up-down gaze (see <see cref="ExpressionTransfer"/>); <c>--series</c> writes the per-frame measures
/// (<see cref="ExpressionTransferResult.SeriesCsv"/>).
/// </summary>
internal static class BenchExpressionCommand
{
    public static Command Create()
    {
        var avatar = new Option<string>("--avatar") { Description = "Avatar package", Required = true };
        var driving = new Option<string>("--driving") { Description = "Driving video", Required = true };
        var width = new Option<int>("--width") { Description = "Render width", DefaultValueFactory = _ => 512 };
        var height = new Option<int>("--height") { Description = "Render height", DefaultValueFactory = _ => 512 };
        var framesDir = new Option<string?>("--frames-dir") { Description = "Save every n-th driver|avatar pair as PNG here" };
        var every = new Option<int>("--every") { Description = "n for --frames-dir", DefaultValueFactory = _ => 50 };
        var restPose = new Option<bool>("--rest-pose") { Description = "Keep the avatar's head at its rest pose (default: it turns with the driver's, as in reenactment)" };
        var gaze = new Option<bool>("--gaze") { Description = "Also read both faces' gaze and correlate it (an avatar that takes gaze is driven by it, as live)" };
        var series = new Option<string?>("--series") { Description = "Write the per-frame measures of both faces here (CSV)" };
        var cmd = new Command("expression", "Expression transfer: driver vs re-tracked avatar correlations") { avatar, driving, width, height, framesDir, every, restPose, gaze, series };
        cmd.SetAction((ParseResult r, CancellationToken ct) =>
        {
            try
            {
                var package = AvatarPackage.Load(r.GetValue(avatar)!);
                string? dir = r.GetValue(framesDir);
                int n = Math.Max(1, r.GetValue(every));
                if (dir is not null) Directory.CreateDirectory(dir);
                using var reader = VideoReader.Open(r.GetValue(driving)!);
                var result = ExpressionTransfer.Measure(package, reader.ReadAll(), r.GetValue(width), r.GetValue(height),
                    dir is null ? null : (i, img) => { if (i % n == 0) ImageFile.WritePng(img, Path.Combine(dir, $"avatar_{i:D5}.png")); },
                    headPose: !r.GetValue(restPose), gaze: r.GetValue(gaze));
                Console.WriteLine($"{package.Manifest.Name} driven by {Path.GetFileName(r.GetValue(driving))} ({(r.GetValue(restPose) ? "head at rest" : "head turned with the driver's")}): {result.Frames} frames, driver face in {result.DriverFaces}, avatar face re-tracked in {result.AvatarFaces}");
                Console.WriteLine($"  correlation driver vs avatar: mouth (inner-lip distance) {result.MouthCorrelation:F3}, eye openness {result.EyeCorrelation:F3}, brow raise {result.BrowCorrelation:F3}" +
                    (result.GazePairs > 0 ? $", gaze left-right {result.GazeXCorrelation:F3}, up-down {result.GazeYCorrelation:F3} ({result.GazePairs} frames)" : ""));
                Console.WriteLine($"  95% intervals (moving-block bootstrap over 1 s blocks): {result.Describe()}");
                if (r.GetValue(series) is { } csv) File.WriteAllText(csv, result.SeriesCsv());
                return Task.FromResult(0);
            }
            catch (Exception e) when (e is AvatarFormatException or MediaException or InvalidDataException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return Task.FromResult(2);
            }
        });
        return cmd;
    }
}
