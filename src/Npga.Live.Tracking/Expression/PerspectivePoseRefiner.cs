using Npga.Live.Core;
using Npga.Live.Tracking.Landmarks;

namespace Npga.Live.Tracking.Expression;

/// <summary>The result of <see cref="PerspectivePoseRefiner.Refine"/>.</summary>
/// <param name="Rotation">Refined world→camera rotation R, row-major 3×3 (OpenCV camera axes: x right, y down, z forward).</param>
/// <param name="Translation">Refined translation t, metres (camera frame).</param>
/// <param name="ErrorBeforePx">Mean Euclidean reprojection error of the 468 points with the starting pose, pixels.</param>
/// <param name="ErrorAfterPx">The same with the refined pose, pixels.</param>
/// <param name="Rounds">Reweighting rounds run.</param>
public sealed record PoseRefinement(double[] Rotation, double[] Translation, double ErrorBeforePx, double ErrorAfterPx, int Rounds);

/// <summary>
/// Perspective PnP refinement of a tracked head pose, as the avatar trainer's data preparation does it (<c>refine_poses</c> in
/// <c>scripts/training/data.py</c>): the tracker fits a weak-perspective head, which a perspective camera with the same focal
/// length magnifies (face points sit ~8 cm in front of the head origin), so the pose is refined by minimising the Huber
/// (δ = <see cref="HuberDelta"/> px, per image coordinate) reprojection error of the expression model's posed mesh
/// X = C + B·z_exp (canonical head frame, metres) against the tracker's 468 landmarks (x, y in pixels), starting from the
/// tracker's pose. Parameters: an incremental rotation vector ω on top of the starting rotation (R = exp([ω]ₓ)·R₀) and a free
/// translation t. The trainer runs torch LBFGS on the Huber loss; here Levenberg–Marquardt
/// (<see cref="LevenbergMarquardt"/>) on iteratively reweighted residuals (IRLS, weight min(1, δ/|e|) per coordinate), whose
/// fixed point is the same Huber minimum. Stateless and thread-safe.
/// </summary>
public static class PerspectivePoseRefiner
{
    /// <summary>The Huber threshold δ, pixels (the trainer's).</summary>
    public const double HuberDelta = 2.0;

    /// <summary>Nearest depth a point is projected with (metres), as the trainer's <c>clamp_min(1e-3)</c>.</summary>
    private const double MinDepth = 1e-3;

    /// <summary>Posed vertices of <paramref name="model"/> for <paramref name="zExp"/>, C + Σ z_k·B_k, [468·3] metres (canonical head
    /// frame), accumulated in double precision.</summary>
    /// <exception cref="ArgumentException"><paramref name="zExp"/> does not hold K values.</exception>
    public static double[] PosedVertices(ExpressionModel model, ReadOnlySpan<float> zExp)
    {
        if (zExp.Length != model.K) throw new ArgumentException($"z_exp has {zExp.Length} values; the model has K = {model.K}", nameof(zExp));
        int n = model.Canonical.Length;
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = model.Canonical[i];
        for (int k = 0; k < model.K; k++)
        {
            double zk = zExp[k];
            if (zk == 0) continue;
            var b = model.Basis.AsSpan(k * n, n);
            for (int i = 0; i < n; i++) v[i] += zk * b[i];
        }
        return v;
    }

    /// <summary>Refines a pose (see the class notes).</summary>
    /// <param name="vertices">The posed mesh, [468·3] metres in the canonical head frame (<see cref="PosedVertices"/>).</param>
    /// <param name="landmarksPx">The tracked landmarks, [468·3] floats x, y, z in image pixels (z unused), as
    /// <see cref="TrackResult.LandmarksPx"/>.</param>
    /// <param name="fx">Focal length x, pixels.</param>
    /// <param name="fy">Focal length y, pixels.</param>
    /// <param name="cx">Principal point x, pixels.</param>
    /// <param name="cy">Principal point y, pixels.</param>
    /// <param name="rotation">Starting rotation R₀, row-major 3×3, canonical head frame → OpenCV camera frame.</param>
    /// <param name="translation">Starting translation t₀, metres.</param>
    /// <param name="maxRounds">Most reweighting rounds (each a Levenberg–Marquardt solve of the weighted least squares).</param>
    /// <exception cref="ArgumentException">Wrong lengths.</exception>
    public static PoseRefinement Refine(ReadOnlySpan<double> vertices, ReadOnlySpan<float> landmarksPx, double fx, double fy, double cx, double cy,
        ReadOnlySpan<double> rotation, ReadOnlySpan<double> translation, int maxRounds = 30)
    {
        const int n = FaceLandmarks.Count;
        if (vertices.Length != 3 * n) throw new ArgumentException($"need {n}·3 vertex coordinates", nameof(vertices));
        if (landmarksPx.Length < 3 * n) throw new ArgumentException($"need {n}·3 landmark values (x, y, z)", nameof(landmarksPx));
        if (rotation.Length != 9 || translation.Length != 3) throw new ArgumentException("the rotation needs 9 values and the translation 3");
        var v = vertices.ToArray();
        var r0 = rotation.ToArray();
        var target = new double[2 * n];
        for (int i = 0; i < n; i++) { target[2 * i] = landmarksPx[3 * i]; target[2 * i + 1] = landmarksPx[3 * i + 1]; }
        var rootWeights = new double[2 * n];
        var uv = new double[2 * n];

        void Project(double[] q, double[] dst)
        {
            var r = Multiply(Rodrigues(q[0], q[1], q[2]), r0);
            for (int i = 0; i < n; i++)
            {
                double x = v[3 * i], y = v[3 * i + 1], z = v[3 * i + 2];
                double xc = r[0] * x + r[1] * y + r[2] * z + q[3];
                double yc = r[3] * x + r[4] * y + r[5] * z + q[4];
                double zc = Math.Max(r[6] * x + r[7] * y + r[8] * z + q[5], MinDepth);
                dst[2 * i] = fx * xc / zc + cx;
                dst[2 * i + 1] = fy * yc / zc + cy;
            }
        }

        double MeanError(double[] q)
        {
            Project(q, uv);
            double sum = 0;
            for (int i = 0; i < n; i++) sum += Math.Sqrt(Sq(uv[2 * i] - target[2 * i]) + Sq(uv[2 * i + 1] - target[2 * i + 1]));
            return sum / n;
        }

        var q = new double[] { 0, 0, 0, translation[0], translation[1], translation[2] };
        double before = MeanError(q);
        int rounds = 0;
        for (; rounds < maxRounds; rounds++)
        {
            Project(q, uv);
            for (int i = 0; i < 2 * n; i++)
            {
                double e = Math.Abs(uv[i] - target[i]);
                rootWeights[i] = e <= HuberDelta ? 1 : Math.Sqrt(HuberDelta / e); // √w, w = min(1, δ/|e|)
            }
            var next = LevenbergMarquardt.Minimise(p =>
            {
                var res = new double[2 * n];
                Project(p, res);
                for (int i = 0; i < 2 * n; i++) res[i] = rootWeights[i] * (res[i] - target[i]);
                return res;
            }, q, 100, 1e-12);
            double change = 0;
            for (int j = 0; j < 6; j++) change = Math.Max(change, Math.Abs(next[j] - q[j]));
            q = next;
            if (change < 1e-10) { rounds++; break; }
        }
        double after = MeanError(q);
        return new PoseRefinement(Multiply(Rodrigues(q[0], q[1], q[2]), r0), [q[3], q[4], q[5]], before, after, rounds);
    }

    /// <summary>exp([ω]ₓ) by Rodrigues' formula, row-major 3×3; the identity at ω = 0.</summary>
    public static double[] Rodrigues(double wx, double wy, double wz)
    {
        double th = Math.Sqrt(wx * wx + wy * wy + wz * wz);
        if (th < 1e-300) return [1, 0, 0, 0, 1, 0, 0, 0, 1];
        double kx = wx / th, ky = wy / th, kz = wz / th, s = Math.Sin(th), c = 1 - Math.Cos(th);
        return
        [
            1 + c * (-ky * ky - kz * kz), -s * kz + c * kx * ky, s * ky + c * kx * kz,
            s * kz + c * kx * ky, 1 + c * (-kx * kx - kz * kz), -s * kx + c * ky * kz,
            -s * ky + c * kx * kz, s * kx + c * ky * kz, 1 + c * (-kx * kx - ky * ky),
        ];
    }

    private static double Sq(double x) => x * x;

    private static double[] Multiply(double[] a, double[] b)
    {
        var c = new double[9];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                c[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
        return c;
    }
}
