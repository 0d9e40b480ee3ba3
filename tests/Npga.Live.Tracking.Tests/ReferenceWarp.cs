using Npga.Live.Core.Imaging;
using Npga.Live.Tracking.Geometry;

namespace Npga.Live.Tracking.Tests;

/// <summary>
/// The project's own exact bilinear warp, as <see cref="Crop.ImageWarp"/> was before it became OpenCV's warpAffine: the
/// reference the OpenCV warp is held to. Samples outside the image read as black (0).
/// </summary>
internal static class ReferenceWarp
{
    /// <summary>
    /// Fills <paramref name="dst"/> ([size, size, 3], row-major, R,G,B) with
    /// <c>gain·image(cropToImage(u, v)) + bias</c> for each crop pixel centre (u + ½, v + ½).
    /// </summary>
    /// <param name="image">Source image.</param>
    /// <param name="cropToImage">Crop pixels to image pixels (continuous coordinates, centres at +½).</param>
    /// <param name="size">Output side in pixels.</param>
    /// <param name="gain">Multiplier on 0..255 byte values (e.g. 1/255 for [0, 1]).</param>
    /// <param name="bias">Added after the gain (e.g. −1 for [−1, 1] with gain 2/255).</param>
    /// <param name="dst">Destination, at least size·size·3 floats.</param>
    /// <exception cref="ArgumentException"><paramref name="dst"/> is too small.</exception>
    public static void WarpBilinear(RgbImage image, in Affine2 cropToImage, int size, float gain, float bias, Span<float> dst)
    {
        if (dst.Length < size * size * 3) throw new ArgumentException($"destination holds {dst.Length} floats, needs {size * size * 3}", nameof(dst));
        int w = image.Width, h = image.Height, stride = image.Stride;
        ReadOnlySpan<byte> src = image.Span;
        float outside = bias; // black, after gain and bias
        var m = cropToImage;
        int o = 0;
        for (int v = 0; v < size; v++)
        {
            double cv = v + 0.5;
            // Image position of (0.5, cv), then step by column (A00, A10) per output pixel.
            double px = m.A00 * 0.5 + m.A01 * cv + m.B0 - 0.5;
            double py = m.A10 * 0.5 + m.A11 * cv + m.B1 - 0.5;
            double dx = m.A00, dy = m.A10;
            for (int u = 0; u < size; u++, px += dx, py += dy, o += 3)
            {
                // px, py are in index space (pixel centre at integer).
                int x0 = (int)Math.Floor(px), y0 = (int)Math.Floor(py);
                if (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h)
                {
                    dst[o] = outside; dst[o + 1] = outside; dst[o + 2] = outside;
                    continue;
                }
                float fx = (float)(px - x0), fy = (float)(py - y0);
                float w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy;
                bool in00 = x0 >= 0 && y0 >= 0, in10 = x0 + 1 < w && y0 >= 0, in01 = x0 >= 0 && y0 + 1 < h, in11 = x0 + 1 < w && y0 + 1 < h;
                int i00 = y0 * stride + x0 * 3;
                for (int c = 0; c < 3; c++)
                {
                    float acc = 0;
                    if (in00) acc += w00 * src[i00 + c];
                    if (in10) acc += w10 * src[i00 + 3 + c];
                    if (in01) acc += w01 * src[i00 + stride + c];
                    if (in11) acc += w11 * src[i00 + stride + 3 + c];
                    dst[o + c] = acc * gain + bias;
                }
            }
        }
    }
}
