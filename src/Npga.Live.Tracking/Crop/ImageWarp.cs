using Npga.Live.Core.Imaging;
using Npga.Live.Tracking.Geometry;
using OpenCvSharp;

namespace Npga.Live.Tracking.Crop;

/// <summary>
/// Affine warp of an RGB image into a float32 NHWC tensor with bilinear sampling: the input of the
/// detector (whole frame, letterboxed) and of the face mesh (rotated face crop). Samples outside the
/// image read as black (0), like TF.js cropAndResize's extrapolation value. OpenCV's <c>warpAffine</c>
/// (8-bit, <c>INTER_LINEAR</c>, constant black border) then <c>convertTo</c> with gain and bias: OpenCV
/// places samples on a 1/32-pixel grid and rounds the warped value to a byte, so a sample differs from
/// exact bilinear interpolation by at most a few byte steps on sharp edges (0.2 on average on real frames).
/// </summary>
public static class ImageWarp
{
    /// <summary>The 8-bit crop, reused per thread and size (the warp allocates no pixels per call).</summary>
    [ThreadStatic] private static Mat? t_crop;

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
    public static unsafe void WarpBilinear(RgbImage image, in Affine2 cropToImage, int size, float gain, float bias, Span<float> dst)
    {
        if (dst.Length < size * size * 3) throw new ArgumentException($"destination holds {dst.Length} floats, needs {size * size * 3}", nameof(dst));
        var m = cropToImage;
        // OpenCV's index space has pixel centres at integers: index = A·(u + ½) + B − ½ for crop index u.
        double* inverse = stackalloc double[6]
        {
            m.A00, m.A01, m.A00 * 0.5 + m.A01 * 0.5 + m.B0 - 0.5,
            m.A10, m.A11, m.A10 * 0.5 + m.A11 * 0.5 + m.B1 - 0.5,
        };
        var crop = t_crop;
        if (crop is null || crop.Rows != size)
        {
            crop?.Dispose();
            t_crop = crop = new Mat(size, size, MatType.CV_8UC3);
        }
        using var src = CvImage.Wrap(image);
        using var map = Mat.FromPixelData(2, 3, MatType.CV_64FC1, (IntPtr)inverse);
        Cv2.WarpAffine(src.Mat, crop, map, new Size(size, size), InterpolationFlags.Linear | InterpolationFlags.WarpInverseMap, BorderTypes.Constant, Scalar.All(0));
        fixed (float* d = dst)
        {
            using var tensor = Mat.FromPixelData(size, size, MatType.CV_32FC3, (IntPtr)d);
            crop.ConvertTo(tensor, MatType.CV_32FC3, gain, bias);
        }
    }
}
