using System.Text.Json.Nodes;
using Npga.Live.Avatar;
using Xunit.Abstractions;

namespace Npga.Live.Training.Tests;

/// <summary>
/// Issue 7 end to end at tiny scale on a real clip: tracking, PnP refinement, segmentation-model conversion and masks, training
/// with every NPGA part on, export to npga-avatar/1, held-out metrics, and the C# runtime rendering the package as the PyTorch
/// forward does (≥ 45 dB on held-out frames).
/// </summary>
[Collection(TrainedClipCollection.Name)]
public sealed class EndToEndTests(TrainedClip clip, ITestOutputHelper output)
{
    [Fact]
    public void TrainsExportsAndTheRuntimeRendersItAsTrained()
    {
        if (clip.Absent(output)) return;
        var r = clip.Main!;
        output.WriteLine($"train_avatar: {r.Elapsed.TotalSeconds:F1} s\n{r.Stdout}\n{r.Stderr}");
        r.Ok("train_avatar");
        Assert.Contains("step     30/30", r.Stdout); // progress output

        foreach (var f in new[] { "avatar.json", "canonical.ply", "F.onnx", "F_pre.onnx", "F_post.onnx", "G.onnx", "G_pre.onnx", "G_post.onnx", "cnn.onnx" })
            Assert.True(File.Exists(Path.Combine(clip.Package, f)), $"{f} missing");
        Assert.True(File.Exists(Path.Combine(clip.Package, "work", "checkpoint.pt")), "no checkpoint");
        Assert.True(File.Exists(Path.Combine(clip.Package, "work", "data", "selfie.onnx")), "segmentation model not converted");

        var m = clip.Manifest;
        var training = m["training"]!.AsObject();
        var data = training["data"]!.AsObject();
        Assert.Equal(40, (int)data["frames_used"]!);
        Assert.Equal(8, (int)data["test_frames"]!); // last 20 % held out
        var seg = data["segmentation"]!.AsObject();
        Assert.True((double)seg["tfjs_max_abs_diff"]! < 1e-3, $"converted selfie model vs TF.js: {(double)seg["tfjs_max_abs_diff"]!}");
        var pose = data["pose_refinement"]!.AsObject();
        Assert.True((double)pose["landmark_px_error_refined"]! < (double)pose["landmark_px_error_tracker"]!, "PnP refinement did not help");

        // the loss goes down: the mean image loss of the last 5 steps is below that of the first 5
        var curve = training["loss_curve"]!.AsArray();
        double first = (double)curve[0]!["loss_image"]!, last = (double)curve[^1]!["loss_image"]!;
        Assert.True(last < first, $"image loss {first:F4} -> {last:F4}");
        Assert.Contains("density (npga)", r.Stdout);

        var metrics = m["metrics"]!.AsObject();
        var heldOut = metrics["held_out"]!.AsObject();
        Assert.True((double)heldOut["psnr_head_db"]! > 10, "held-out PSNR implausibly low");
        Assert.InRange((double)heldOut["ssim_head"]!, 0.0, 1.0);
        var parity = metrics["runtime_parity"]!.AsObject();
        Assert.Equal(2, (int)parity["frames"]!);
        Assert.True((double)parity["psnr_db_min"]! >= 45, $"C# runtime vs PyTorch forward: {(double)parity["psnr_db_min"]!:F2} dB");

        // the C# side loads it as a complete avatar: N, F, G, CNN, latents
        var package = AvatarPackage.Load(clip.Package, "mp468-pca-v1");
        Assert.Equal((int)metrics["gaussians"]!, package.Canonical.Count);
        Assert.True(package.HasG && package.HasCnn);
        Assert.Equal(4, package.Manifest.LatentDim);
        Assert.Equal(8, package.Manifest.FeatureDim);
        // the eyeballs: the gaze block (not given to G) and two eyes holding the Gaussians started on them (1% of 500 each)
        var gaze = package.Manifest.Gaze!;
        Assert.False(gaze.G);
        Assert.Equal(4, gaze.Dim);
        var eyes = package.Manifest.Eyes!;
        Assert.All(eyes.Eyes, e => Assert.True(e.Members.Length >= 3, $"an eye holds {e.Members.Length} Gaussians"));
        // the lids: a cap per eye of the Gaussians started on it (1.5% of 500 each), none an eyeball's, calibrated on the clip
        var lids = package.Manifest.Lids!;
        Assert.All(lids.Eyes, l => Assert.True(l.Cap.Length >= 3, $"a lid holds {l.Cap.Length} Gaussians"));
        Assert.All(lids.Eyes, l => Assert.InRange(l.OpenMm - l.ShutMm, 0.5, 10));
        Assert.Contains("lids: lid gap open", r.Stdout);
    }

    /// <summary>scripts/training/fit_codes.py on the trained clip: per held-out frame the code and a head-pose correction fitted
    /// against the frame with the avatar frozen raise its PSNR (a code that the gradient never reached would leave it as
    /// tracked), and the report names every frame.</summary>
    [Fact]
    public void FittingTheCodesAndPoseToHeldOutFramesRaisesTheirPsnr()
    {
        if (clip.Absent(output)) return;
        clip.Main!.Ok("train_avatar");
        var r = PythonTool.Run(PythonTool.Script("scripts/training/fit_codes.py"), ["--out", clip.Package, "--every", "4",
            "--iters", "20", "--pose", "--threads", "2"], TimeSpan.FromSeconds(300));
        output.WriteLine(r.Stdout + r.Stderr);
        r.Ok("fit_codes.py");
        var report = JsonNode.Parse(File.ReadAllText(Path.Combine(clip.Package, "work", "fit_codes_held-out_pose.json")))!.AsObject();
        Assert.Equal(2, (int)report["frames"]!); // 8 held-out frames, every 4th
        double tracked = (double)report["psnr_tracked"]!, fitted = (double)report["psnr_fitted"]!;
        Assert.True(fitted > tracked + 0.1, $"PSNR {tracked:F2} dB tracked, {fitted:F2} fitted");
        Assert.All(report["rows"]!.AsArray(), row => Assert.True((double)row!["code_moved_std"]! > 0, "a code did not move"));
    }

    [Fact]
    public void ResumesFromItsCheckpoint()
    {
        if (clip.Absent(output)) return;
        clip.Main!.Ok("train_avatar");
        var dir = clip.OutWithData("resume");
        File.Copy(Path.Combine(clip.Package, "work", "checkpoint.pt"), Path.Combine(dir, "work", "checkpoint.pt"));
        var r = PythonTool.Run(PythonTool.Script("scripts/train_avatar"),
            ["--video", clip.Video, "--out", dir, .. TrainedClip.DataArgs, "--steps", "33", "--densify-from", "100", "--f-freeze", "15",
             "--parity-frames", "0", "--resume", .. TrainedClip.Rigs], TimeSpan.FromSeconds(300));
        output.WriteLine(r.Stdout + r.Stderr);
        r.Ok("train_avatar --resume");
        Assert.Contains("resumed from", r.Stdout);
        Assert.Contains("at step 30", r.Stdout);
        Assert.Contains("step     33/33", r.Stdout);
        Assert.DoesNotContain("step      5/", r.Stdout);
    }
}
