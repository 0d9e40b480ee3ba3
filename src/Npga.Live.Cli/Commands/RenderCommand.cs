using System.CommandLine;
using Npga.Live.Avatar;
using Npga.Live.Core.Imaging;
using Npga.Live.Media;
using Npga.Live.Onnx;
using Npga.Live.Pipeline;
using Npga.Live.Rendering.Ilgpu;

namespace Npga.Live.Cli.Commands;

/// <summary>
/// <c>npga render --avatar DIR [--neutral | --expr codes.json | --track tracks.jsonl --frame N] [--yaw DEG --pitch DEG]
/// [--width W --height H] --out frame.png [--turntable [--views 8] [--span 360]] [--no-cnn] [--renderer cpu|ilgpu|ilgpu-cuda|auto]</c>:
/// one frame of an avatar, or a strip of views round its head. The camera is the package's default camera, resized to W×H and
/// orbited round the head's centre by yaw and pitch. Exit codes: 0 done, 2 bad input (damaged package, bad codes, or
/// <c>ilgpu-cuda</c> without a CUDA device), 1 unexpected.
/// </summary>
internal static class RenderCommand
{
    public static Command Create()
    {
        var avatar = new Option<string>("--avatar") { Description = "Avatar package folder (npga-avatar/1)", Required = true };
        var neutral = new Option<bool>("--neutral") { Description = "Neutral expression (z_exp = 0); the default" };
        var expr = new Option<string?>("--expr") { Description = "codes.json: an array of K floats (K + 4 for an avatar with a gaze code: z_exp, then the gaze code) or {\"z_exp\": [...], \"expression_model\": id}" };
        var track = new Option<string?>("--track") { Description = "tracks.jsonl written by `npga track`" };
        var frame = new Option<long>("--frame") { Description = "Frame of --track to render", DefaultValueFactory = _ => 0 };
        var yaw = new Option<double>("--yaw") { Description = "Camera yaw round the head, degrees (positive: towards the avatar's left)" };
        var pitch = new Option<double>("--pitch") { Description = "Camera pitch round the head, degrees (positive: from above)" };
        var width = new Option<int?>("--width") { Description = "Output width, pixels (default: the avatar's camera)" };
        var height = new Option<int?>("--height") { Description = "Output height, pixels (default: the avatar's camera)" };
        var output = new Option<string>("--out") { Description = "Output PNG", Required = true };
        var turntable = new Option<bool>("--turntable") { Description = "Write a strip of views round the head instead of one frame" };
        var views = new Option<int>("--views") { Description = "Views in the turntable strip", DefaultValueFactory = _ => 8 };
        var span = new Option<double>("--span") { Description = "Yaw range of the turntable, degrees, centred on --yaw (360: all round)", DefaultValueFactory = _ => 360 };
        var noCnn = new Option<bool>("--no-cnn") { Description = "Skip the screen-space CNN" };
        var renderer = RendererOption.Create();
        var cmd = new Command("render", "Render an avatar for an expression code and a view")
            { avatar, neutral, expr, track, frame, yaw, pitch, width, height, output, turntable, views, span, noCnn, renderer };
        cmd.SetAction((ParseResult r, CancellationToken ct) =>
        {
            try
            {
                return Task.FromResult(Run(r.GetValue(avatar)!, r.GetValue(expr), r.GetValue(track), r.GetValue(frame), r.GetValue(yaw), r.GetValue(pitch),
                    r.GetValue(width), r.GetValue(height), r.GetValue(output)!, r.GetValue(turntable), Math.Clamp(r.GetValue(views), 1, 64), r.GetValue(span), !r.GetValue(noCnn), r.GetValue(renderer)!));
            }
            catch (Exception e) when (e is AvatarFormatException or InvalidDataException or FileNotFoundException or MediaException or IOException or OrtException or CudaUnavailableException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return Task.FromResult(2);
            }
        });
        return cmd;
    }

    private static int Run(string avatarDir, string? exprPath, string? trackPath, long frame, double yaw, double pitch,
        int? width, int? height, string output, bool turntable, int views, double span, bool useCnn, string renderer)
    {
        if (exprPath is not null && trackPath is not null) throw new InvalidDataException("give --expr or --track, not both");
        var driving = exprPath is not null ? DrivingInput.FromCodesFile(exprPath)
                    : trackPath is not null ? DrivingInput.FromTracks(trackPath, frame)
                    : null;
        var package = AvatarPackage.Load(avatarDir, driving?.ExpressionModel);
        int k = package.Manifest.ExpressionModel.K;
        var z = driving?.ZExp ?? new float[k];
        if (z.Length != k && z.Length != package.Manifest.CodeDim)
            throw new InvalidDataException($"the code has {z.Length} values; avatar '{package.Manifest.Name}' is driven by {package.Manifest.ExpressionModel.Id} with K = {k}"
                + (package.Manifest.Gaze is { } g ? $" (or K + {g.Dim} with its gaze code)" : ""));
        var cam0 = package.Manifest.DefaultCamera;
        int w = width ?? cam0.Width, h = height ?? cam0.Height;
        using var frameRenderer = new AvatarFrameRenderer(package, w, h, RendererOption.Build(renderer), useCnn);
        var rotation = driving?.Rotation ?? [];
        var img = new RgbImage(w, h);
        if (!turntable)
        {
            frameRenderer.Render(z, rotation, [], frameRenderer.BaseCamera.Orbited(yaw, pitch), img);
            ImageFile.WritePng(img, output);
            Console.Error.WriteLine($"rendered {package.Manifest.Name} ({package.Canonical.Count} Gaussians) at {w}x{h} in {frameRenderer.LastTimings.TotalMs:F1} ms -> {output}");
            return 0;
        }
        var strip = new RgbImage(w * views, h);
        for (int v = 0; v < views; v++)
        {
            double a = views == 1 ? yaw : yaw - span / 2 + span * v / (span >= 360 ? views : views - 1);
            frameRenderer.Render(z, rotation, [], frameRenderer.BaseCamera.Orbited(a, pitch), img);
            for (int y = 0; y < h; y++) img.Row(y).CopyTo(strip.Row(y).Slice(v * w * 3, w * 3));
        }
        ImageFile.WritePng(strip, output);
        Console.Error.WriteLine($"rendered a turntable of {views} views of {package.Manifest.Name} -> {output}");
        return 0;
    }
}
