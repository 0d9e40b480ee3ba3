using Npga.Live.Core.Gaussians;

namespace Npga.Live.Avatar.Tests;

/// <summary>
/// The judge: NPGA eq. 6 and the head pose written out plainly in double precision, one Gaussian at a time, with F and G
/// evaluated from the fixture's weights (<see cref="FixtureWeights"/>), not through ORT.
/// </summary>
internal static class Reference
{
    /// <summary>Rotation by <paramref name="angle"/> radians about the axis (ax, ay, az): R row-major, and its quaternion (cos θ/2, sin θ/2·axis).</summary>
    public static (double[] R, double[] Q) AxisAngle(double ax, double ay, double az, double angle)
    {
        var n = Math.Sqrt(ax * ax + ay * ay + az * az);
        double x = ax / n, y = ay / n, z = az / n, c = Math.Cos(angle), s = Math.Sin(angle), C = 1 - c;
        double[] r =
        [
            c + x * x * C, x * y * C - z * s, x * z * C + y * s,
            y * x * C + z * s, c + y * y * C, y * z * C - x * s,
            z * x * C - y * s, z * y * C + x * s, c + z * z * C,
        ];
        return (r, [Math.Cos(angle / 2), Math.Sin(angle / 2) * x, Math.Sin(angle / 2) * y, Math.Sin(angle / 2) * z]);
    }

    /// <summary>Hamilton product a ⊗ b, quaternions (w, x, y, z).</summary>
    public static double[] Hamilton(double[] a, double[] b)
    {
        // Scalar-vector form: (a_w b_w − a_v·b_v, a_w b_v + b_w a_v + a_v × b_v).
        double aw = a[0], bw = b[0];
        double[] av = [a[1], a[2], a[3]], bv = [b[1], b[2], b[3]];
        var dot = av[0] * bv[0] + av[1] * bv[1] + av[2] * bv[2];
        double[] cross = [av[1] * bv[2] - av[2] * bv[1], av[2] * bv[0] - av[0] * bv[2], av[0] * bv[1] - av[1] * bv[0]];
        return [aw * bw - dot, aw * bv[0] + bw * av[0] + cross[0], aw * bv[1] + bw * av[1] + cross[1], aw * bv[2] + bw * av[2] + cross[2]];
    }

    /// <summary>Rotation matrix (row-major) of the normalised quaternion q.</summary>
    public static double[] Matrix(double[] q)
    {
        var n = Math.Sqrt(q.Sum(v => v * v));
        double w = q[0] / n, x = q[1] / n, y = q[2] / n, z = q[3] / n;
        return
        [
            1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
            2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
            2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
        ];
    }

    public static double[] Apply(double[] r, double[] v) =>
        [r[0] * v[0] + r[1] * v[1] + r[2] * v[2], r[3] * v[0] + r[4] * v[1] + r[5] * v[2], r[6] * v[0] + r[7] * v[1] + r[8] * v[2]];

    /// <summary>The posed cloud: F and G from the weights, then eq. 6, then x_world = R·μ_p + t, q_world = q_R ⊗ q_p.</summary>
    public static GaussianCloud Pose(FixtureWeights w, GaussianCloud c, float[] z, double[] r, double[] qR, double[] t, float[]? gCode = null)
    {
        var p = new GaussianCloud(c.Count, c.ShDegree, c.FeatureDim, c.LatentDim);
        var sh = 3 * c.ShCoefficients;
        for (var i = 0; i < c.Count; i++)
        {
            var mu = c.Means.AsSpan(3 * i, 3);
            var feat = c.Features.AsSpan(i * c.FeatureDim, c.FeatureDim);
            var dF = w.F.Evaluate(mu, feat, z)["d_mu"];
            var g = w.G?.Evaluate(mu, feat, gCode ?? z); // G's code: z_exp, then the gaze code for an avatar with one
            double[] muP = [mu[0] + dF[0], mu[1] + dF[1], mu[2] + dF[2]];
            if (g is not null) for (var a = 0; a < 3; a++) muP[a] += g["d_mu"][a];
            var world = Apply(r, muP);
            for (var a = 0; a < 3; a++) p.Means[3 * i + a] = (float)(world[a] + t[a]);

            double[] q = [c.Rotations[4 * i], c.Rotations[4 * i + 1], c.Rotations[4 * i + 2], c.Rotations[4 * i + 3]];
            var qP = g is null ? q : Hamilton(g["d_rot"], q);
            var qW = Hamilton(qR, qP);
            for (var a = 0; a < 4; a++) p.Rotations[4 * i + a] = (float)qW[a];

            for (var a = 0; a < 3; a++) p.LogScales[3 * i + a] = (float)(c.LogScales[3 * i + a] + (g?["d_scale"][a] ?? 0));
            p.OpacityLogits[i] = (float)(c.OpacityLogits[i] + (g?["d_opacity"][0] ?? 0));
            for (var a = 0; a < sh; a++) p.Sh[sh * i + a] = (float)(c.Sh[sh * i + a] + (g?["d_sh"][a] ?? 0));
            for (var a = 0; a < c.LatentDim; a++)
                p.Latents[c.LatentDim * i + a] = (float)(c.Latents[c.LatentDim * i + a] + (g?["d_latent"][a] ?? 0));
        }
        c.Features.CopyTo(p.Features, 0);
        return p;
    }

    public static void AssertClose(float[] expected, float[] actual, double abs, double rel, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var err = Math.Abs((double)expected[i] - actual[i]);
            if (!(err <= abs + rel * Math.Abs(expected[i])))
                Assert.Fail($"{what}[{i}]: expected {expected[i]}, got {actual[i]} (|diff| {err:G3})");
        }
    }

    public static double MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double m = 0;
        for (var i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs((double)a[i] - b[i]));
        return m;
    }

    public static void AssertCloudsClose(GaussianCloud expected, GaussianCloud actual, double abs, double rel)
    {
        AssertClose(expected.Means, actual.Means, abs, rel, "Means");
        AssertClose(expected.Rotations, actual.Rotations, abs, rel, "Rotations");
        AssertClose(expected.LogScales, actual.LogScales, abs, rel, "LogScales");
        AssertClose(expected.OpacityLogits, actual.OpacityLogits, abs, rel, "OpacityLogits");
        AssertClose(expected.Sh, actual.Sh, abs, rel, "Sh");
        AssertClose(expected.Latents, actual.Latents, abs, rel, "Latents");
    }

    public static float[] RandomCode(int k, int seed, double scale = 1.0)
    {
        var rng = new Random(seed);
        var z = new float[k];
        for (var i = 0; i < k; i++) z[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        return z;
    }
}
