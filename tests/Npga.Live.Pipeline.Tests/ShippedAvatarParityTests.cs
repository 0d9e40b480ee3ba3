using Npga.Live.Avatar;
using Npga.Live.Avatar.Deform;
using Npga.Live.Core;
using Npga.Live.Core.Gaussians;
using Npga.Live.Rendering;
using Npga.Live.Rendering.Tests;
using Xunit.Abstractions;

namespace Npga.Live.Pipeline.Tests;

/// <summary>
/// The fast CPU renderer against the plain reference renderer on every avatar shipped under models/avatars
/// (posed at neutral and with an expression, from the default camera and turned 30°): PSNR at least 50 dB.
/// </summary>
public class ShippedAvatarParityTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Shipped()
    {
        var dir = Path.Combine(RepoPaths.Models, "avatars");
        var found = Directory.Exists(dir)
            ? Directory.GetDirectories(dir).Where(d => File.Exists(Path.Combine(d, AvatarManifest.FileName))).OrderBy(d => d).ToList()
            : [];
        // A posed fixture stands in while no avatar is shipped, so the test always judges something real.
        if (found.Count == 0) yield return ["fixture"];
        foreach (var d in found) yield return [Path.GetFileName(d)];
    }

    [Theory(Timeout = 300_000)]
    [MemberData(nameof(Shipped))]
    public async Task FastRendererMatchesTheReference(string name)
    {
        await Task.Yield();
        using var fixture = name == "fixture" ? new AxesScene(cnn: false, count: 2000) : null;
        var package = fixture?.Package ?? AvatarPackage.Load(Path.Combine(RepoPaths.Models, "avatars", name));
        using var dynamics = new AvatarDynamics(package);
        var posed = dynamics.CreatePosedCloud();
        using var renderer = new CpuGaussianRenderer();
        var rnd = new Random(1);
        int k = package.Manifest.ExpressionModel.K;
        foreach (var (z, yaw) in new[] { (new float[k], 0.0), (Enumerable.Range(0, k).Select(_ => (float)(rnd.NextDouble() * 2 - 1)).ToArray(), 30.0) })
        {
            dynamics.Pose(z, [1, 0, 0, 0, 1, 0, 0, 0, 1], [0, 0, 0], posed);
            var cam = package.Manifest.DefaultCamera.ToCamera().Resized(192, 192).Orbited(yaw, 0);
            var target = new RenderTarget(192, 192, package.Manifest.LatentDim);
            var bg = package.Manifest.Background;
            target.Background = [(float)bg[0], (float)bg[1], (float)bg[2]];
            renderer.Render(posed, cam, target);
            var reference = ReferenceRenderer.Render(posed, cam, package.Manifest.LatentDim, target.Background);
            double se = 0;
            for (int i = 0; i < reference.Length; i++) { double d = target.Planes[i] - reference[i]; se += d * d; }
            double psnr = se == 0 ? double.PositiveInfinity : 10 * Math.Log10(reference.Length / se);
            double coverage = target.Planes.Take(3 * 192 * 192).Count(v => v > 0.02) / (3.0 * 192 * 192);
            output.WriteLine($"{name} ({package.Canonical.Count} Gaussians), yaw {yaw}: PSNR {psnr:F1} dB over RGB and latents; {coverage:P0} of the image covered");
            Assert.True(psnr >= 50, $"{name}: fast vs reference PSNR {psnr:F1} dB");
            Assert.True(coverage > 0.01, "the avatar should be in view");
        }
    }
}
