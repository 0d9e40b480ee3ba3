using System.Diagnostics;
using Npga.Live.Avatar;
using Npga.Live.Core;
using Npga.Live.Rendering.Ilgpu;
using Xunit.Abstractions;

namespace Npga.Live.Rendering.Tests;

/// <summary>
/// The ILGPU renderer (on ILGPU's CPU accelerator) against <see cref="CpuGaussianRenderer"/> on the canonical cloud of every
/// avatar shipped under models/avatars, seen through the package's default camera scaled to 96×96 and turned 20° (the view's
/// SH directions off the axis), with the
/// package's background and latent channels: PSNR ≥ 50 dB on RGB and on the latents.
/// </summary>
[Collection(nameof(IlgpuSerial))]
public sealed class IlgpuShippedAvatarTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Shipped()
    {
        var dir = Path.Combine(RepoPaths.Models, "avatars");
        return Directory.GetDirectories(dir)
            .Where(d => File.Exists(Path.Combine(d, AvatarManifest.FileName)))
            .OrderBy(d => d, StringComparer.Ordinal)
            .Select(d => new object[] { Path.GetFileName(d) });
    }

    [Fact]
    public void AvatarsAreShipped() => Assert.NotEmpty(Shipped());

    [Theory]
    [MemberData(nameof(Shipped))]
    public void MatchesTheCpuRenderer(string name)
    {
        var package = AvatarPackage.Load(Path.Combine(RepoPaths.Models, "avatars", name));
        var cloud = package.Canonical;
        int latent = package.Manifest.LatentDim;
        var bg = package.Manifest.Background;
        float[] background = [(float)bg[0], (float)bg[1], (float)bg[2]];
        using var gpu = new IlgpuGaussianRenderer(IlgpuDeviceKind.Cpu);
        const double yaw = 20;
        var camera = package.Manifest.DefaultCamera.ToCamera().Resized(96, 96).Orbited(yaw, 0);
        var expected = IlgpuStageTests.RenderCpu(cloud, camera, latent, background);
        var target = new RenderTarget(96, 96, latent) { Background = background };
        var sw = Stopwatch.StartNew();
        gpu.Render(cloud, camera, target);
        double covered = 0;
        for (int i = 0; i < target.PlaneLength; i++)
            if (Math.Abs(target.Planes[i] - background[0]) > 0.02) covered++;
        output.WriteLine($"{name} ({cloud.Count} Gaussians, L = {latent}), yaw {yaw}: {sw.ElapsedMilliseconds} ms ({gpu.LastTimings}), {covered / target.PlaneLength:P0} covered");
        IlgpuAssert.Matches(expected, target, output, $"{name} yaw {yaw}: ");
        Assert.True(covered / target.PlaneLength > 0.05, "the avatar should be in view");
    }
}
