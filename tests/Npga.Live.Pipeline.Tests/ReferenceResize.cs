using Npga.Live.Core.Imaging;

namespace Npga.Live.Pipeline.Tests;

/// <summary>
/// The side-by-side layout's own resampler as it was before OpenCV's resize replaced it (a separable triangle filter whose
/// support widens when shrinking, bilinear when enlarging): the reference the OpenCV resize is held to.
/// </summary>
internal static class ReferenceResize
{
    /// <summary>Separable triangle-filter resampling of packed RGB into a rectangle of another image.</summary>
    internal sealed class Resampler
    {
        private readonly Axis _x, _y;
        private readonly float[] _tmp; // SrcHeight rows × DstWidth × 3
        private readonly float[] _acc; // one output row

        public Resampler(int srcWidth, int srcHeight, int dstWidth, int dstHeight)
        {
            (SrcWidth, SrcHeight, DstWidth, DstHeight) = (srcWidth, srcHeight, dstWidth, dstHeight);
            _x = new Axis(srcWidth, dstWidth);
            _y = new Axis(srcHeight, dstHeight);
            _tmp = new float[srcHeight * dstWidth * 3];
            _acc = new float[dstWidth * 3];
        }

        public int SrcWidth { get; }
        public int SrcHeight { get; }
        public int DstWidth { get; }
        public int DstHeight { get; }

        public void Resample(RgbImage src, RgbImage dst, int x0, int y0)
        {
            int stride = DstWidth * 3;
            // Horizontal pass: each source row to DstWidth pixels (floats).
            for (int y = 0; y < SrcHeight; y++)
            {
                ReadOnlySpan<byte> row = src.Row(y);
                var tmp = _tmp.AsSpan(y * stride, stride);
                for (int x = 0; x < DstWidth; x++)
                {
                    int n = _x.Count[x];
                    var weights = _x.Weights.AsSpan(x * _x.Taps, n);
                    var px = row.Slice(3 * _x.Start[x], 3 * n);
                    float r = 0, g = 0, b = 0;
                    for (int k = 0; k < weights.Length; k++)
                    {
                        float w = weights[k];
                        r += w * px[3 * k]; g += w * px[3 * k + 1]; b += w * px[3 * k + 2];
                    }
                    tmp[3 * x] = r; tmp[3 * x + 1] = g; tmp[3 * x + 2] = b;
                }
            }
            // Vertical pass: whole rows at a time (contiguous, vectorised by the JIT's span loops).
            var acc = _acc.AsSpan(0, stride);
            for (int y = 0; y < DstHeight; y++)
            {
                acc.Clear();
                int start = _y.Start[y], n = _y.Count[y];
                for (int k = 0; k < n; k++)
                {
                    float w = _y.Weights[y * _y.Taps + k];
                    var line = _tmp.AsSpan((start + k) * stride, stride);
                    for (int i = 0; i < acc.Length; i++) acc[i] += w * line[i];
                }
                var outRow = dst.Row(y0 + y).Slice(3 * x0, stride);
                // The weights are non-negative and sum to 1, so every value is a convex mix of bytes: no clamp needed.
                for (int i = 0; i < outRow.Length; i++) outRow[i] = (byte)(int)(acc[i] + 0.5f);
            }
        }
    }

    /// <summary>Per output pixel along one axis: the first source pixel, how many, and their normalised weights.</summary>
    internal sealed class Axis
    {
        public readonly int[] Start;
        public readonly int[] Count;
        public readonly float[] Weights;
        public readonly int Taps;

        public Axis(int src, int dst)
        {
            double scale = (double)dst / src;
            double support = scale < 1 ? 1 / scale : 1; // triangle half-width in source pixels
            Taps = (int)Math.Ceiling(support) * 2 + 2;
            Start = new int[dst];
            Count = new int[dst];
            Weights = new float[dst * Taps];
            for (int d = 0; d < dst; d++)
            {
                double centre = (d + 0.5) / scale; // source coordinates, pixel i spans [i, i + 1)
                int lo = Math.Max(0, (int)Math.Floor(centre - support - 0.5)), hi = Math.Min(src - 1, (int)Math.Ceiling(centre + support - 0.5));
                double sum = 0;
                int n = Math.Min(hi - lo + 1, Taps);
                for (int k = 0; k < n; k++)
                {
                    double w = Math.Max(0, 1 - Math.Abs(lo + k + 0.5 - centre) / support);
                    Weights[d * Taps + k] = (float)w;
                    sum += w;
                }
                if (sum <= 0)
                {
                    // centre beyond the last pixel centre at an edge: take the nearest pixel
                    lo = Math.Clamp((int)Math.Floor(centre), 0, src - 1);
                    n = 1;
                    Weights[d * Taps] = 1;
                    sum = 1;
                }
                for (int k = 0; k < n; k++) Weights[d * Taps + k] = (float)(Weights[d * Taps + k] / sum);
                Start[d] = lo;
                Count[d] = n;
            }
        }
    }
}
