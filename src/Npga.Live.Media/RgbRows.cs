using Npga.Live.Core.Imaging;

namespace Npga.Live.Media;

/// <summary>
/// Copies between packed RGB24 (<see cref="RgbImage"/>, stride 3·width) and GStreamer's RGB
/// layout, whose rows start on 4-byte boundaries (stride = GST_ROUND_UP_4(3·width)).
/// </summary>
internal static class RgbRows
{
    /// <summary>GStreamer's default stride of an RGB row, in bytes.</summary>
    public static int GstStride(int width) => (width * 3 + 3) & ~3;

    /// <summary>Bytes of a GStreamer RGB frame.</summary>
    public static int GstFrameSize(int width, int height) => GstStride(width) * height;

    /// <summary>Copies a GStreamer RGB frame (rows <paramref name="stride"/> bytes apart) into <paramref name="dst"/>.</summary>
    public static void CopyFromStrided(ReadOnlySpan<byte> src, int stride, RgbImage dst)
    {
        int row = dst.Stride;
        if (stride == row)
        {
            src[..(row * dst.Height)].CopyTo(dst.Span);
            return;
        }
        var d = dst.Span;
        for (int y = 0; y < dst.Height; y++)
            src.Slice(y * stride, row).CopyTo(d.Slice(y * row, row));
    }

    /// <summary>Copies <paramref name="src"/> into a GStreamer RGB frame with rows <paramref name="stride"/> bytes apart (padding zeroed).</summary>
    public static void CopyToStrided(RgbImage src, Span<byte> dst, int stride)
    {
        int row = src.Stride;
        if (stride == row)
        {
            src.Span.CopyTo(dst);
            return;
        }
        var s = src.Span;
        for (int y = 0; y < src.Height; y++)
        {
            var d = dst.Slice(y * stride, stride);
            s.Slice(y * row, row).CopyTo(d);
            d[row..].Clear();
        }
    }
}
