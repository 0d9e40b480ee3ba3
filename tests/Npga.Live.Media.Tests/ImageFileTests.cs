using Npga.Live.Core.Imaging;
using Npga.Live.Media.Tests.Support;
using Xunit.Abstractions;

namespace Npga.Live.Media.Tests;

/// <summary>ImageFile: decoding (OpenCV for PNG, JPEG and BMP, GStreamer for the rest), and PNG files that other tools read back identically.</summary>
public class ImageFileTests(ITestOutputHelper output)
{
    private static RgbImage RandomImage(int w, int h, int seed)
    {
        var img = new RgbImage(w, h);
        new Random(seed).NextBytes(img.Span);
        return img;
    }

    [Fact(Timeout = 30_000)]
    public Task One_pixel_png_reads() => Bounded.Run(20, () =>
    {
        var img = ImageFile.Read(TestMedia.OnePixelPng);
        Assert.Equal((1, 1), (img.Width, img.Height));
        Assert.Equal(new byte[] { 10, 20, 30 }, img.Span.ToArray());
    });

    [Fact(Timeout = 30_000)]
    public Task Odd_png_equals_gst_launch_decoding() => Bounded.Run(20, () =>
    {
        var img = ImageFile.Read(TestMedia.OddPng);
        Assert.Equal((113, 67), (img.Width, img.Height));
        var reference = GstLaunch.DecodeToRawRgb(TestMedia.OddPng);
        for (int y = 0; y < 67; y++)
            Assert.True(reference.AsSpan(y * 340, 339).SequenceEqual(img.Row(y)), $"row {y} differs");
    });

    [Fact(Timeout = 30_000)]
    public Task Jpeg_reads() => Bounded.Run(20, () =>
    {
        var img = ImageFile.Read(TestMedia.Jpeg);
        Assert.Equal((200, 150), (img.Width, img.Height));
    });

    [Theory(Timeout = 30_000)]
    [InlineData(1, 1)]
    [InlineData(113, 67)]
    [InlineData(640, 3)]
    public Task WritePng_round_trips_exactly_through_our_reader(int w, int h) => Bounded.Run(20, () =>
    {
        var img = RandomImage(w, h, w * 31 + h);
        var path = TestMedia.NewPath(".png");
        ImageFile.WritePng(img, path);
        var back = ImageFile.Read(path);
        Assert.Equal((w, h), (back.Width, back.Height));
        Assert.True(img.Span.SequenceEqual(back.Span));
    });

    [Fact(Timeout = 30_000)]
    public Task WritePng_is_read_identically_by_gst_launch_pngdec() => Bounded.Run(20, () =>
    {
        var img = RandomImage(113, 67, 5);
        var path = TestMedia.NewPath(".png");
        ImageFile.WritePng(img, path);
        var raw = TestMedia.NewPath(".rgb");
        GstLaunch.Run("filesrc", $"location={path}", "!", "pngdec", "!", "video/x-raw,format=RGB", "!", "filesink", $"location={raw}");
        var reference = File.ReadAllBytes(raw);
        for (int y = 0; y < 67; y++)
            Assert.True(reference.AsSpan(y * 340, 339).SequenceEqual(img.Row(y)), $"row {y} differs");
    });

    [Fact(Timeout = 60_000)]
    public Task WritePng_is_read_identically_by_python_pillow() => Bounded.Run(50, () =>
    {
        const string python = "/usr/bin/python3";
        if (GstLaunch.Exec(python, "-c", "import PIL") is null)
        {
            output.WriteLine("skipped: /usr/bin/python3 with Pillow is not available");
            return;
        }
        var img = RandomImage(113, 67, 9);
        var path = TestMedia.NewPath(".png");
        ImageFile.WritePng(img, path);
        var hex = GstLaunch.Exec(python, "-c",
            "import sys; from PIL import Image; im = Image.open(sys.argv[1]); im.load(); "
            + "print(im.mode, im.size[0], im.size[1], im.tobytes().hex())", path);
        Assert.NotNull(hex);
        var parts = hex.Trim().Split(' ');
        Assert.Equal(new[] { "RGB", "113", "67" }, parts[..3]);
        Assert.Equal(Convert.ToHexStringLower(img.Span), parts[3]);
    });

    [Fact(Timeout = 30_000)]
    public Task WritePng_to_an_unwritable_place_throws_MediaException() => Bounded.Run(20, () =>
    {
        var img = new RgbImage(2, 2);
        var e = Assert.Throws<MediaException>(() => ImageFile.WritePng(img, "/proc/npga-test.png"));
        Assert.Contains("/proc/npga-test.png", e.Message);
        Assert.Throws<MediaException>(() => ImageFile.WritePng(img, Path.Combine(TestMedia.Dir, "no-such-dir", "x.png")));
    });

    [Fact(Timeout = 30_000)]
    public Task Missing_image_says_so() => Bounded.Run(20, () =>
    {
        var e = Assert.Throws<MediaException>(() => ImageFile.Read(Path.Combine(TestMedia.Dir, "nope.png")));
        Assert.Contains("cannot read image", e.Message);
        Assert.Contains("file not found", e.Message);
    });

    [SharedDataFact(Timeout = 30_000)]
    public Task Real_photo_reads_at_its_size() => Bounded.Run(20, () =>
    {
        var img = ImageFile.Read(Path.Combine(RepoPaths.SharedData!, "photos", "s9.jpg"));
        Assert.Equal((720, 1280), (img.Width, img.Height));
    });
}
