namespace Npga.Live.Core;

/// <summary>
/// A small dense Levenberg–Marquardt least-squares solver (Marquardt 1963; forward-difference Jacobian, damping
/// λ·diag(JᵀJ)) for fits of a handful of parameters: the head proxy's ellipsoid (Npga.Live.AvatarBuilder), the perspective
/// pose refinement of tracked frames (Npga.Live.Tracking, reweighted for a robust loss by the caller). Costs O(m·n²) per
/// iteration for m residuals and n parameters, plus n + 1 residual evaluations.
/// </summary>
public static class LevenbergMarquardt
{
    /// <summary>Minimises ½‖r(q)‖² from <paramref name="start"/>; returns the best parameters found (never worse than
    /// the start). <paramref name="residuals"/> must return the same number of residuals on every call.</summary>
    /// <param name="residuals">The residual vector r(q) (any length m ≥ 1, the same on every call).</param>
    /// <param name="start">Initial parameters q₀ (n values; not modified).</param>
    /// <param name="iterations">Most accepted steps.</param>
    /// <param name="relativeTolerance">Stop once an accepted step lowers the cost by less than this fraction of it (0: run
    /// until <paramref name="iterations"/> or until no damping finds a lower cost).</param>
    public static double[] Minimise(Func<double[], double[]> residuals, double[] start, int iterations, double relativeTolerance = 0)
    {
        int n = start.Length;
        var q = (double[])start.Clone();
        var r = residuals(q);
        double cost = SumSq(r), lambda = 1e-3;
        var jac = new double[r.Length, n];
        bool converged = false;
        for (int it = 0; it < iterations; it++)
        {
            for (int j = 0; j < n; j++)
            {
                double h = 1e-6 * Math.Max(1e-3, Math.Abs(q[j]));
                var qh = (double[])q.Clone();
                qh[j] += h;
                var rh = residuals(qh);
                for (int i = 0; i < r.Length; i++) jac[i, j] = (rh[i] - r[i]) / h;
            }
            var jtj = new double[n, n];
            var jtr = new double[n];
            for (int a = 0; a < n; a++)
            {
                for (int i = 0; i < r.Length; i++) jtr[a] += jac[i, a] * r[i];
                for (int b = 0; b < n; b++)
                    for (int i = 0; i < r.Length; i++) jtj[a, b] += jac[i, a] * jac[i, b];
            }
            bool improved = false;
            for (int attempt = 0; attempt < 10 && !improved; attempt++)
            {
                var m = (double[,])jtj.Clone();
                for (int a = 0; a < n; a++) m[a, a] += lambda * Math.Max(jtj[a, a], 1e-12);
                var step = Solve(m, jtr);
                var qn = new double[n];
                for (int a = 0; a < n; a++) qn[a] = q[a] - step[a];
                var rn = residuals(qn);
                double cn = SumSq(rn);
                if (double.IsFinite(cn) && cn < cost)
                {
                    converged = cost - cn <= relativeTolerance * cost;
                    (q, r, cost) = (qn, rn, cn);
                    lambda = Math.Max(lambda / 10, 1e-9);
                    improved = true;
                }
                else lambda *= 10;
            }
            if (!improved || converged) break;
        }
        return q;
    }

    private static double SumSq(double[] r)
    {
        double s = 0;
        foreach (var v in r) s += v * v;
        return s;
    }

    /// <summary>Solves m·x = b by Gaussian elimination with partial pivoting (m is overwritten).</summary>
    private static double[] Solve(double[,] m, double[] b)
    {
        int n = b.Length;
        var x = (double[])b.Clone();
        for (int c = 0; c < n; c++)
        {
            int p = c;
            for (int i = c + 1; i < n; i++) if (Math.Abs(m[i, c]) > Math.Abs(m[p, c])) p = i;
            if (p != c)
            {
                for (int j = 0; j < n; j++) (m[c, j], m[p, j]) = (m[p, j], m[c, j]);
                (x[c], x[p]) = (x[p], x[c]);
            }
            double d = m[c, c];
            if (Math.Abs(d) < 1e-300) return new double[n];
            for (int i = c + 1; i < n; i++)
            {
                double f = m[i, c] / d;
                if (f == 0) continue;
                for (int j = c; j < n; j++) m[i, j] -= f * m[c, j];
                x[i] -= f * x[c];
            }
        }
        for (int c = n - 1; c >= 0; c--)
        {
            double s = x[c];
            for (int j = c + 1; j < n; j++) s -= m[c, j] * x[j];
            x[c] = s / m[c, c];
        }
        return x;
    }
}
