using Npga.Live.Core.Gaussians;

namespace Npga.Live.Rendering.Tests;

/// <summary>Random Gaussian clouds and cameras for the tests and the benchmark; also compiled into the GPU check
/// (tools/Npga.Live.GpuCheck), whose parity scenes are these.</summary>
internal static class TestScenes
{
    /// <summary>
    /// A head-sized random scene for parity tests: Gaussians in an ellipsoid of semi-axes 8×11×9 cm round
    /// the origin, log-uniform scales 0.5–30 mm per axis, random (unnormalised) rotations, opacities from
    /// 0.25 % to 99.75 %, SH of degree <paramref name="shDegree"/>, latents in [−1, 1]; plus, when
    /// <paramref name="hard"/>, 3 % far-away Gaussians in every direction (behind the camera, off-screen),
    /// 2 % huge ones (5–30 cm) and 1 % just in front of <paramref name="camera"/> (within 5–30 cm, where
    /// the Jacobian's clamp acts).
    /// </summary>
    public static GaussianCloud RandomScene(int n, int shDegree, int latentDim, int seed, Camera? camera = null, bool hard = true)
    {
        var rng = new Random(seed);
        var cloud = new GaussianCloud(n, shDegree, 2, latentDim);
        int coeffs = cloud.ShCoefficients;
        double cx = 0, cy = 0, cz = 0, fx = 0, fy = 0, fz = 1;
        if (camera is not null)
        {
            var R = camera.R; var t = camera.T;
            cx = -(R[0] * t[0] + R[3] * t[1] + R[6] * t[2]);
            cy = -(R[1] * t[0] + R[4] * t[1] + R[7] * t[2]);
            cz = -(R[2] * t[0] + R[5] * t[1] + R[8] * t[2]);
            fx = R[6]; fy = R[7]; fz = R[8];
        }
        for (int i = 0; i < n; i++)
        {
            double kind = hard ? rng.NextDouble() : 1;
            double px, py, pz;
            double logLo = Math.Log(0.0005), logHi = Math.Log(0.03);
            if (kind < 0.03)
            {
                // Far away in a random direction: mostly behind the camera or off-screen.
                var d = RandomUnit(rng);
                double r = 1 + 4 * rng.NextDouble();
                px = d.X * r; py = d.Y * r; pz = d.Z * r;
            }
            else if (kind < 0.04 && camera is not null)
            {
                // Just in front of the camera, possibly far off-axis.
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
            for (int k = 0; k < 4; k++) cloud.Rotations[4 * i + k] = (float)(Gauss(rng) * qs);
            cloud.OpacityLogits[i] = (float)(-6 + 12 * rng.NextDouble());
            for (int c = 0; c < 3; c++) cloud.Sh[i * coeffs * 3 + c] = (float)(-1.5 + 3 * rng.NextDouble());
            for (int k = 3; k < coeffs * 3; k++) cloud.Sh[i * coeffs * 3 + k] = (float)(0.6 * (rng.NextDouble() - 0.5));
            for (int l = 0; l < latentDim; l++) cloud.Latents[i * latentDim + l] = (float)(2 * rng.NextDouble() - 1);
        }
        return cloud;
    }

    /// <summary>
    /// An avatar-like cloud for the benchmark: Gaussians on and just under the surface of a head-sized
    /// ellipsoid (semi-axes 8×11×9.5 cm), scales 1–5 mm (flattened along the normal), mostly opaque, SH
    /// degree 3.
    /// </summary>
    public static GaussianCloud AvatarLike(int n, int latentDim, int seed)
    {
        var rng = new Random(seed);
        var cloud = new GaussianCloud(n, 3, 8, latentDim);
        int coeffs = cloud.ShCoefficients;
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
            for (int k = 0; k < 4; k++) cloud.Rotations[4 * i + k] = (float)Gauss(rng);
            cloud.OpacityLogits[i] = (float)(rng.NextDouble() < 0.7 ? 2 + 4 * rng.NextDouble() : -3 + 5 * rng.NextDouble());
            double skin = 0.6 + 0.3 * rng.NextDouble();
            cloud.Sh[i * coeffs * 3] = (float)((skin - 0.5) / 0.28209479177387814);
            cloud.Sh[i * coeffs * 3 + 1] = (float)((0.75 * skin - 0.5) / 0.28209479177387814);
            cloud.Sh[i * coeffs * 3 + 2] = (float)((0.6 * skin - 0.5) / 0.28209479177387814);
            for (int k = 3; k < coeffs * 3; k++) cloud.Sh[i * coeffs * 3 + k] = (float)(0.1 * (rng.NextDouble() - 0.5));
            for (int l = 0; l < latentDim; l++) cloud.Latents[i * latentDim + l] = (float)(2 * rng.NextDouble() - 1);
        }
        return cloud;
    }

    /// <summary>A random orbit round the origin: 0.45–0.75 m away, yaw ±60°, pitch ±30°, 30° vertical fov.</summary>
    public static Camera RandomOrbit(int width, int height, Random rng) =>
        Camera.Orbit(width, height, 0.45 + 0.3 * rng.NextDouble(), -60 + 120 * rng.NextDouble(), -30 + 60 * rng.NextDouble(), 30);

    /// <summary>A camera at the origin looking down +z (R = I, t = 0).</summary>
    public static Camera AtOrigin(int width, int height, double f, double cx, double cy, double near = 0.01) =>
        new(width, height, f, f, cx, cy, [1, 0, 0, 0, 1, 0, 0, 0, 1], [0, 0, 0]) { Near = near };

    /// <summary>The SH DC coefficient that gives colour value <paramref name="c"/> (before clamping).</summary>
    public static float Dc(double c) => (float)((c - 0.5) / 0.28209479177387814);

    /// <summary>Sets Gaussian <paramref name="i"/> to an isotropic, view-independent Gaussian.</summary>
    public static void Set(GaussianCloud cloud, int i, double x, double y, double z, double sigma, double opacity, double r, double g, double b)
    {
        cloud.Means[3 * i] = (float)x; cloud.Means[3 * i + 1] = (float)y; cloud.Means[3 * i + 2] = (float)z;
        for (int k = 0; k < 3; k++) cloud.LogScales[3 * i + k] = (float)Math.Log(sigma);
        cloud.Rotations[4 * i] = 1; cloud.Rotations[4 * i + 1] = cloud.Rotations[4 * i + 2] = cloud.Rotations[4 * i + 3] = 0;
        cloud.OpacityLogits[i] = (float)Math.Log(opacity / (1 - opacity));
        int per = cloud.ShCoefficients * 3;
        Array.Clear(cloud.Sh, i * per, per);
        cloud.Sh[i * per] = Dc(r); cloud.Sh[i * per + 1] = Dc(g); cloud.Sh[i * per + 2] = Dc(b);
    }

    /// <summary>PSNR in dB of <paramref name="a"/> against <paramref name="b"/> over channels [c0, c1), peak 1.</summary>
    public static double Psnr(float[] a, double[] b, int planeLength, int c0, int c1)
    {
        double se = 0;
        int from = c0 * planeLength, to = c1 * planeLength;
        for (int i = from; i < to; i++) { double d = a[i] - b[i]; se += d * d; }
        double mse = se / (to - from);
        return mse == 0 ? double.PositiveInfinity : 10 * Math.Log10(1 / mse);
    }

    /// <summary>A direction drawn uniformly on the unit sphere.</summary>
    internal static (double X, double Y, double Z) RandomUnit(Random rng)
    {
        while (true)
        {
            double x = Gauss(rng), y = Gauss(rng), z = Gauss(rng);
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

    /// <summary>A standard normal draw (Box–Muller).</summary>
    internal static double Gauss(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
