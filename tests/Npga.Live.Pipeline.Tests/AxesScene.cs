using Npga.Live.Avatar.Tests;
using Npga.Live.Avatar;
using Npga.Live.Core;
using Npga.Live.Core.Gaussians;

namespace Npga.Live.Pipeline.Tests;

/// <summary>
/// A package whose canonical cloud is three coloured Gaussians on the head frame's axes: red at +x (the
/// face's left), green at +y (up), blue at +z (towards the default camera), with networks that leave them
/// where they are (the fixture script's --zero-offsets). Lets tests check orbits and head poses by eye.
/// </summary>
internal sealed class AxesScene : IDisposable
{
    public const float Offset = 0.05f;

    /// <param name="cnn">Include the fixture's CNN.</param>
    /// <param name="count">3: the axes scene; more: the fixture's random Gaussians are kept and posed by its random F and G.</param>
    public AxesScene(bool cnn = false, int count = 3)
    {
        Dir = Directory.CreateTempSubdirectory("npga-axes-").FullName;
        var args = new List<string> { "--n", count.ToString(), "--seed", "3" };
        if (count == 3) args.Add("--zero-offsets");
        if (!cnn) args.Add("--no-cnn");
        Fixtures.Make(Dir, [.. args]);
        if (count != 3)
        {
            Package = AvatarPackage.Load(Dir);
            return;
        }
        var cloud = GaussianPly.Read(Path.Combine(Dir, GaussianPly.FileName));
        const float c0 = 0.28209479177387814f;
        float[][] colours = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
        Array.Clear(cloud.Sh);
        for (int i = 0; i < 3; i++)
        {
            for (int a = 0; a < 3; a++) cloud.Means[3 * i + a] = a == i ? Offset : 0;
            cloud.Rotations[4 * i] = 1; cloud.Rotations[4 * i + 1] = cloud.Rotations[4 * i + 2] = cloud.Rotations[4 * i + 3] = 0;
            for (int a = 0; a < 3; a++) cloud.LogScales[3 * i + a] = MathF.Log(0.008f);
            cloud.OpacityLogits[i] = 4;
            for (int ch = 0; ch < 3; ch++) cloud.Sh[i * cloud.ShCoefficients * 3 + ch] = (colours[i][ch] - 0.5f) / c0;
        }
        GaussianPly.Write(Path.Combine(Dir, GaussianPly.FileName), cloud);
        Package = AvatarPackage.Load(Dir);
    }

    public string Dir { get; }

    public AvatarPackage Package { get; }

    public void Dispose() => Directory.Delete(Dir, true);

    /// <summary>Centroid (x, y) of the pixels where channel <paramref name="c"/> dominates (the red, green or blue axis Gaussian), or null.</summary>
    public static (double X, double Y)? Centroid(Npga.Live.Core.Imaging.RgbImage img, int c)
    {
        double sx = 0, sy = 0, n = 0;
        for (int y = 0; y < img.Height; y++)
            for (int x = 0; x < img.Width; x++)
            {
                int o = (y * img.Width + x) * 3;
                int v = img.Pixels[o + c], other = Math.Max(img.Pixels[o + (c + 1) % 3], img.Pixels[o + (c + 2) % 3]);
                if (v > 100 && v > 2 * other) { sx += x + 0.5; sy += y + 0.5; n++; }
            }
        return n > 0 ? (sx / n, sy / n) : null;
    }
}
