using Npga.Live.Core.Imaging;

namespace Npga.Live.Pipeline.Reenact;

/// <summary>
/// The side-by-side view of reenactment: the driver's frame on the left, scaled to the avatar's height (aspect kept), the
/// avatar's frame on the right. The left panel is the driver's width at that scale, rounded up to an even number of pixels
/// (H.264 needs even sizes); a driver frame of another size later in the stream (a webcam switching resolution) is fitted
/// into the same panel, centred, with black bars (letterbox or pillarbox). Scaling is a separable triangle filter whose
/// support widens when shrinking (an area-like average, no aliasing), bilinear when enlarging. Buffers are allocated
/// once per driver size; not thread-safe.
/// </summary>
public sealed class SideBySideLayout
{
    private Resampler? _resampler;

    /// <summary>Lays out a driver of <paramref name="driverWidth"/>×<paramref name="driverHeight"/> beside an avatar of
    /// <paramref name="avatarWidth"/>×<paramref name="avatarHeight"/> (pixels).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A side below 1, or the combined width above <see cref="RgbImage.MaxSide"/>.</exception>
    public SideBySideLayout(int driverWidth, int driverHeight, int avatarWidth, int avatarHeight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(driverWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(driverHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(avatarWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(avatarHeight, 1);
        int panel = (int)Math.Ceiling((double)driverWidth * avatarHeight / driverHeight);
        panel += panel % 2;
        if (panel + avatarWidth > RgbImage.MaxSide)
            throw new ArgumentOutOfRangeException(nameof(driverWidth), $"a {driverWidth}x{driverHeight} driver beside a {avatarWidth}x{avatarHeight} avatar would be {panel + avatarWidth} pixels wide");
        PanelWidth = panel;
        AvatarWidth = avatarWidth;
        Height = avatarHeight;
    }

    /// <summary>Width of the driver's panel, pixels (even).</summary>
    public int PanelWidth { get; }

    /// <summary>Width of the avatar's part, pixels.</summary>
    public int AvatarWidth { get; }

    /// <summary>Output width, pixels: <see cref="PanelWidth"/> + <see cref="AvatarWidth"/>.</summary>
    public int Width => PanelWidth + AvatarWidth;

    /// <summary>Output height, pixels: the avatar's height.</summary>
    public int Height { get; }

    /// <summary>Draws <paramref name="driver"/> (any size) and <paramref name="avatar"/> side by side into <paramref name="output"/>.</summary>
    /// <exception cref="ArgumentException">The avatar or output image has the wrong size.</exception>
    public void Compose(RgbImage driver, RgbImage avatar, RgbImage output)
    {
        if (avatar.Width != AvatarWidth || avatar.Height != Height) throw new ArgumentException($"the avatar frame is {avatar.Width}x{avatar.Height}, the layout expects {AvatarWidth}x{Height}", nameof(avatar));
        if (output.Width != Width || output.Height != Height) throw new ArgumentException($"the output is {output.Width}x{output.Height}, the layout makes {Width}x{Height}", nameof(output));
        double s = Math.Min((double)PanelWidth / driver.Width, (double)Height / driver.Height);
        int dw = Math.Clamp((int)Math.Round(driver.Width * s), 1, PanelWidth), dh = Math.Clamp((int)Math.Round(driver.Height * s), 1, Height);
        if (_resampler is not { } r || r.SrcWidth != driver.Width || r.SrcHeight != driver.Height || r.DstWidth != dw || r.DstHeight != dh)
            _resampler = r = new Resampler(driver.Width, driver.Height, dw, dh);
        int x0 = (PanelWidth - dw) / 2, y0 = (Height - dh) / 2;
        for (int y = 0; y < Height; y++)
        {
            var row = output.Row(y);
            row[..(3 * PanelWidth)].Clear();
            avatar.Row(y).CopyTo(row[(3 * PanelWidth)..]);
        }
        r.Resample(driver, output, x0, y0);
    }

    /// <summary>Separable triangle-filter resampling of packed RGB into a rectangle of another image.</summary>
    private sealed class Resampler
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
    private sealed class Axis
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
