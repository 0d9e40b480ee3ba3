namespace Npga.Live.Tracking.Geometry;

/// <summary>
/// Eigen-decomposition of a small real symmetric matrix by cyclic Jacobi rotations (Golub and Van
/// Loan, Matrix Computations, §8.5). Used for the 4×4 matrix of Horn's absolute-orientation method.
/// </summary>
public static class SymmetricEigen
{
    /// <summary>
    /// Decomposes <paramref name="a"/> (n×n, row-major, symmetric; destroyed) into eigenvalues and
    /// eigenvectors: column k of <paramref name="vectors"/> (n×n row-major) belongs to values[k].
    /// </summary>
    public static void Decompose(Span<double> a, int n, Span<double> values, Span<double> vectors)
    {
        vectors.Clear();
        for (int i = 0; i < n; i++) vectors[i * n + i] = 1;
        for (int sweep = 0; sweep < 64; sweep++)
        {
            double off = 0;
            for (int p = 0; p < n; p++)
                for (int q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
            if (off < 1e-30) break;
            for (int p = 0; p < n; p++)
                for (int q = p + 1; q < n; q++)
                {
                    double apq = a[p * n + q];
                    if (Math.Abs(apq) < 1e-300) continue;
                    double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
                    double t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    if (theta == 0) t = 1;
                    double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < n; k++)
                    {
                        double akp = a[k * n + p], akq = a[k * n + q];
                        a[k * n + p] = c * akp - s * akq;
                        a[k * n + q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double apk = a[p * n + k], aqk = a[q * n + k];
                        a[p * n + k] = c * apk - s * aqk;
                        a[q * n + k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double vkp = vectors[k * n + p], vkq = vectors[k * n + q];
                        vectors[k * n + p] = c * vkp - s * vkq;
                        vectors[k * n + q] = s * vkp + c * vkq;
                    }
                }
        }
        for (int i = 0; i < n; i++) values[i] = a[i * n + i];
    }
}
