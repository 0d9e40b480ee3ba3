using System.Runtime.CompilerServices;
namespace Npga.Live.Rendering.Cpu;

/// <summary>
/// Stable LSD radix sort of (uint key, int value) pairs, 11 bits per pass (three passes cover 32 bits),
/// allocation-free: the caller lends the scratch. A pass whose digit is the same for every key is skipped.
/// </summary>
internal static class RadixSort
{
    public const int DigitBits = 11;
    public const int Buckets = 1 << DigitBits;
    public const int Passes = (32 + DigitBits - 1) / DigitBits;

    /// <summary>Length the histogram span must have: <see cref="Buckets"/>·<see cref="Passes"/>.</summary>
    public const int HistogramLength = Buckets * Passes;

    /// <summary>
    /// Sorts <paramref name="keys"/> ascending, carrying <paramref name="values"/>; equal keys keep their
    /// order. On return the sorted pairs are in <paramref name="keys"/>/<paramref name="values"/> (the
    /// scratch spans hold garbage).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sort(Span<uint> keys, Span<int> values, Span<uint> keyScratch, Span<int> valueScratch, Span<int> histogram)
    {
        int n = keys.Length;
        if (values.Length != n || keyScratch.Length < n || valueScratch.Length < n || histogram.Length < HistogramLength)
            throw new ArgumentException("radix sort spans differ in length");
        if (n < 2) return;
        histogram = histogram[..HistogramLength];
        histogram.Clear();
        for (int i = 0; i < n; i++)
        {
            uint k = keys[i];
            histogram[(int)(k & (Buckets - 1))]++;
            histogram[Buckets + (int)((k >> DigitBits) & (Buckets - 1))]++;
            histogram[2 * Buckets + (int)(k >> (2 * DigitBits))]++;
        }
        Span<uint> srcK = keys, dstK = keyScratch[..n];
        Span<int> srcV = values, dstV = valueScratch[..n];
        bool inScratch = false;
        for (int pass = 0; pass < Passes; pass++)
        {
            Span<int> h = histogram.Slice(pass * Buckets, Buckets);
            int shift = pass * DigitBits;
            // Skip a pass where every key has the same digit.
            int digit0 = (int)((srcK[0] >> shift) & (Buckets - 1));
            if (h[digit0] == n) continue;
            int sum = 0;
            for (int b = 0; b < Buckets; b++) { int c = h[b]; h[b] = sum; sum += c; }
            for (int i = 0; i < n; i++)
            {
                uint k = srcK[i];
                int pos = h[(int)((k >> shift) & (Buckets - 1))]++;
                dstK[pos] = k;
                dstV[pos] = srcV[i];
            }
            var tk = srcK; srcK = dstK; dstK = tk;
            var tv = srcV; srcV = dstV; dstV = tv;
            inScratch = !inScratch;
        }
        if (inScratch)
        {
            srcK.CopyTo(keys);
            srcV.CopyTo(values);
        }
    }
}
