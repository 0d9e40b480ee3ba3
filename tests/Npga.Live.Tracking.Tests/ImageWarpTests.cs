using Npga.Live.Core.Imaging;
using Npga.Live.Tracking.Crop;
using Npga.Live.Tracking.Detect;
using Npga.Live.Tracking.Geometry;
using Xunit.Abstractions;

namespace Npga.Live.Tracking.Tests;

/// <summary>The crop warp (OpenCV's warpAffine) against the project's former exact bilinear warp.</summary>
public sealed class ImageWarpTests(ITestOutputHelper output)
{
    private static RgbImage Picture(int w, int h)
    {
        var img = new RgbImage(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int o = (y * w + x) * 3;
                img.Pixels[o] = (byte)(255.0 * x / w);
                img.Pixels[o + 1] = (byte)(255.0 * y / h);
                img.Pixels[o + 2] = (byte)(127.5 + 100 * Math.Sin(x / 5.0) * Math.Cos(y / 7.0));
            }
        return img;
    }

    private (double Mean, double Max) Compare(RgbImage img, Affine2 map, int size, float gain, float bias)
    {
        var mine = new float[size * size * 3];
        var reference = new float[size * size * 3];
        ImageWarp.WarpBilinear(img, map, size, gain, bias, mine);
        ReferenceWarp.WarpBilinear(img, map, size, gain, bias, reference);
        double sum = 0, max = 0;
        for (int i = 0; i < mine.Length; i++)
        {
            double d = Math.Abs(mine[i] - reference[i]) / gain; // byte steps
            sum += d; max = Math.Max(max, d);
        }
        return (sum / mine.Length, max);
    }

    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(12, 1.3)]
    [InlineData(-35, 0.7)]
    [InlineData(90, 2.1)]
    public void RotatedFaceCrop_AgreesWithExactBilinear(double degrees, double scale)
    {
        var img = Picture(640, 480);
        // A 192 px crop round (330, 215), reaching past the image's edge for the larger scales.
        var map = new RotatedRect(330, 215, 192 * scale, degrees * Math.PI / 180).CropToImage(192);
        var (mean, max) = Compare(img, map, 192, 1f / 255, 0);
        output.WriteLine($"{degrees}°, ×{scale}: mean |diff| {mean:F3}, max {max:F3} byte steps");
        Assert.True(mean < 0.5, $"mean {mean}");
        Assert.True(max < 2, $"max {max}");
    }

    [Fact]
    public void DetectorLetterbox_AgreesWithExactBilinear_AndBarsAreBlack()
    {
        var img = Picture(640, 480);
        var map = BlazeFaceDetector.InputToImage(640, 480);
        var (mean, max) = Compare(img, map, BlazeFaceDetector.InputSize, 2f / 255, -1f);
        output.WriteLine($"letterbox: mean |diff| {mean:F3}, max {max:F3} byte steps");
        Assert.True(mean < 0.5 && max < 2, $"mean {mean}, max {max}");
        var dst = new float[BlazeFaceDetector.InputSize * BlazeFaceDetector.InputSize * 3];
        ImageWarp.WarpBilinear(img, map, BlazeFaceDetector.InputSize, 2f / 255, -1f, dst);
        Assert.Equal(-1f, dst[0]); // the top bar: black is −1 after gain and bias
    }

    [Fact]
    public void Warp_IsThreadSafe_AcrossSizes()
    {
        var img = Picture(320, 240);
        var a = new RotatedRect(160, 120, 150, 0.3).CropToImage(192);
        var b = new RotatedRect(160, 120, 300, 0).CropToImage(128);
        var expectA = new float[192 * 192 * 3];
        var expectB = new float[128 * 128 * 3];
        ImageWarp.WarpBilinear(img, a, 192, 1f / 255, 0, expectA);
        ImageWarp.WarpBilinear(img, b, 128, 1f / 255, 0, expectB);
        Parallel.For(0, 64, i =>
        {
            var dst = new float[(i % 2 == 0 ? 192 * 192 : 128 * 128) * 3];
            if (i % 2 == 0) { ImageWarp.WarpBilinear(img, a, 192, 1f / 255, 0, dst); Assert.Equal(expectA, dst); }
            else { ImageWarp.WarpBilinear(img, b, 128, 1f / 255, 0, dst); Assert.Equal(expectB, dst); }
        });
    }
}
