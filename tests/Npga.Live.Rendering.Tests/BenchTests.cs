using System.Diagnostics;
using System.Text;
using Npga.Live.Core.Gaussians;
using Npga.Live.Core.Imaging;
using Npga.Live.Media;
using Xunit.Abstractions;

namespace Npga.Live.Rendering.Tests;

/// <summary>A <see cref="FactAttribute"/> that runs only when NPGA_BENCH=1 (measurements, not checks).</summary>
public sealed class BenchFactAttribute : FactAttribute
{
    public BenchFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("NPGA_BENCH") != "1") Skip = "benchmark: set NPGA_BENCH=1 to run";
    }
}

/// <summary>
/// Timings per stage and a picture to look at. Not run by default: <c>NPGA_BENCH=1 dotnet test
/// tests/Npga.Live.Rendering.Tests -c Release --filter BenchTests --logger "console;verbosity=detailed"</c>.
/// Writes <c>/tmp/npga-render/bench.txt</c> and PNGs beside it.
/// </summary>
[Collection(nameof(NoParallel))]
public sealed class BenchTests(ITestOutputHelper output)
{
    private static readonly string Dir = Path.Combine(Path.GetTempPath(), "npga-render");

    internal static Camera BenchCamera(int width, int height) =>
        Camera.Orbit(width, height, 0.6, 20, 10, width == height ? 30 : 40);

    [BenchFact]
    public void StageTimings()
    {
        Directory.CreateDirectory(Dir);
        var sb = new StringBuilder();
        sb.AppendLine($"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}, AVX-512 {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}, threads {Environment.ProcessorCount}");
        sb.AppendLine("| N | size | L | project ms | bin+sort ms | rasterize ms | total ms | fps | visible | tile instances |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        using var renderer = new CpuGaussianRenderer();
        foreach (int n in new[] { 30_000, 100_000 })
        foreach (var (w, h) in new[] { (512, 512), (550, 802) })
        foreach (int latent in new[] { 0, 32 })
        {
            var cloud = TestScenes.AvatarLike(n, latent, 7);
            var camera = BenchCamera(w, h);
            var target = new RenderTarget(w, h, latent);
            for (int i = 0; i < 3; i++) renderer.Render(cloud, camera, target);
            var runs = new List<RenderTimings>();
            for (int i = 0; i < 5; i++) { renderer.Render(cloud, camera, target); runs.Add(renderer.LastTimings); }
            double Med(Func<RenderTimings, double> f) => runs.Select(f).OrderBy(x => x).ElementAt(2);
            double total = Med(t => t.TotalMs);
            sb.AppendLine($"| {n / 1000}k | {w}x{h} | {latent} | {Med(t => t.ProjectMs):F2} | {Med(t => t.BinSortMs):F2} | {Med(t => t.RasterizeMs):F2} | {total:F2} | {1000 / total:F0} | {runs[0].Visible} | {runs[0].TileInstances} |");
            if (latent == 0)
            {
                var img = new RgbImage(w, h);
                target.ToRgbImage(img);
                ImageFile.WritePng(img, Path.Combine(Dir, $"avatar-{n / 1000}k-{w}x{h}.png"));
            }
        }
        File.WriteAllText(Path.Combine(Dir, "bench.txt"), sb.ToString());
        output.WriteLine(sb.ToString());
    }

    [BenchFact]
    public void RandomScenePicture()
    {
        Directory.CreateDirectory(Dir);
        var rng = new Random(5);
        var camera = TestScenes.RandomOrbit(256, 256, rng);
        var cloud = TestScenes.RandomScene(300, 3, 0, 5, camera, hard: false);
        var target = new RenderTarget(256, 256, 0) { Background = [0.05f, 0.05f, 0.1f] };
        using var renderer = new CpuGaussianRenderer();
        renderer.Render(cloud, camera, target);
        var img = new RgbImage(256, 256);
        target.ToRgbImage(img);
        ImageFile.WritePng(img, Path.Combine(Dir, "random-300.png"));
        // A few hand-placed Gaussians to check placement: centres at known pixels.
        var c2 = new GaussianCloud(4, 0, 0, 0);
        var cam2 = TestScenes.AtOrigin(256, 256, 256, 128, 128);
        TestScenes.Set(c2, 0, 0, 0, 1, 0.02, 0.9, 1, 0, 0);          // centre (128,128), σ 5 px
        TestScenes.Set(c2, 1, -0.25, -0.25, 1, 0.01, 0.9, 0, 1, 0);  // (64,64) top-left
        TestScenes.Set(c2, 2, 0.25, 0.25, 1, 0.03, 0.9, 0, 0, 1);    // (192,192) bottom-right
        c2.LogScales[9] = (float)Math.Log(0.08); c2.LogScales[10] = (float)Math.Log(0.005); c2.LogScales[11] = (float)Math.Log(0.005);
        TestScenes.Set(c2, 3, 0.25, -0.25, 1, 0.01, 0.9, 1, 1, 0);   // (192,64) top-right, then made elongated along x
        c2.LogScales[9] = (float)Math.Log(0.06); c2.LogScales[10] = (float)Math.Log(0.01); c2.LogScales[11] = (float)Math.Log(0.01);
        var t2 = new RenderTarget(256, 256, 0);
        renderer.Render(c2, cam2, t2);
        t2.ToRgbImage(img);
        ImageFile.WritePng(img, Path.Combine(Dir, "placed-4.png"));
    }
}

/// <summary>Tests that measure the whole process (allocation, timings) run alone.</summary>
[CollectionDefinition(nameof(NoParallel), DisableParallelization = true)]
public sealed class NoParallel;
