namespace Npga.Live.Media;

/// <summary>A frame rate as the fraction GStreamer caps carry (frames / seconds).</summary>
internal readonly record struct FrameRateFraction(int Numerator, int Denominator)
{
    /// <summary>
    /// The fraction for <paramref name="fps"/>: NTSC rates (29.97, 59.94, 23.976 …) become
    /// k·1000/1001; others the closest fraction with a denominator up to 1000.
    /// </summary>
    public static FrameRateFraction From(double fps)
    {
        var k = Math.Round(fps * 1.001);
        if (k >= 1 && Math.Abs(fps - k * 1000 / 1001) < 5e-3 && Math.Abs(fps - Math.Round(fps)) > 1e-6)
            return new FrameRateFraction((int)k * 1000, 1001);
        // Best rational approximation (continued fractions) with denominator <= 1000.
        long h0 = 0, h1 = 1, k0 = 1, k1 = 0;
        double x = fps;
        for (int i = 0; i < 32; i++)
        {
            long a = (long)Math.Floor(x);
            long h2 = a * h1 + h0, k2 = a * k1 + k0;
            if (k2 > 1000 || h2 > int.MaxValue) break;
            (h0, h1, k0, k1) = (h1, h2, k1, k2);
            double frac = x - a;
            if (frac < 1e-9 || Math.Abs((double)h1 / k1 - fps) < 1e-9) break;
            x = 1 / frac;
        }
        return new FrameRateFraction((int)h1, (int)k1);
    }

    /// <summary>Presentation time of frame <paramref name="index"/>, in nanoseconds.</summary>
    public ulong FrameTimeNs(long index) => (ulong)((UInt128)(ulong)index * (ulong)Denominator * 1_000_000_000UL / (ulong)Numerator);

    /// <summary>Frames per second.</summary>
    public double Value => (double)Numerator / Denominator;

    public override string ToString() => $"{Numerator}/{Denominator}";
}
