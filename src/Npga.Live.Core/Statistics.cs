namespace Npga.Live.Core;

/// <summary>Summary statistics shared by the measurements (expression fidelity, tracker checks, benchmarks).</summary>
public static class Statistics
{
    /// <summary>Median of the finite values (mean of the two middle ones for even counts); NaN when there are none.</summary>
    public static double Median(IEnumerable<double> values) => Percentile(values, 50);

    /// <summary>Percentile <paramref name="p"/> (0–100) of the finite values, by linear interpolation between closest ranks;
    /// NaN when there are none.</summary>
    public static double Percentile(IEnumerable<double> values, double p)
    {
        var v = values.Where(double.IsFinite).OrderBy(x => x).ToArray();
        if (v.Length == 0) return double.NaN;
        double pos = (v.Length - 1) * p / 100.0;
        int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
        return v[lo] + (v[hi] - v[lo]) * (pos - lo);
    }

    /// <summary>Pearson correlation of two equally long series; NaN when fewer than 3 values or no variance.</summary>
    /// <exception cref="ArgumentException">The series differ in length.</exception>
    public static double Pearson(IEnumerable<double> xs, IEnumerable<double> ys)
    {
        var x = xs.ToArray();
        var y = ys.ToArray();
        if (x.Length != y.Length) throw new ArgumentException("series differ in length");
        if (x.Length < 3) return double.NaN;
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Length; i++) { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) * (x[i] - mx); syy += (y[i] - my) * (y[i] - my); }
        return sxx <= 0 || syy <= 0 ? double.NaN : sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>
    /// Percentile confidence interval of the Pearson correlation of two paired time series by the moving-block bootstrap
    /// (Künsch 1989): each resample joins ⌈n/L⌉ blocks of <paramref name="blockLength"/> consecutive pairs, each block
    /// starting at a uniformly drawn index in [0, n − L], cut to n pairs; the interval is the (1 − level)/2 and
    /// (1 + level)/2 quantiles of the resamples' correlations. Blocks keep the series' autocorrelation (neighbouring
    /// video frames are not independent), so the interval is honest about how few independent events (a few mouth
    /// openings, a few blinks) carry a clip's correlation. Deterministic for a given <paramref name="seed"/>.
    /// </summary>
    /// <param name="xs">First series, n values.</param>
    /// <param name="ys">Second series, n values, paired index by index with <paramref name="xs"/>.</param>
    /// <param name="blockLength">L, pairs per block (default 30: one second of 30 fps video); shortened to n when longer.</param>
    /// <param name="resamples">Bootstrap resamples (default 2000); resamples whose correlation is undefined (a block
    /// without variance) are left out.</param>
    /// <param name="level">Coverage, in (0, 1) (default 0.95).</param>
    /// <param name="seed">Seed of the resampling's random generator.</param>
    /// <returns>(Low, High); (NaN, NaN) when fewer than 3 pairs, no variance, or no resample is defined.</returns>
    /// <exception cref="ArgumentException">The series differ in length.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A block length or resample count below 1, or a level outside (0, 1).</exception>
    public static (double Low, double High) PearsonBlockBootstrap(IReadOnlyList<double> xs, IReadOnlyList<double> ys, int blockLength = 30, int resamples = 2000,
        double level = 0.95, int seed = 1)
    {
        if (xs.Count != ys.Count) throw new ArgumentException("series differ in length");
        ArgumentOutOfRangeException.ThrowIfLessThan(blockLength, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);
        if (!(level > 0 && level < 1)) throw new ArgumentOutOfRangeException(nameof(level), "level must lie in (0, 1)");
        int n = xs.Count;
        if (double.IsNaN(Pearson(xs, ys))) return (double.NaN, double.NaN);
        int l = Math.Min(blockLength, n), starts = n - l + 1;
        var rng = new Random(seed);
        var rs = new List<double>(resamples);
        for (int b = 0; b < resamples; b++)
        {
            double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
            for (int filled = 0; filled < n;)
            {
                int s0 = rng.Next(starts);
                for (int k = 0; k < l && filled < n; k++, filled++)
                {
                    double x = xs[s0 + k], y = ys[s0 + k];
                    sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y;
                }
            }
            double vx = sxx - sx * sx / n, vy = syy - sy * sy / n;
            if (vx > 1e-12 * Math.Max(sxx, 1e-300) && vy > 1e-12 * Math.Max(syy, 1e-300))
                rs.Add(Math.Clamp((sxy - sx * sy / n) / Math.Sqrt(vx * vy), -1, 1));
        }
        if (rs.Count == 0) return (double.NaN, double.NaN);
        rs.Sort();
        return (Quantile(rs, (1 - level) / 2), Quantile(rs, (1 + level) / 2));
    }

    /// <summary>Linear-interpolated quantile q ∈ [0, 1] of sorted values (at least one).</summary>
    private static double Quantile(List<double> sorted, double q)
    {
        double pos = q * (sorted.Count - 1);
        int i = (int)Math.Floor(pos);
        return i + 1 < sorted.Count ? sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
    }
}
