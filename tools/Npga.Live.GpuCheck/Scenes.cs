using Npga.Live.Core.Gaussians;
using Npga.Live.Rendering.Tests;

namespace Npga.Live.GpuCheck;

/// <summary>
/// An avatar-like head for speed and NPGA's full size; the parity scenes are the rendering tests' own
/// (<see cref="TestScenes.RandomScene"/>, tests/Npga.Live.Rendering.Tests/TestScenes.cs, compiled in).
/// </summary>
internal static class Scenes
{
    /// <summary>
    /// An avatar-like head: Gaussians on and just under an ellipsoid of semi-axes 8×11×9.5 cm, scales 1–5 mm flattened
    /// along the normal, mostly opaque, skin-coloured SH of degree <paramref name="shDegree"/>, unit-normal features (the
    /// input of F and G) and latents in [−1, 1].
    /// </summary>
    public static GaussianCloud AvatarLike(int n, int shDegree, int featureDim, int latentDim, int seed)
    {
        var rng = new Random(seed);
        var cloud = new GaussianCloud(n, shDegree, featureDim, latentDim);
        int coeffs = cloud.ShCoefficients;
        const double c0 = 0.28209479177387814;
        for (int i = 0; i < n; i++)
        {
            var d = TestScenes.RandomUnit(rng);
            double shell = 1 - 0.08 * rng.NextDouble();
            cloud.Means[3 * i] = (float)(0.08 * d.X * shell);
            cloud.Means[3 * i + 1] = (float)(0.11 * d.Y * shell);
            cloud.Means[3 * i + 2] = (float)(0.095 * d.Z * shell);
            double s = Math.Log(0.001 + 0.004 * rng.NextDouble());
            cloud.LogScales[3 * i] = (float)s;
            cloud.LogScales[3 * i + 1] = (float)(s + 0.5 * (rng.NextDouble() - 0.5));
            cloud.LogScales[3 * i + 2] = (float)(s - 1.0);
            for (int k = 0; k < 4; k++) cloud.Rotations[4 * i + k] = (float)TestScenes.Gauss(rng);
            cloud.OpacityLogits[i] = (float)(rng.NextDouble() < 0.7 ? 2 + 4 * rng.NextDouble() : -3 + 5 * rng.NextDouble());
            double skin = 0.6 + 0.3 * rng.NextDouble();
            cloud.Sh[i * coeffs * 3] = (float)((skin - 0.5) / c0);
            cloud.Sh[i * coeffs * 3 + 1] = (float)((0.75 * skin - 0.5) / c0);
            cloud.Sh[i * coeffs * 3 + 2] = (float)((0.6 * skin - 0.5) / c0);
            for (int k = 3; k < coeffs * 3; k++) cloud.Sh[i * coeffs * 3 + k] = (float)(0.1 * (rng.NextDouble() - 0.5));
            for (int f = 0; f < featureDim; f++) cloud.Features[i * featureDim + f] = (float)TestScenes.Gauss(rng);
            for (int l = 0; l < latentDim; l++) cloud.Latents[i * latentDim + l] = (float)(2 * rng.NextDouble() - 1);
        }
        return cloud;
    }
}
