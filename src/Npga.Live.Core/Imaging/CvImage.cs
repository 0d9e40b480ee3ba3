using System.Buffers;
using OpenCvSharp;

namespace Npga.Live.Core.Imaging;

/// <summary>
/// The one adapter between the project's <see cref="RgbImage"/> and OpenCV's <see cref="Mat"/> (OpenCvSharp4). The project's
/// images stay the currency: OpenCV sees them through <see cref="Wrap"/>, a <c>CV_8UC3</c> header over the image's own pixels
/// (pinned, not copied), in R,G,B order. OpenCV's codecs speak B,G,R: <see cref="FromCodec"/> and <see cref="ToCodec"/> convert.
/// Pixel-centre convention: OpenCV puts pixel (i, j)'s centre at integer (i, j), this project at (i + ½, j + ½).
/// </summary>
public static class CvImage
{
    /// <summary>
    /// A <c>CV_8UC3</c> <see cref="Mat"/> header over <paramref name="image"/>'s pixels (rows <see cref="RgbImage.Stride"/> bytes
    /// apart, channels R,G,B), valid until the returned value is disposed; the pixels stay pinned till then. Writes through the
    /// Mat change the image. Allocates only the header.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is null.</exception>
    public static PinnedMat Wrap(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return new PinnedMat(image.Pixels, image.Height, image.Width, MatType.CV_8UC3, image.Stride);
    }

    /// <summary>
    /// Copies a decoded image (OpenCV's codec order: 1 channel grey, 3 channels B,G,R or 4 channels B,G,R,A; 8 bits) into a new
    /// <see cref="RgbImage"/>. Alpha is dropped (colour values kept, not composited).
    /// </summary>
    /// <exception cref="ArgumentException">Empty, not 8-bit, or 2 channels.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A side above <see cref="RgbImage.MaxSide"/>.</exception>
    public static RgbImage FromCodec(Mat decoded)
    {
        ArgumentNullException.ThrowIfNull(decoded);
        if (decoded.Empty()) throw new ArgumentException("the image is empty", nameof(decoded));
        if (decoded.Depth() != MatType.CV_8U) throw new ArgumentException($"the image is {decoded.Type()}, not 8-bit", nameof(decoded));
        var code = decoded.Channels() switch
        {
            1 => ColorConversionCodes.GRAY2RGB,
            3 => ColorConversionCodes.BGR2RGB,
            4 => ColorConversionCodes.BGRA2RGB,
            int c => throw new ArgumentException($"the image has {c} channels", nameof(decoded)),
        };
        var image = new RgbImage(decoded.Cols, decoded.Rows);
        using var dst = Wrap(image);
        Cv2.CvtColor(decoded, dst.Mat, code);
        return image;
    }

    /// <summary>A new B,G,R <see cref="Mat"/> of <paramref name="image"/>, the order OpenCV's encoders expect. The caller disposes it.</summary>
    public static Mat ToCodec(RgbImage image)
    {
        using var src = Wrap(image);
        var bgr = new Mat();
        Cv2.CvtColor(src.Mat, bgr, ColorConversionCodes.RGB2BGR);
        return bgr;
    }

    /// <summary>An OpenCV colour for R,G,B bytes in an R,G,B <see cref="Wrap">wrapped</see> image.</summary>
    public static Scalar Rgb(byte r, byte g, byte b) => new(r, g, b);
}

/// <summary>
/// A <see cref="OpenCvSharp.Mat"/> header over managed memory, pinned while this lives (<see cref="CvImage.Wrap(RgbImage)"/>).
/// Dispose it before the memory is reused elsewhere; the header allocates no pixels.
/// </summary>
public readonly struct PinnedMat : IDisposable
{
    private readonly MemoryHandle _pin;

    internal unsafe PinnedMat(Memory<byte> data, int rows, int cols, MatType type, long step)
    {
        _pin = data.Pin();
        Mat = Mat.FromPixelData(rows, cols, type, (IntPtr)_pin.Pointer, step);
    }

    /// <summary>The header; do not keep it past <see cref="Dispose"/>.</summary>
    public Mat Mat { get; }

    /// <summary>Releases the header and unpins the memory.</summary>
    public void Dispose()
    {
        Mat?.Dispose();
        _pin.Dispose();
    }
}
