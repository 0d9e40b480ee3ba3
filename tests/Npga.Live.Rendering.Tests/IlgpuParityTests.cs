using System.Diagnostics;
using Npga.Live.Core.Gaussians;
using Npga.Live.Rendering.Ilgpu;
using Xunit.Abstractions;

namespace Npga.Live.Rendering.Tests;

/// <summary>
/// The ILGPU renderer's kernels, run on ILGPU's CPU accelerator, against <see cref="CpuGaussianRenderer"/> on random scenes
/// (behind the camera, off-screen, huge and sub-pixel Gaussians included): PSNR ≥ 50 dB on RGB and on the latents.
/// </summary>
[Collection(nameof(IlgpuSerial))]
public sealed class IlgpuParityTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(300, 64, 64, 0, 1)]
    [InlineData(1000, 96, 80, 5, 2)]
    [InlineData(3000, 128, 96, 11, 3)]
    [InlineData(2000, 77, 61, 0, 4)] // partial tiles on both edges, RGB only
    public void MatchesTheCpuRendererOnRandomScenes(int n, int width, int height, int latentDim, int seed)
    {
        var rng = new Random(seed);
        var camera = TestScenes.RandomOrbit(width, height, rng);
        var cloud = TestScenes.RandomScene(n, 3, Math.Max(latentDim, 1), seed, camera);
        float[] background = [0.1f, 0.5f, 0.9f];

        var expected = new RenderTarget(width, height, latentDim) { Background = background };
        using (var cpu = new CpuGaussianRenderer(1)) cpu.Render(cloud, camera, expected);

        using var ilgpu = new IlgpuGaussianRenderer(IlgpuDeviceKind.Cpu);
        var target = new RenderTarget(width, height, latentDim) { Background = background };
        Array.Fill(target.Planes, -5f);
        var sw = Stopwatch.StartNew();
        ilgpu.Render(cloud, camera, target);
        output.WriteLine($"{n} Gaussians {width}x{height} L={latentDim}: {sw.ElapsedMilliseconds} ms on the CPU accelerator ({ilgpu.LastTimings})");
        IlgpuAssert.Matches(expected, target, output);
    }
}

/// <summary>Assertions shared by the ILGPU tests.</summary>
internal static class IlgpuAssert
{
    /// <summary>PSNR (peak 1) of <paramref name="actual"/> against <paramref name="expected"/> over channels [c0, c1).</summary>
    public static double Psnr(RenderTarget expected, RenderTarget actual, int c0, int c1)
    {
        int plane = expected.PlaneLength;
        double se = 0;
        for (int i = c0 * plane; i < c1 * plane; i++) { double d = actual.Planes[i] - expected.Planes[i]; se += d * d; }
        return se == 0 ? double.PositiveInfinity : 10 * Math.Log10((double)(c1 - c0) * plane / se);
    }

    /// <summary>Asserts PSNR ≥ 50 dB on RGB and, when there are latent channels, on them.</summary>
    public static void Matches(RenderTarget expected, RenderTarget actual, ITestOutputHelper output, string label = "")
    {
        double rgb = Psnr(expected, actual, 0, 3);
        double maxErr = 0;
        for (int i = 0; i < expected.Planes.Length; i++) maxErr = Math.Max(maxErr, Math.Abs(actual.Planes[i] - expected.Planes[i]));
        double lat = expected.LatentChannels > 0 ? Psnr(expected, actual, 3, expected.Channels) : double.PositiveInfinity;
        output.WriteLine($"{label}PSNR rgb {rgb:F1} dB, latent {lat:F1} dB, max |err| {maxErr:E2}");
        Assert.True(rgb >= 50, $"{label}RGB PSNR {rgb:F1} dB");
        Assert.True(lat >= 50, $"{label}latent PSNR {lat:F1} dB");
    }
}

/// <summary>The ILGPU tests run one at a time: each runs 16 simulated GPU threads on the machine's cores.</summary>
[CollectionDefinition(nameof(IlgpuSerial), DisableParallelization = true)]
public sealed class IlgpuSerial;
