namespace Npga.Live.Core;

/// <summary>Summary statistics shared by the measurements (expression fidelity, tracker checks).</summary>
public static class Statistics
{
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
}
