using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Npga.Live.Training.Tests;

/// <summary>
/// The fused training kernels (scripts/training/kernels: splatting, the per-Gaussian MLPs, the photometric loss, Adam) against
/// their references (scripts/training/check_kernels.py): random scenes of 1k-20k Gaussians in float64 with Gaussians behind
/// the camera, off-screen, huge and sub-pixel, pixels that saturate and hit the 0.99 alpha clamp, and empty tiles. Forward
/// within 1e-5, every input's gradient within 1e-4 relative error; Adam's parameters and moments within 1e-5 of torch.optim.Adam's.
/// </summary>
public sealed class KernelParityTests(ITestOutputHelper output)
{
    [Fact]
    public void FusedKernelsMatchTheirReferences()
    {
        var r = PythonTool.Run(PythonTool.Script("scripts/training/check_kernels.py"), [], TimeSpan.FromSeconds(600));
        output.WriteLine(r.Stdout + r.Stderr);
        var rep = r.Report;
        var checks = rep["checks"]!.AsArray();
        var splat = checks.Where(c => (string)c!["check"]! == "splat").ToList();
        Assert.Contains(splat, c => (int)c!["n"]! >= 20000);
        foreach (var c in splat)
        {
            Assert.True((double)c!["forward_max_abs_diff"]! <= 1e-5, $"forward, n = {c["n"]}: {c["forward_max_abs_diff"]}");
            foreach (var (name, err) in c["grad_rel_err"]!.AsObject())
                Assert.True((double)err! <= 1e-4, $"gradient of {name}, n = {c["n"]}: relative error {err}");
            var scene = c["scene"]!.AsObject();
            Assert.True((int)scene["saturated_pixels"]! > 0 && (int)scene["empty_pixels"]! > 0 && (int)scene["alpha_clamped_pixels"]! > 0,
                $"the scene must exercise saturation, empty tiles and the alpha clamp: {scene.ToJsonString()}");
        }
        var gradNames = splat.SelectMany(c => c!["grad_rel_err"]!.AsObject().Select(kv => kv.Key)).ToHashSet();
        Assert.Superset(new HashSet<string> { "means", "quats", "log_scales", "opacity_logits", "sh", "latents" }, gradNames);
        foreach (var c in checks.Where(c => (string)c!["check"]! != "splat"))
            Assert.True((bool)c!["ok"]!, $"{c["check"]}: {c.ToJsonString()}");
        Assert.Contains(checks, c => (string)c!["check"]! == "mlp");
        Assert.Contains(checks, c => (string)c!["check"]! == "photometric");
        Assert.Contains(checks, c => (string)c!["check"]! == "laplacian");
        Assert.Contains(checks, c => (string)c!["check"]! == "adam");
        r.Ok("check_kernels.py");
    }
}
