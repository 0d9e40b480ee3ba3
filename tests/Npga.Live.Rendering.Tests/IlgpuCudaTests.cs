using System.Diagnostics;
using Npga.Live.Rendering.Ilgpu;
using Xunit.Abstractions;

namespace Npga.Live.Rendering.Tests;

/// <summary>A <see cref="FactAttribute"/> that runs only where ILGPU finds a CUDA device.</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        if (!GaussianRenderers.CudaAvailable) Skip = "no CUDA device (ILGPU's CUDA backend found none)";
    }
}

/// <summary>
/// The ILGPU renderer on a real CUDA device (skipped elsewhere): parity with the CPU renderer on random scenes, the same
/// tile lists, the host allocation per frame (ILGPU's launches only), and the frame time. <c>dotnet test tests/Npga.Live.Rendering.Tests -c Release
/// --filter IlgpuCudaTests --logger "console;verbosity=detailed"</c> on a GPU machine.
/// </summary>
[Collection(nameof(IlgpuSerial))]
public sealed class IlgpuCudaTests(ITestOutputHelper output)
{
    [CudaFact]
    public void MatchesTheCpuRendererOnCuda()
    {
        using var gpu = new IlgpuGaussianRenderer(IlgpuDeviceKind.Cuda);
        output.WriteLine(GaussianRenderers.Describe(gpu));
        foreach (var (n, w, h, latent, seed) in new[] { (3000, 128, 96, 11, 3), (20000, 512, 512, 8, 5), (2000, 77, 61, 0, 4) })
        {
            var rng = new Random(seed);
            var camera = TestScenes.RandomOrbit(w, h, rng);
            var cloud = TestScenes.RandomScene(n, 3, Math.Max(latent, 1), seed, camera);
            var target = new RenderTarget(w, h, latent) { Background = [0.1f, 0.5f, 0.9f] };
            gpu.Render(cloud, camera, target);
            IlgpuAssert.Matches(IlgpuStageTests.RenderCpu(cloud, camera, latent, target.Background), target, output, $"{n} Gaussians {w}x{h} L={latent}: ");
        }
    }

    /// <summary>The GPU radix sorts keep the CPU renderer's order, depth ties to the lower index included.</summary>
    [CudaFact]
    public void TileListsAreTheCpuRenderersOnCuda() => IlgpuStageTests.AssertTileListsMatch(IlgpuDeviceKind.Cuda, output);

    [CudaFact]
    public void HostAllocationPerFrameAndTheFrameTime()
    {
        var rng = new Random(21);
        var camera = TestScenes.RandomOrbit(512, 512, rng);
        var cloud = TestScenes.AvatarLike(100_000, 8, 21);
        var target = new RenderTarget(512, 512, 8);
        using var gpu = new IlgpuGaussianRenderer(IlgpuDeviceKind.Cuda);
        for (int i = 0; i < 5; i++) gpu.Render(cloud, camera, target);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ms = new List<double>();
        for (int i = 0; i < 30; i++)
        {
            var sw = Stopwatch.StartNew();
            gpu.Render(cloud, camera, target);
            ms.Add(sw.Elapsed.TotalMilliseconds);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        ms.Sort();
        output.WriteLine($"{GaussianRenderers.Describe(gpu)}: 100k Gaussians 512x512 L=8, median {ms[15]:F2} ms (min {ms[0]:F2}, max {ms[^1]:F2}); last {gpu.LastTimings}; {allocated} bytes over 30 frames");
        // The renderer's own code allocates nothing (IlgpuAllocationTests); what is left is ILGPU's, if anything: small.
        Assert.True(allocated / 30 < 40_000, $"{allocated / 30} bytes per frame");
    }
}
