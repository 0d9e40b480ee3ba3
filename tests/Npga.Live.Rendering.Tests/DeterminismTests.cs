using Npga.Live.Core.Gaussians;

namespace Npga.Live.Rendering.Tests;

/// <summary>The same input gives the same bits: across runs, thread counts, renderer reuse and target kinds.</summary>
public sealed class DeterminismTests
{
    [Fact]
    public void SameBitsAcrossRunsAndThreadCounts()
    {
        var rng = new Random(11);
        var camera = TestScenes.RandomOrbit(200, 150, rng);
        var cloud = TestScenes.RandomScene(5000, 3, 5, 11, camera);
        foreach (var path in ParityTests.Paths())
        {
            float[] first = Render(cloud, camera, 1, path);
            Assert.Equal(first, Render(cloud, camera, 1, path));
            Assert.Equal(first, Render(cloud, camera, 2, path));
            Assert.Equal(first, Render(cloud, camera, 3, path));
        }
    }

    [Fact]
    public void ReusedRendererMatchesAFreshOne()
    {
        var rng = new Random(12);
        var bigCamera = TestScenes.RandomOrbit(300, 260, rng);
        var big = TestScenes.RandomScene(8000, 3, 4, 12, bigCamera);
        var smallCamera = TestScenes.RandomOrbit(96, 64, rng);
        var small = TestScenes.RandomScene(500, 1, 4, 13, smallCamera);
        using var reused = new CpuGaussianRenderer(2);
        var t1 = new RenderTarget(96, 64, 4);
        reused.Render(small, smallCamera, t1);
        reused.Render(big, bigCamera, new RenderTarget(300, 260, 4));
        var t2 = new RenderTarget(96, 64, 4);
        reused.Render(small, smallCamera, t2);
        Assert.Equal(t1.Planes, t2.Planes);
        Assert.Equal(Render(small, smallCamera, 2, Cpu.SimdPath.Auto, 4), t2.Planes);
    }

    [Fact]
    public void RgbOnlyTargetMatchesTheRgbOfALatentTarget()
    {
        var rng = new Random(13);
        var camera = TestScenes.RandomOrbit(128, 128, rng);
        var cloud = TestScenes.RandomScene(2000, 2, 6, 13, camera);
        float[] withLatents = Render(cloud, camera, 2, Cpu.SimdPath.Auto, 6);
        float[] rgbOnly = Render(cloud, camera, 2, Cpu.SimdPath.Auto, 0);
        Assert.Equal(rgbOnly, withLatents.AsSpan(0, 3 * 128 * 128).ToArray());
    }

    internal static float[] Render(GaussianCloud cloud, Camera camera, int threads, Cpu.SimdPath path, int latents = -1)
    {
        using var renderer = new CpuGaussianRenderer(threads, path);
        var target = new RenderTarget(camera.Width, camera.Height, latents < 0 ? cloud.LatentDim : latents);
        renderer.Render(cloud, camera, target);
        return target.Planes;
    }
}
