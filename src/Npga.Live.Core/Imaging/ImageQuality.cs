namespace Npga.Live.Core.Imaging;

/// <summary>
/// Image-similarity metrics of the avatar evaluation, as the trainer computes them (<c>masked_psnr</c>, <c>ssim_map</c>,
/// <c>masked_ssim</c> in <c>scripts/training/losses.py</c>). Images are interleaved RGB floats, [H·W·3] row-major with the
/// top row first, values linear in the stored 8-bit values and in [0, 1] (peak 1); masks are [H·W] bytes, nonzero = in.
/// </summary>
public static class ImageQuality
{
    /// <summary>Side of the SSIM Gaussian window, pixels.</summary>
    public const int SsimWindow = 11;

    /// <summary>Standard deviation of the SSIM Gaussian window, pixels.</summary>
    public const double SsimSigma = 1.5;

    /// <summary>SSIM stabilisers C1 = (0.01·L)², C2 = (0.03·L)² for the peak L = 1.</summary>
    public const double C1 = 0.01 * 0.01, C2 = 0.03 * 0.03;

    /// <summary>An 8-bit image as floats in [0, 1] (v / 255), [H·W·3] interleaved RGB.</summary>
    public static float[] ToUnitFloats(RgbImage image)
    {
        var px = image.Span;
        var dst = new float[px.Length];
        for (int i = 0; i < px.Length; i++) dst[i] = px[i] / 255f;
        return dst;
    }

    /// <summary>
    /// Peak signal-to-noise ratio in dB, 10·log10(1 / MSE), with the mean squared error taken over the three channels of
    /// the pixels where <paramref name="mask"/> is nonzero (every pixel when it is empty).
    /// </summary>
    /// <param name="a">First image, [H·W·3].</param>
    /// <param name="b">Second image, [H·W·3].</param>
    /// <param name="mask">[H·W] bytes, or empty for the whole image.</param>
    /// <returns>The PSNR; +∞ when the selected pixels are equal, NaN when the mask selects none.</returns>
    /// <exception cref="ArgumentException">The lengths disagree.</exception>
    public static double Psnr(ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<byte> mask = default)
    {
        if (a.Length != b.Length || a.Length % 3 != 0) throw new ArgumentException("the images must be equally long [H·W·3] arrays");
        int n = a.Length / 3;
        if (!mask.IsEmpty && mask.Length != n) throw new ArgumentException($"the mask holds {mask.Length} values, the images {n} pixels", nameof(mask));
        double sse = 0;
        long count = 0;
        for (int i = 0; i < n; i++)
        {
            if (!mask.IsEmpty && mask[i] == 0) continue;
            for (int c = 0; c < 3; c++)
            {
                double d = a[3 * i + c] - b[3 * i + c];
                sse += d * d;
            }
            count += 3;
        }
        if (count == 0) return double.NaN;
        double mse = sse / count;
        return mse == 0 ? double.PositiveInfinity : 10 * Math.Log10(1 / mse);
    }

    /// <summary>
    /// The per-pixel SSIM map [H·W] of two images (Wang et al. 2004; the 3DGS reference's <c>ssim()</c>): local means,
    /// variances and covariance under an 11×11 Gaussian window (σ = 1.5, normalised to sum 1) with zero padding at the
    /// borders, SSIM = ((2μₐμ_b + C1)(2σₐ_b + C2)) / ((μₐ² + μ_b² + C1)(σₐ² + σ_b² + C2)) per channel, then averaged over the
    /// three channels. Identical images give 1 everywhere.
    /// </summary>
    /// <param name="a">First image, [H·W·3].</param>
    /// <param name="b">Second image, [H·W·3].</param>
    /// <param name="width">W, pixels.</param>
    /// <param name="height">H, pixels.</param>
    /// <exception cref="ArgumentException">The lengths disagree with <paramref name="width"/>×<paramref name="height"/>.</exception>
    public static float[] SsimMap(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int width, int height)
    {
        int n = width * height;
        if (width < 1 || height < 1 || a.Length != 3 * n || b.Length != 3 * n)
            throw new ArgumentException($"the images must be [{height}·{width}·3] arrays");
        var g = Window();
        var map = new double[n];
        var x = new double[n];
        var y = new double[n];
        var prod = new double[n];
        var tmp = new double[n];
        var mx = new double[n];
        var my = new double[n];
        var sxx = new double[n];
        var syy = new double[n];
        var sxy = new double[n];
        for (int c = 0; c < 3; c++)
        {
            for (int i = 0; i < n; i++) { x[i] = a[3 * i + c]; y[i] = b[3 * i + c]; }
            Blur(x, mx, tmp, width, height, g);
            Blur(y, my, tmp, width, height, g);
            for (int i = 0; i < n; i++) prod[i] = x[i] * x[i];
            Blur(prod, sxx, tmp, width, height, g);
            for (int i = 0; i < n; i++) prod[i] = y[i] * y[i];
            Blur(prod, syy, tmp, width, height, g);
            for (int i = 0; i < n; i++) prod[i] = x[i] * y[i];
            Blur(prod, sxy, tmp, width, height, g);
            for (int i = 0; i < n; i++)
            {
                double ma = mx[i], mb = my[i];
                double va = sxx[i] - ma * ma, vb = syy[i] - mb * mb, cov = sxy[i] - ma * mb;
                map[i] += (2 * ma * mb + C1) * (2 * cov + C2) / ((ma * ma + mb * mb + C1) * (va + vb + C2));
            }
        }
        var result = new float[n];
        for (int i = 0; i < n; i++) result[i] = (float)(map[i] / 3);
        return result;
    }

    /// <summary>The mean of <paramref name="map"/> [H·W] over the pixels where <paramref name="mask"/> is nonzero (all when
    /// empty); NaN when the mask selects none.</summary>
    /// <exception cref="ArgumentException">The lengths disagree.</exception>
    public static double MaskedMean(ReadOnlySpan<float> map, ReadOnlySpan<byte> mask = default)
    {
        if (!mask.IsEmpty && mask.Length != map.Length) throw new ArgumentException($"the mask holds {mask.Length} values, the map {map.Length}", nameof(mask));
        double sum = 0;
        long count = 0;
        for (int i = 0; i < map.Length; i++)
        {
            if (!mask.IsEmpty && mask[i] == 0) continue;
            sum += map[i];
            count++;
        }
        return count == 0 ? double.NaN : sum / count;
    }

    /// <summary>SSIM averaged over the masked pixels of <see cref="SsimMap"/> (the trainer's <c>masked_ssim</c>); NaN when the
    /// mask selects none.</summary>
    public static double Ssim(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int width, int height, ReadOnlySpan<byte> mask = default)
        => MaskedMean(SsimMap(a, b, width, height), mask);

    /// <summary>The 1-D Gaussian of the window (the 2-D window is its outer product), normalised to sum 1.</summary>
    private static double[] Window()
    {
        var g = new double[SsimWindow];
        double sum = 0;
        for (int i = 0; i < SsimWindow; i++)
        {
            double d = i - (SsimWindow - 1) / 2.0;
            g[i] = Math.Exp(-d * d / (2 * SsimSigma * SsimSigma));
            sum += g[i];
        }
        for (int i = 0; i < SsimWindow; i++) g[i] /= sum;
        return g;
    }

    /// <summary>Separable Gaussian filtering with zero padding (equal to the 2-D convolution with the outer-product window).</summary>
    private static void Blur(double[] src, double[] dst, double[] tmp, int w, int h, double[] g)
    {
        int r = g.Length / 2;
        Array.Clear(tmp, 0, w * h);
        for (int y = 0; y < h; y++)
        {
            var srow = src.AsSpan(y * w, w);
            var trow = tmp.AsSpan(y * w, w);
            // tmp[x] += g[k]·src[x + k − r] wherever x + k − r lies in the row (outside is zero).
            for (int k = 0; k < g.Length; k++)
            {
                int d = k - r, x0 = Math.Max(0, -d), x1 = Math.Min(w, w - d);
                if (x1 > x0) Axpy(trow[x0..x1], srow[(x0 + d)..(x1 + d)], g[k]);
            }
        }
        Array.Clear(dst, 0, w * h);
        for (int y = 0; y < h; y++)
        {
            var drow = dst.AsSpan(y * w, w);
            int k0 = Math.Max(0, r - y), k1 = Math.Min(g.Length - 1, r + (h - 1 - y));
            for (int k = k0; k <= k1; k++) Axpy(drow, tmp.AsSpan((y + k - r) * w, w), g[k]);
        }
    }

    /// <summary>dst += a·src, SIMD-wide.</summary>
    private static void Axpy(Span<double> dst, ReadOnlySpan<double> src, double a)
    {
        int i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated && dst.Length >= System.Numerics.Vector<double>.Count)
        {
            var va = new System.Numerics.Vector<double>(a);
            int n = System.Numerics.Vector<double>.Count;
            for (; i <= dst.Length - n; i += n)
                (new System.Numerics.Vector<double>(dst[i..]) + va * new System.Numerics.Vector<double>(src[i..])).CopyTo(dst[i..]);
        }
        for (; i < dst.Length; i++) dst[i] += a * src[i];
    }
}
