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

    /// <summary>
    /// Milliseconds per stage, median of 5 frames (min in brackets), for the avatar-like cloud at 30k and
    /// 100k Gaussians, 512×512 and 550×802, RGB only (L = 0) and with 32 latent channels. Each case is
    /// warmed up first (tiered JIT, buffers), and a round over every case precedes the measured one.
    /// </summary>
    [BenchFact]
    public void StageTimings()
    {
        Directory.CreateDirectory(Dir);
        var cases = (from n in new[] { 30_000, 100_000 }
                     from size in new[] { (W: 512, H: 512), (W: 550, H: 802) }
                     from latent in new[] { 0, 32 }
                     select (N: n, size.W, size.H, L: latent)).ToList();
        var clouds = new Dictionary<(int, int), GaussianCloud>();
        GaussianCloud Cloud(int n, int l) => clouds.TryGetValue((n, l), out var c) ? c : clouds[(n, l)] = TestScenes.AvatarLike(n, l, 7);
        using var renderer = new CpuGaussianRenderer();
        foreach (var c in cases)
        {
            var target = new RenderTarget(c.W, c.H, c.L);
            var sw = Stopwatch.StartNew();
            while (sw.ElapsedMilliseconds < 400) renderer.Render(Cloud(c.N, c.L), BenchCamera(c.W, c.H), target);
        }
        var sb = new StringBuilder();
        sb.AppendLine($"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}, AVX-512 {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}, threads {renderer.Threads}; median of 5 frames (min)");
        sb.AppendLine("| N | size | L | project ms | bin+sort ms | rasterize ms | total ms | fps | visible | tile instances |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var c in cases)
        {
            var cloud = Cloud(c.N, c.L);
            var camera = BenchCamera(c.W, c.H);
            var target = new RenderTarget(c.W, c.H, c.L);
            for (int i = 0; i < 5; i++) renderer.Render(cloud, camera, target);
            var runs = new List<RenderTimings>();
            for (int i = 0; i < 5; i++) { renderer.Render(cloud, camera, target); runs.Add(renderer.LastTimings); }
            string M(Func<RenderTimings, double> f) { var v = runs.Select(f).OrderBy(x => x).ToList(); return $"{v[2]:F2} ({v[0]:F2})"; }
            double total = runs.Select(t => t.TotalMs).OrderBy(x => x).ElementAt(2);
            sb.AppendLine($"| {c.N / 1000}k | {c.W}x{c.H} | {c.L} | {M(t => t.ProjectMs)} | {M(t => t.BinSortMs)} | {M(t => t.RasterizeMs)} | {M(t => t.TotalMs)} | {1000 / total:F0} | {runs[0].Visible} | {runs[0].TileInstances} |");
            if (c.L == 0)
            {
                var img = new RgbImage(c.W, c.H);
                target.ToRgbImage(img);
                ImageFile.WritePng(img, Path.Combine(Dir, $"avatar-{c.N / 1000}k-{c.W}x{c.H}.png"));
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
