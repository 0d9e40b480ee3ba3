using ILGPU;
using ILGPU.Runtime;
using Npga.Live.Core.Gaussians;
using Npga.Live.Rendering.Ilgpu;
using Xunit.Abstractions;

namespace Npga.Live.Rendering.Tests;

/// <summary>
/// The ILGPU renderer's stages against the CPU renderer's (on ILGPU's CPU accelerator): the same tile lists in the same
/// order, depth ties included; and the edge cases of the image contract: nothing to draw, every Gaussian culled, lower SH
/// degrees, hundreds of faint layers, one renderer across frames of different sizes.
/// </summary>
[Collection(nameof(IlgpuSerial))]
public sealed class IlgpuStageTests(ITestOutputHelper output)
{
    [Fact]
    public void TileListsAreTheCpuRenderersInTheSameOrder() => AssertTileListsMatch(IlgpuDeviceKind.Cpu, output);

    /// <summary>The tile lists, tile ranges and tile boxes of the ILGPU renderer on <paramref name="device"/> equal the CPU renderer's.</summary>
    internal static void AssertTileListsMatch(IlgpuDeviceKind device, ITestOutputHelper output)
    {
        var rng = new Random(31);
        var camera = TestScenes.RandomOrbit(100, 70, rng);
        var cloud = TestScenes.RandomScene(1500, 0, 0, 31, camera);
        // Exact depth ties: same centre, different index; the lower index must come first.
        for (int i = 100; i < 110; i++) { cloud.Means[3 * i] = cloud.Means[300]; cloud.Means[3 * i + 1] = cloud.Means[301]; cloud.Means[3 * i + 2] = cloud.Means[302]; }

        using var cpu = new CpuGaussianRenderer(1);
        cpu.Render(cloud, camera, new RenderTarget(100, 70, 0));
        using var gpu = new IlgpuGaussianRenderer(device);
        gpu.Render(cloud, camera, new RenderTarget(100, 70, 0));

        var bins = gpu.Bins;
        Assert.Equal(cpu.Bins.Visible, bins.Visible);
        Assert.Equal(cpu.Bins.Instances, bins.Instances);
        var ids = new int[bins.Instances];
        bins.InstanceIds.CopyToCPU(ids);
        var ranges = new int[2 * cpu.Bins.Tiles];
        bins.Ranges.CopyToCPU(ranges);
        Assert.Equal(cpu.Bins.InstanceIds.AsSpan(0, bins.Instances).ToArray(), ids);
        for (int t = 0; t < cpu.Bins.Tiles; t++)
        {
            int count = cpu.Bins.TileStart[t + 1] - cpu.Bins.TileStart[t];
            if (count == 0) { Assert.Equal(ranges[2 * t], ranges[2 * t + 1]); continue; }
            Assert.Equal(cpu.Bins.TileStart[t], ranges[2 * t]);
            Assert.Equal(cpu.Bins.TileStart[t + 1], ranges[2 * t + 1]);
        }

        // The tile boxes are the CPU's too.
        var rects = new int[4 * cloud.Count];
        gpu.Projection.Rects.CopyToCPU(rects);
        Assert.Equal(cpu.Projected.Rects.AsSpan(0, 4 * cloud.Count).ToArray(), rects);
        output.WriteLine($"{bins.Visible} visible, {bins.Instances} instances: the same lists");
    }

    [Fact]
    public void NothingToDrawGivesTheBackground()
    {
        using var renderer = new IlgpuGaussianRenderer(IlgpuDeviceKind.Cpu);
        float[] bg = [0.2f, 0.4f, 0.6f];

        var empty = new RenderTarget(70, 45, 3) { Background = bg };
        Array.Fill(empty.Planes, 7f);
        renderer.Render(new GaussianCloud(0, 3, 0, 3), Camera.Orbit(70, 45, 0.6, 0, 0, 30), empty);
        AssertBackground(empty, bg);
        Assert.Equal(0, renderer.LastTimings.Visible);
        Assert.Equal(0, renderer.LastTimings.TileInstances);

        var camera = TestScenes.AtOrigin(80, 60, 100, 40, 30, near: 0.2);
        var cloud = new GaussianCloud(6, 1, 0, 2);
        TestScenes.Set(cloud, 0, 0, 0, -1, 0.05, 0.9, 1, 1, 1);     // behind the camera
        TestScenes.Set(cloud, 1, 0, 0, 0.15, 0.05, 0.9, 1, 1, 1);   // in front, nearer than Near = 0.2
        TestScenes.Set(cloud, 2, 10, 0, 1, 0.05, 0.9, 1, 1, 1);     // far off to the right
        TestScenes.Set(cloud, 3, 0, -5, 1, 0.05, 0.9, 1, 1, 1);     // far above
        TestScenes.Set(cloud, 4, 0, 0, 1, 0.05, 0.003, 1, 1, 1);    // opacity below 1/255
        TestScenes.Set(cloud, 5, 0, 0, 1, 0.05, 0.9, 1, 1, 1);
        cloud.OpacityLogits[5] = float.NegativeInfinity;            // opacity exactly 0
        Array.Fill(cloud.Latents, 1f);
        var culled = new RenderTarget(80, 60, 2) { Background = bg };
        Array.Fill(culled.Planes, -3f);
        renderer.Render(cloud, camera, culled);
        AssertBackground(culled, bg);
        Assert.Equal(0, renderer.LastTimings.Visible);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void LowerShDegreesMatchTheCpuRenderer(int degree)
    {
        var rng = new Random(40 + degree);
        var camera = TestScenes.RandomOrbit(64, 64, rng);
        var cloud = TestScenes.RandomScene(800, degree, 0, 40 + degree, camera);
        IlgpuAssert.Matches(RenderCpu(cloud, camera, 0), RenderIlgpu(cloud, camera, 0), output, $"degree {degree}: ");
    }

    /// <summary>Hundreds of faint layers on every pixel: long lists, many batches per tile, the latents summed over all.</summary>
    [Fact]
    public void ManyFaintLayersMatchTheCpuRenderer()
    {
        const int n = 700, latentDim = 9;
        var camera = TestScenes.AtOrigin(48, 40, 60, 24.5, 20.2);
        var cloud = new GaussianCloud(n, 1, 0, latentDim);
        var rng = new Random(51);
        for (int i = 0; i < n; i++)
        {
            TestScenes.Set(cloud, i, 0.2 * (rng.NextDouble() - 0.5), 0.2 * (rng.NextDouble() - 0.5), 0.5 + rng.NextDouble(), 0.1 + 0.2 * rng.NextDouble(),
                0.005 + 0.01 * rng.NextDouble(), rng.NextDouble(), rng.NextDouble(), rng.NextDouble());
            for (int l = 0; l < latentDim; l++) cloud.Latents[i * latentDim + l] = (float)(2 * rng.NextDouble() - 1);
        }
        IlgpuAssert.Matches(RenderCpu(cloud, camera, latentDim), RenderIlgpu(cloud, camera, latentDim), output);
    }

    /// <summary>One renderer, frames of different sizes and clouds: buffers grow (and are reused when smaller) without stale data.</summary>
    [Fact]
    public void OneRendererAcrossFramesOfDifferentSizes()
    {
        using var renderer = new IlgpuGaussianRenderer(IlgpuDeviceKind.Cpu);
        foreach (var (n, w, h, latent, seed) in new[] { (400, 48, 48, 3, 61), (1500, 96, 64, 3, 62), (200, 32, 40, 0, 63), (1500, 96, 64, 3, 62) })
        {
            var rng = new Random(seed);
            var camera = TestScenes.RandomOrbit(w, h, rng);
            var cloud = TestScenes.RandomScene(n, 2, 3, seed, camera);
            var target = new RenderTarget(w, h, latent);
            renderer.Render(cloud, camera, target);
            IlgpuAssert.Matches(RenderCpu(cloud, camera, latent), target, output, $"{n} Gaussians {w}x{h}: ");
        }
    }

    [Fact]
    public void RejectsMismatchedArguments()
    {
        using var renderer = new IlgpuGaussianRenderer(IlgpuDeviceKind.Cpu);
        var camera = Camera.Orbit(32, 32, 0.6, 0, 0, 30);
        var cloud = new GaussianCloud(3, 0, 0, 2);
        Assert.Throws<ArgumentException>(() => renderer.Render(cloud, camera, new RenderTarget(33, 32, 0)));
        Assert.Throws<ArgumentException>(() => renderer.Render(cloud, camera, new RenderTarget(32, 32, 5)));
        Assert.Throws<ArgumentNullException>(() => renderer.Render(null!, camera, new RenderTarget(32, 32, 0)));
        renderer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => renderer.Render(cloud, camera, new RenderTarget(32, 32, 0)));
    }

    internal static RenderTarget RenderCpu(GaussianCloud cloud, Camera camera, int latentDim, float[]? background = null)
    {
        var target = new RenderTarget(camera.Width, camera.Height, latentDim);
        if (background is not null) target.Background = background;
        using var cpu = new CpuGaussianRenderer(1);
        cpu.Render(cloud, camera, target);
        return target;
    }

    internal static RenderTarget RenderIlgpu(GaussianCloud cloud, Camera camera, int latentDim, float[]? background = null)
    {
        var target = new RenderTarget(camera.Width, camera.Height, latentDim);
        if (background is not null) target.Background = background;
        using var gpu = new IlgpuGaussianRenderer(IlgpuDeviceKind.Cpu);
        gpu.Render(cloud, camera, target);
        return target;
    }

    private static void AssertBackground(RenderTarget target, float[] bg)
    {
        int n = target.PlaneLength;
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < n; i++) Assert.Equal(bg[c], target.Planes[c * n + i]);
        for (int i = 3 * n; i < target.Planes.Length; i++) Assert.Equal(0f, target.Planes[i]);
    }
}
