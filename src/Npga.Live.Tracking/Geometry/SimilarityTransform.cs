namespace Npga.Live.Tracking.Geometry;

/// <summary>
/// A 3D similarity y = s·R·x + t. <see cref="R"/> is row-major 3×3 (a proper rotation).
/// </summary>
public sealed class SimilarityTransform
{
    /// <summary>Rotation, row-major 3×3.</summary>
    public double[] R { get; } = [1, 0, 0, 0, 1, 0, 0, 0, 1];

    /// <summary>Translation (units of y).</summary>
    public double[] T { get; } = new double[3];

    /// <summary>Scale (units of y per unit of x).</summary>
    public double S { get; set; } = 1;

    /// <summary>
    /// Least-squares similarity from <paramref name="x"/> to <paramref name="y"/> over the points in
    /// <paramref name="indices"/> (both laid out x,y,z per point): the rotation by Horn's quaternion
    /// method (Horn, "Closed-form solution of absolute orientation using unit quaternions", JOSA A 1987),
    /// then the scale s = Σ y'·R x' / Σ |x'|² and t = ȳ − s·R·x̄ (Umeyama's minimiser of Σ|y − sRx − t|²).
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 3 indices.</exception>
    public void Fit(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<int> indices)
    {
        if (indices.Length < 3) throw new ArgumentException("need at least 3 points", nameof(indices));
        double mx0 = 0, mx1 = 0, mx2 = 0, my0 = 0, my1 = 0, my2 = 0;
        foreach (int i in indices)
        {
            mx0 += x[3 * i]; mx1 += x[3 * i + 1]; mx2 += x[3 * i + 2];
            my0 += y[3 * i]; my1 += y[3 * i + 1]; my2 += y[3 * i + 2];
        }
        double n = indices.Length;
        mx0 /= n; mx1 /= n; mx2 /= n; my0 /= n; my1 /= n; my2 /= n;
        Span<double> m = stackalloc double[9]; // M = Σ x' y'^T
        double sxx = 0;
        foreach (int i in indices)
        {
            double a0 = x[3 * i] - mx0, a1 = x[3 * i + 1] - mx1, a2 = x[3 * i + 2] - mx2;
            double b0 = y[3 * i] - my0, b1 = y[3 * i + 1] - my1, b2 = y[3 * i + 2] - my2;
            m[0] += a0 * b0; m[1] += a0 * b1; m[2] += a0 * b2;
            m[3] += a1 * b0; m[4] += a1 * b1; m[5] += a1 * b2;
            m[6] += a2 * b0; m[7] += a2 * b1; m[8] += a2 * b2;
            sxx += a0 * a0 + a1 * a1 + a2 * a2;
        }
        double Sxx = m[0], Sxy = m[1], Sxz = m[2], Syx = m[3], Syy = m[4], Syz = m[5], Szx = m[6], Szy = m[7], Szz = m[8];
        Span<double> nmat =
        [
            Sxx + Syy + Szz, Syz - Szy, Szx - Sxz, Sxy - Syx,
            Syz - Szy, Sxx - Syy - Szz, Sxy + Syx, Szx + Sxz,
            Szx - Sxz, Sxy + Syx, -Sxx + Syy - Szz, Syz + Szy,
            Sxy - Syx, Szx + Sxz, Syz + Szy, -Sxx - Syy + Szz,
        ];
        Span<double> vals = stackalloc double[4];
        Span<double> vecs = stackalloc double[16];
        SymmetricEigen.Decompose(nmat, 4, vals, vecs);
        int best = 0;
        for (int k = 1; k < 4; k++) if (vals[k] > vals[best]) best = k;
        double qw = vecs[best], qx = vecs[4 + best], qy = vecs[8 + best], qz = vecs[12 + best];
        SetRotationFromQuaternion(qw, qx, qy, qz);
        double sxy = 0;
        foreach (int i in indices)
        {
            double a0 = x[3 * i] - mx0, a1 = x[3 * i + 1] - mx1, a2 = x[3 * i + 2] - mx2;
            double b0 = y[3 * i] - my0, b1 = y[3 * i + 1] - my1, b2 = y[3 * i + 2] - my2;
            sxy += b0 * (R[0] * a0 + R[1] * a1 + R[2] * a2) + b1 * (R[3] * a0 + R[4] * a1 + R[5] * a2) + b2 * (R[6] * a0 + R[7] * a1 + R[8] * a2);
        }
        S = sxx > 0 ? sxy / sxx : 1;
        T[0] = my0 - S * (R[0] * mx0 + R[1] * mx1 + R[2] * mx2);
        T[1] = my1 - S * (R[3] * mx0 + R[4] * mx1 + R[5] * mx2);
        T[2] = my2 - S * (R[6] * mx0 + R[7] * mx1 + R[8] * mx2);
    }

    /// <summary>Sets <see cref="R"/> from a quaternion (w, x, y, z), normalising it first.</summary>
    public void SetRotationFromQuaternion(double w, double x, double y, double z)
    {
        double norm = Math.Sqrt(w * w + x * x + y * y + z * z);
        w /= norm; x /= norm; y /= norm; z /= norm;
        R[0] = 1 - 2 * (y * y + z * z); R[1] = 2 * (x * y - w * z); R[2] = 2 * (x * z + w * y);
        R[3] = 2 * (x * y + w * z); R[4] = 1 - 2 * (x * x + z * z); R[5] = 2 * (y * z - w * x);
        R[6] = 2 * (x * z - w * y); R[7] = 2 * (y * z + w * x); R[8] = 1 - 2 * (x * x + y * y);
    }

    /// <summary>Writes (y − t)/s rotated back by Rᵀ for every point: the inverse map, into <paramref name="dst"/>.</summary>
    public void ApplyInverse(ReadOnlySpan<float> y, Span<float> dst)
    {
        double inv = 1 / S;
        for (int i = 0; i < y.Length / 3; i++)
        {
            double b0 = y[3 * i] - T[0], b1 = y[3 * i + 1] - T[1], b2 = y[3 * i + 2] - T[2];
            dst[3 * i] = (float)(inv * (R[0] * b0 + R[3] * b1 + R[6] * b2));
            dst[3 * i + 1] = (float)(inv * (R[1] * b0 + R[4] * b1 + R[7] * b2));
            dst[3 * i + 2] = (float)(inv * (R[2] * b0 + R[5] * b1 + R[8] * b2));
        }
    }

    /// <summary>Writes s·R·x + t for every point into <paramref name="dst"/>.</summary>
    public void Apply(ReadOnlySpan<float> x, Span<float> dst)
    {
        for (int i = 0; i < x.Length / 3; i++)
        {
            double a0 = x[3 * i], a1 = x[3 * i + 1], a2 = x[3 * i + 2];
            dst[3 * i] = (float)(S * (R[0] * a0 + R[1] * a1 + R[2] * a2) + T[0]);
            dst[3 * i + 1] = (float)(S * (R[3] * a0 + R[4] * a1 + R[5] * a2) + T[1]);
            dst[3 * i + 2] = (float)(S * (R[6] * a0 + R[7] * a1 + R[8] * a2) + T[2]);
        }
    }
}
