using Npga.Live.Core.Gaussians;

namespace Npga.Live.GpuCheck;

/// <summary>
/// Random Gaussian clouds, the same recipes as the rendering tests' <c>TestScenes</c> (tests/Npga.Live.Rendering.Tests): a hard
/// scene for parity and an avatar-like head for speed and NPGA's full size.
/// </summary>
internal static class Scenes
{
    /// <summary>
    /// A head-sized random scene: Gaussians in an ellipsoid of semi-axes 8×11×9 cm, log-uniform scales 0.5–30 mm, random
    /// rotations, opacities 0.25–99.75 %, SH of degree <paramref name="shDegree"/>, latents in [−1, 1]; plus 3 % far away in
    /// every direction, 2 % huge (5–30 cm) and 1 % just in front of <paramref name="camera"/>.
    /// </summary>
    public static GaussianCloud Hard(int n, int shDegree, int latentDim, int seed, Camera camera)
    {
        var rng = new Random(seed);
        var cloud = new GaussianCloud(n, shDegree, 2, latentDim);
        int coeffs = cloud.ShCoefficients;
        var R = camera.R; var t = camera.T;
        double cx = -(R[0] * t[0] + R[3] * t[1] + R[6] * t[2]);
        double cy = -(R[1] * t[0] + R[4] * t[1] + R[7] * t[2]);
        double cz = -(R[2] * t[0] + R[5] * t[1] + R[8] * t[2]);
        double fx = R[6], fy = R[7], fz = R[8];
        for (int i = 0; i < n; i++)
        {
            double kind = rng.NextDouble();
            double px, py, pz, logLo = Math.Log(0.0005), logHi = Math.Log(0.03);
            if (kind < 0.03)
            {
                var d = RandomUnit(rng);
                double r = 1 + 4 * rng.NextDouble();
                px = d.X * r; py = d.Y * r; pz = d.Z * r;
            }
            else if (kind < 0.04)
            {
                double dist = 0.05 + 0.25 * rng.NextDouble();
                var d = RandomUnit(rng);
                px = cx + fx * dist + d.X * dist; py = cy + fy * dist + d.Y * dist; pz = cz + fz * dist + d.Z * dist;
            }
            else
            {
                var p = InEllipsoid(rng, 0.08, 0.11, 0.09);
                px = p.X; py = p.Y; pz = p.Z;
                if (kind < 0.06) { logLo = Math.Log(0.05); logHi = Math.Log(0.3); }
            }
            cloud.Means[3 * i] = (float)px; cloud.Means[3 * i + 1] = (float)py; cloud.Means[3 * i + 2] = (float)pz;
            for (int k = 0; k < 3; k++) cloud.LogScales[3 * i + k] = (float)(logLo + (logHi - logLo) * rng.NextDouble());
            double qs = 0.5 + 1.5 * rng.NextDouble();
            for (int k = 0; k < 4; k++) cloud.Rotations[4 * i + k] = (float)(Measure.Gauss(rng) * qs);
            cloud.OpacityLogits[i] = (float)(-6 + 12 * rng.NextDouble());
            for (int c = 0; c < 3; c++) cloud.Sh[i * coeffs * 3 + c] = (float)(-1.5 + 3 * rng.NextDouble());
            for (int k = 3; k < coeffs * 3; k++) cloud.Sh[i * coeffs * 3 + k] = (float)(0.6 * (rng.NextDouble() - 0.5));
            for (int l = 0; l < latentDim; l++) cloud.Latents[i * latentDim + l] = (float)(2 * rng.NextDouble() - 1);
        }
        return cloud;
    }

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
            var d = RandomUnit(rng);
            double shell = 1 - 0.08 * rng.NextDouble();
            cloud.Means[3 * i] = (float)(0.08 * d.X * shell);
            cloud.Means[3 * i + 1] = (float)(0.11 * d.Y * shell);
            cloud.Means[3 * i + 2] = (float)(0.095 * d.Z * shell);
            double s = Math.Log(0.001 + 0.004 * rng.NextDouble());
            cloud.LogScales[3 * i] = (float)s;
            cloud.LogScales[3 * i + 1] = (float)(s + 0.5 * (rng.NextDouble() - 0.5));
            cloud.LogScales[3 * i + 2] = (float)(s - 1.0);
            for (int k = 0; k < 4; k++) cloud.Rotations[4 * i + k] = (float)Measure.Gauss(rng);
            cloud.OpacityLogits[i] = (float)(rng.NextDouble() < 0.7 ? 2 + 4 * rng.NextDouble() : -3 + 5 * rng.NextDouble());
            double skin = 0.6 + 0.3 * rng.NextDouble();
            cloud.Sh[i * coeffs * 3] = (float)((skin - 0.5) / c0);
            cloud.Sh[i * coeffs * 3 + 1] = (float)((0.75 * skin - 0.5) / c0);
            cloud.Sh[i * coeffs * 3 + 2] = (float)((0.6 * skin - 0.5) / c0);
            for (int k = 3; k < coeffs * 3; k++) cloud.Sh[i * coeffs * 3 + k] = (float)(0.1 * (rng.NextDouble() - 0.5));
            for (int f = 0; f < featureDim; f++) cloud.Features[i * featureDim + f] = (float)Measure.Gauss(rng);
            for (int l = 0; l < latentDim; l++) cloud.Latents[i * latentDim + l] = (float)(2 * rng.NextDouble() - 1);
        }
        return cloud;
    }

    private static (double X, double Y, double Z) RandomUnit(Random rng)
    {
        while (true)
        {
            double x = Measure.Gauss(rng), y = Measure.Gauss(rng), z = Measure.Gauss(rng);
            double n = Math.Sqrt(x * x + y * y + z * z);
            if (n > 1e-9) return (x / n, y / n, z / n);
        }
    }

    private static (double X, double Y, double Z) InEllipsoid(Random rng, double a, double b, double c)
    {
        while (true)
        {
            double x = 2 * rng.NextDouble() - 1, y = 2 * rng.NextDouble() - 1, z = 2 * rng.NextDouble() - 1;
            if (x * x + y * y + z * z <= 1) return (a * x, b * y, c * z);
        }
    }
}
