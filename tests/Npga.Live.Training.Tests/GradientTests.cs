using Xunit.Abstractions;

namespace Npga.Live.Training.Tests;

/// <summary>The rasteriser's autograd gradients against central finite differences (float64, a 12-Gaussian scene).</summary>
public sealed class GradientTests(ITestOutputHelper output)
{
    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        var r = PythonTool.Run(PythonTool.Script("scripts/training/check_gradients.py"), [], TimeSpan.FromSeconds(120));
        output.WriteLine(r.Stdout + r.Stderr);
        var rep = r.Ok("check_gradients.py").Report;
        Assert.True((double)rep["max_rel_err"]! <= 1e-4, $"relative error {(double)rep["max_rel_err"]!}");
        Assert.Equal(rep["checks"]!.AsArray().Count, (int)rep["nonzero_gradients"]!);
        // means, log-scales, opacity logits, SH of degree 0 and 1, quaternions and latents are all probed
        var names = rep["checks"]!.AsArray().Select(c => ((string)c!["param"]!).Split('[')[0]).ToHashSet();
        Assert.Superset(new HashSet<string> { "mu", "s", "o", "sh", "q", "lat" }, names);
    }
}
