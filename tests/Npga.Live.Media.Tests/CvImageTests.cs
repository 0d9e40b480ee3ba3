using Npga.Live.Core.Imaging;
using Npga.Live.Media.Tests.Support;
using OpenCvSharp;
using Xunit.Abstractions;

namespace Npga.Live.Media.Tests;

/// <summary>
/// The OpenCV adapter (<see cref="CvImage"/>): a wrapped image shares its pixels in R,G,B order; OpenCV's decoding of the
/// formats <see cref="ImageFile"/> hands it is exact (PNG) and libjpeg's own (JPEG); <see cref="Canvas"/> draws where it is asked to.
/// </summary>
public class CvImageTests
{
    private readonly ITestOutputHelper output;

    public CvImageTests(ITestOutputHelper output)
    {
        this.output = output;
        _ = CvImage.Rgb(0, 0, 0); // Core loads first: its module initializer sets how OpenCV's native library is loaded
    }

    [Fact(Timeout = 60_000)]
    public Task GStreamersJpegAndPngDecoders_StillWork_AfterOpenCvIsLoaded() => Bounded.Run(50, () =>
    {
        // OpenCV's native library exports its own libjpeg and libpng; GStreamer's jpegdec and pngdec must not bind to them.
        using (var m = CvImage.ToCodec(new RgbImage(2, 2))) Assert.Equal(2, m.Rows);
        foreach (var path in new[] { TestMedia.Jpeg, TestMedia.OddPng })
        {
            using var reader = VideoReader.Open(path);
            Assert.True(reader.TryRead(out var frame));
            var opencv = ImageFile.Read(path);
            double sum = 0;
            for (int i = 0; i < opencv.Span.Length; i++) sum += Math.Abs(opencv.Pixels[i] - frame.Image.Pixels[i]);
            output.WriteLine($"{Path.GetFileName(path)}: GStreamer against OpenCV, mean |diff| {sum / opencv.Span.Length:F3}");
            Assert.True(sum / opencv.Span.Length < 5);
        }
    });

    private static RgbImage RandomImage(int w, int h, int seed)
    {
        var img = new RgbImage(w, h);
        new Random(seed).NextBytes(img.Span);
        return img;
    }

    private static (byte R, byte G, byte B) At(RgbImage img, int x, int y)
    {
        int o = y * img.Stride + 3 * x;
        return (img.Pixels[o], img.Pixels[o + 1], img.Pixels[o + 2]);
    }

    [Fact]
    public void Wrap_SharesThePixels_InRgbOrder()
    {
        var img = new RgbImage(5, 4);
        img.Pixels[(2 * 5 + 3) * 3] = 7; // R of (3, 2)
        using var m = CvImage.Wrap(img);
        Assert.Equal((4, 5, MatType.CV_8UC3), (m.Mat.Rows, m.Mat.Cols, m.Mat.Type()));
        Assert.Equal(7, m.Mat.At<Vec3b>(2, 3).Item0);
        m.Mat.Set(1, 4, new Vec3b(1, 2, 3));
        Assert.Equal(((byte)1, (byte)2, (byte)3), At(img, 4, 1));
    }

    [Fact]
    public void CodecOrder_RoundTrips_ThroughBgr()
    {
        var img = RandomImage(31, 17, 4);
        using var bgr = CvImage.ToCodec(img);
        Assert.Equal(img.Pixels[2], bgr.At<Vec3b>(0, 0).Item0); // B first
        Assert.Equal(img.Span.ToArray(), CvImage.FromCodec(bgr).Span.ToArray());
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(113, 67)]
    [InlineData(640, 480)]
    public void Png_EncodeDecode_IsExact(int w, int h)
    {
        var img = RandomImage(w, h, w + h);
        var path = TestMedia.NewPath(".png");
        ImageFile.WritePng(img, path);
        using var decoded = Cv2.ImRead(path, ImreadModes.Unchanged); // and a plain imread reads what we wrote
        Assert.Equal(3, decoded.Channels());
        Assert.Equal(img.Span.ToArray(), CvImage.FromCodec(decoded).Span.ToArray());
        Assert.Equal(img.Span.ToArray(), ImageFile.Read(path).Span.ToArray());
    }

    [Fact]
    public void GreyAndAlphaPngs_BecomeRgb_ColoursKept()
    {
        var grey = TestMedia.NewPath(".png");
        using (var g = new Mat(3, 4, MatType.CV_8UC1, Scalar.All(77))) Cv2.ImWrite(grey, g);
        Assert.Equal(((byte)77, (byte)77, (byte)77), At(ImageFile.Read(grey), 3, 2));
        var rgba = TestMedia.NewPath(".png");
        using (var a = new Mat(3, 4, MatType.CV_8UC4, new Scalar(30, 20, 10, 0))) Cv2.ImWrite(rgba, a); // B,G,R,A; fully transparent
        Assert.Equal(((byte)10, (byte)20, (byte)30), At(ImageFile.Read(rgba), 1, 1));
    }

    [Fact(Timeout = 60_000)]
    public Task Jpeg_DecodesExactlyAsPillow() => Bounded.Run(50, () =>
    {
        // libjpeg's standard decoding (Pillow's). GStreamer's jpegdec ! videoconvert, ImageFile's decoder before OpenCV, goes
        // through I420 and differs at sharp colour edges (mean 2.7, max 255 on these bars; mean 1.4, max 24 on a real photo).
        const string python = "/usr/bin/python3";
        if (GstLaunch.Exec(python, "-c", "import PIL") is null)
        {
            output.WriteLine("skipped: /usr/bin/python3 with Pillow is not available");
            return;
        }
        var mine = ImageFile.Read(TestMedia.Jpeg);
        var hex = GstLaunch.Exec(python, "-c",
            "import sys; from PIL import Image; im = Image.open(sys.argv[1]).convert('RGB'); "
            + "print(im.size[0], im.size[1], im.tobytes().hex())", TestMedia.Jpeg);
        Assert.NotNull(hex);
        var parts = hex.Trim().Split(' ');
        Assert.Equal(new[] { "200", "150" }, parts[..2]);
        Assert.Equal(parts[2], Convert.ToHexStringLower(mine.Span));
    });

    [Fact]
    public void Dot_FillsADisc_AroundItsPixel()
    {
        var img = new RgbImage(20, 20);
        Canvas.Dot(img, 10.7, 5.2, 2, 255, 230, 0);
        Assert.Equal(((byte)255, (byte)230, (byte)0), At(img, 10, 5));
        Assert.Equal(((byte)255, (byte)230, (byte)0), At(img, 12, 5));
        Assert.Equal(((byte)0, (byte)0, (byte)0), At(img, 13, 5));
        Assert.Equal(((byte)0, (byte)0, (byte)0), At(img, 12, 7));
        Canvas.Dot(img, -50, 1e9, 3, 255, 255, 255); // off the image: nothing, no exception
        Canvas.Dot(img, double.NaN, 3, 3, 255, 255, 255);
        Assert.Equal(13, Lit(img));
    }

    [Fact]
    public void Line_RunsBetweenItsEnds_AndNowhereElse()
    {
        var img = new RgbImage(40, 30);
        Canvas.Line(img, 5.5, 10.5, 35.5, 10.5, 255, 0, 0, 3); // horizontal through pixel row 10, columns 5..35
        for (int x = 6; x <= 35; x++) Assert.True(At(img, x, 10).R > 200, $"({x}, 10) is {At(img, x, 10)}");
        for (int x = 0; x < 40; x++) { Assert.Equal(0, At(img, x, 5).R); Assert.Equal(0, At(img, x, 15).R); }
        for (int y = 0; y < 30; y++) { Assert.Equal(0, At(img, 1, y).R); Assert.Equal(0, At(img, 39, y).R); }
        Assert.All(Enumerable.Range(0, 30), y => Assert.Equal(0, At(img, 20, y).G)); // red only
        Canvas.Line(img, -1e12, 0, 1e12, 1e12, 255, 255, 255); // absurd ends are clipped, not thrown
    }

    [Fact]
    public void Text_DrawsInsideItsBox()
    {
        var img = new RgbImage(200, 60);
        Canvas.Text(img, "frame 12", 10, 40, 20, 255, 255, 255);
        int inside = 0, outside = 0;
        for (int y = 0; y < 60; y++)
            for (int x = 0; x < 200; x++)
            {
                bool lit = At(img, x, y).R > 128;
                bool box = x >= 8 && x < 150 && y >= 16 && y <= 44;
                if (lit && box) inside++;
                if (lit && !box) outside++;
            }
        output.WriteLine($"text: {inside} bright pixels in its box, {outside} outside");
        Assert.True(inside > 100, $"{inside} bright pixels");
        Assert.Equal(0, outside);
    }

    private static int Lit(RgbImage img)
    {
        int n = 0;
        for (int i = 0; i < img.Width * img.Height; i++) if (img.Pixels[3 * i] != 0 || img.Pixels[3 * i + 1] != 0 || img.Pixels[3 * i + 2] != 0) n++;
        return n;
    }
}
