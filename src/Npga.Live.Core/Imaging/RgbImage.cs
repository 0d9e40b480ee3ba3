namespace Npga.Live.Core.Imaging;

/// <summary>
/// An 8-bit sRGB image, packed R,G,B per pixel, rows top to bottom with no padding
/// (stride = 3·<see cref="Width"/> bytes). Pixel (x, y) has its centre at (x + 0.5, y + 0.5) in image
/// coordinates, the convention of every pixel-space quantity in this project.
/// </summary>
public sealed class RgbImage
{
    /// <summary>Largest accepted side, in pixels; larger images are refused before allocation.</summary>
    public const int MaxSide = 16384;

    /// <summary>Creates a black image.</summary>
    /// <param name="width">Width in pixels, 1..<see cref="MaxSide"/>.</param>
    /// <param name="height">Height in pixels, 1..<see cref="MaxSide"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A side is below 1 or above <see cref="MaxSide"/>.</exception>
    public RgbImage(int width, int height)
        : this(width, height, new byte[CheckedLength(width, height)])
    {
    }

    /// <summary>Wraps existing packed RGB24 pixels (not copied).</summary>
    /// <exception cref="ArgumentException"><paramref name="pixels"/> is shorter than 3·width·height.</exception>
    public RgbImage(int width, int height, byte[] pixels)
    {
        long needed = CheckedLength(width, height);
        if (pixels.Length < needed)
            throw new ArgumentException($"pixel buffer holds {pixels.Length} bytes, a {width}x{height} RGB image needs {needed}", nameof(pixels));
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Bytes per row: 3·<see cref="Width"/>.</summary>
    public int Stride => Width * 3;

    /// <summary>Packed R,G,B bytes, length at least 3·Width·Height.</summary>
    public byte[] Pixels { get; }

    /// <summary>The pixels as a span of exactly 3·Width·Height bytes.</summary>
    public Span<byte> Span => Pixels.AsSpan(0, Width * Height * 3);

    /// <summary>One row's R,G,B bytes.</summary>
    public Span<byte> Row(int y) => Pixels.AsSpan(y * Stride, Stride);

    /// <summary>A deep copy.</summary>
    public RgbImage Clone() => new(Width, Height, (byte[])Pixels.Clone());

    private static int CheckedLength(int width, int height)
    {
        if (width < 1 || width > MaxSide) throw new ArgumentOutOfRangeException(nameof(width), width, $"image width must be 1..{MaxSide}");
        if (height < 1 || height > MaxSide) throw new ArgumentOutOfRangeException(nameof(height), height, $"image height must be 1..{MaxSide}");
        return checked(width * height * 3);
    }
}
