namespace Npga.Live.Cli.Commands;

/// <summary>Order statistics for benchmark figures.</summary>
internal static class Stats
{
    /// <summary>Median (mean of the two middle values for even counts); NaN when empty.</summary>
    public static double Median(IEnumerable<double> values) => Percentile(values, 50);

    /// <summary>Percentile by linear interpolation between closest ranks; NaN when empty.</summary>
    public static double Percentile(IEnumerable<double> values, double p)
    {
        var v = values.Where(double.IsFinite).OrderBy(x => x).ToArray();
        if (v.Length == 0) return double.NaN;
        double pos = (v.Length - 1) * p / 100.0;
        int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
        return v[lo] + (v[hi] - v[lo]) * (pos - lo);
    }
}
