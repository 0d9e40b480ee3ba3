using System.Diagnostics;
using Npga.Live.Core.Gaussians;
using Npga.Live.Rendering.Cpu;
using Xunit.Abstractions;

namespace Npga.Live.Rendering.Tests;

/// <summary>The fast renderer against <see cref="ReferenceRenderer"/> on random scenes, every kernel.</summary>
public sealed class ParityTests(ITestOutputHelper output)
{
    internal static IEnumerable<SimdPath> Paths()
    {
        yield return SimdPath.Scalar;
        if (Lanes256.IsSupported) yield return SimdPath.Vector256;
        if (Lanes512.IsSupported) yield return SimdPath.Vector512;
    }

    [Theory]
    [InlineData(1000, 256, 256, 1)]
    [InlineData(1000, 256, 256, 2)]
    [InlineData(10000, 256, 256, 3)]
    [InlineData(3000, 250, 190, 4)] // partial tiles on both edges
    public void MatchesReferenceOnRandomScenes(int n, int width, int height, int seed)
    {
        const int latentDim = 11; // one 8-channel block plus three single channels
        var rng = new Random(seed);
        var camera = TestScenes.RandomOrbit(width, height, rng);
        var cloud = TestScenes.RandomScene(n, 3, latentDim, seed, camera);
        float[] background = [0.1f, 0.5f, 0.9f];

        var sw = Stopwatch.StartNew();
        double[] expected = ReferenceRenderer.Render(cloud, camera, latentDim, background);
        output.WriteLine($"reference {n} Gaussians {width}x{height}: {sw.ElapsedMilliseconds} ms");

        foreach (var path in Paths())
        {
            using var renderer = new CpuGaussianRenderer(2, path);
            var target = new RenderTarget(width, height, latentDim) { Background = background };
            renderer.Render(cloud, camera, target);
            int plane = width * height;
            double rgb = TestScenes.Psnr(target.Planes, expected, plane, 0, 3);
            double lat = TestScenes.Psnr(target.Planes, expected, plane, 3, 3 + latentDim);
            double maxErr = 0;
            for (int i = 0; i < expected.Length; i++) maxErr = Math.Max(maxErr, Math.Abs(target.Planes[i] - expected[i]));
            output.WriteLine($"{path}: PSNR rgb {rgb:F1} dB, latent {lat:F1} dB, max |err| {maxErr:E2}, visible {renderer.LastTimings.Visible}, instances {renderer.LastTimings.TileInstances}");
            Assert.True(rgb >= 50, $"{path}: RGB PSNR {rgb:F1} dB");
            Assert.True(lat >= 50, $"{path}: latent PSNR {lat:F1} dB");
        }
    }
}

/// <summary>Hundreds of faint layers on every pixel: the latent weights are composited in batches.</summary>
public sealed class DeepStackTests
{
    [Fact]
    public void ManyFaintLayersMatchTheReference()
    {
        const int n = 700, latentDim = 9;
        var camera = TestScenes.AtOrigin(100, 70, 120, 50.5, 35.2);
        var cloud = new GaussianCloud(n, 1, 0, latentDim);
        var rng = new Random(51);
        for (int i = 0; i < n; i++)
        {
            TestScenes.Set(cloud, i, 0.2 * (rng.NextDouble() - 0.5), 0.2 * (rng.NextDouble() - 0.5), 0.5 + rng.NextDouble(), 0.1 + 0.2 * rng.NextDouble(),
                0.005 + 0.01 * rng.NextDouble(), rng.NextDouble(), rng.NextDouble(), rng.NextDouble());
            for (int l = 0; l < latentDim; l++) cloud.Latents[i * latentDim + l] = (float)(2 * rng.NextDouble() - 1);
        }
        var expected = ReferenceRenderer.Render(cloud, camera, latentDim);
        foreach (var path in ParityTests.Paths())
        {
            using var renderer = new CpuGaussianRenderer(2, path);
            var target = new RenderTarget(100, 70, latentDim);
            renderer.Render(cloud, camera, target);
            Assert.True(TestScenes.Psnr(target.Planes, expected, 7000, 0, 3) >= 50, $"{path} rgb");
            Assert.True(TestScenes.Psnr(target.Planes, expected, 7000, 3, 3 + latentDim) >= 50, $"{path} latent");
        }
        // Every pixel really did see more than one batch of 128 Gaussians.
        Assert.True(expected[35 * 100 + 50] > 0);
    }
}
