using Npga.Live.Core;
using Npga.Live.Tracking.Expression;
using Xunit.Abstractions;

namespace Npga.Live.AvatarBuilder.Tests;

/// <summary>The head proxy's ellipsoid is fitted through the face's upper outline, so the hair continues from the face.</summary>
public class HeadProxyTests(ITestOutputHelper output)
{
    /// <summary>Distance (metres, along the ray from the ellipsoid's centre) of a point from the ellipsoid's surface.</summary>
    private static double OffSurface(HeadProxy proxy, (double X, double Y, double Z) p)
    {
        double u = (p.X - proxy.Center.X) / proxy.Radii.X, v = (p.Y - proxy.Center.Y) / proxy.Radii.Y, w = (p.Z - proxy.Center.Z) / proxy.Radii.Z;
        double k = Math.Sqrt(u * u + v * v + w * w);
        double dx = p.X - proxy.Center.X, dy = p.Y - proxy.Center.Y, dz = p.Z - proxy.Center.Z;
        return (1 - 1 / k) * Math.Sqrt(dx * dx + dy * dy + dz * dz);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.9)]
    [InlineData(1.1)]
    public void ForFace_PassesThroughTheUpperFaceOval(double scale)
    {
        // The expression model's canonical face (a real average face, metres), scaled for a smaller or larger head.
        var model = ExpressionModel.LoadById(RepoPaths.Models, "mp468-pca-v1");
        var mesh = model.Canonical.Select(v => (float)(v * scale)).ToArray();
        var proxy = HeadProxy.ForFace(mesh);
        double worst = HeadProxy.UpperFaceOval.Max(k => Math.Abs(OffSurface(proxy, (mesh[3 * k], mesh[3 * k + 1], mesh[3 * k + 2]))));
        output.WriteLine($"scale {scale}: centre ({proxy.Center.Y * 1000:F0}, {proxy.Center.Z * 1000:F0}) mm, radii {proxy.Radii.X * 1000:F0}/{proxy.Radii.Y * 1000:F0}/{proxy.Radii.Z * 1000:F0} mm; upper face oval at most {worst * 1000:F1} mm off the surface");
        Assert.True(worst < 0.005, $"the upper face oval is {worst * 1000:F1} mm off the proxy");
        // Still a head: 13-20 cm broad, 17-26 cm long, the crown above the brows.
        Assert.InRange(2 * proxy.Radii.X, 0.13, 0.20);
        Assert.InRange(2 * proxy.Radii.Z, 0.17, 0.26);
        Assert.True(proxy.Center.Y + proxy.Radii.Y > mesh[3 * 10 + 1] + 0.03, "the crown should be well above the forehead's top");
    }
}
