using Npga.Live.Core.Imaging;
using Npga.Live.Pipeline.Reenact;
using Xunit.Abstractions;

namespace Npga.Live.Pipeline.Tests;

/// <summary>The side-by-side layout's OpenCV resize against the project's former triangle-filter resampler.</summary>
public sealed class ReenactSideBySideResizeTests(ITestOutputHelper output)
{
    /// <summary>A webcam-like picture: smooth gradients, a soft disc and stripes a few pixels wide.</summary>
    private static RgbImage Picture(int w, int h)
    {
        var img = new RgbImage(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int o = (y * w + x) * 3;
                double dx = x - 0.45 * w, dy = y - 0.5 * h, disc = Math.Exp(-(dx * dx + dy * dy) / (0.02 * w * w));
                img.Pixels[o] = (byte)(40 + 150.0 * x / w + 60 * disc);
                img.Pixels[o + 1] = (byte)(30 + 120.0 * y / h + 100 * disc);
                img.Pixels[o + 2] = (byte)(127.5 + 100 * Math.Sin(x / 6.0 + y / 9.0));
            }
        return img;
    }

    [Theory]
    [InlineData(1280, 720, 512)] // shrinking: OpenCV's INTER_AREA against the widened triangle filter
    [InlineData(480, 480, 512)]  // enlarging: INTER_LINEAR against bilinear
    [InlineData(640, 480, 256)]
    public void Panel_AgreesWithTheFormerResampler(int dw, int dh, int avatar)
    {
        var driver = Picture(dw, dh);
        var layout = new SideBySideLayout(dw, dh, avatar, avatar);
        var mine = new RgbImage(layout.Width, layout.Height);
        layout.Compose(driver, new RgbImage(avatar, avatar), mine);

        double s = Math.Min((double)layout.PanelWidth / dw, (double)avatar / dh);
        int w = (int)Math.Round(dw * s), h = (int)Math.Round(dh * s);
        var reference = new RgbImage(layout.Width, layout.Height);
        new ReferenceResize.Resampler(dw, dh, w, h).Resample(driver, reference, (layout.PanelWidth - w) / 2, (avatar - h) / 2);

        double sum = 0; int max = 0, n = 0;
        for (int y = 0; y < avatar; y++)
            for (int x = 0; x < 3 * layout.PanelWidth; x++)
            {
                int d = Math.Abs(mine.Pixels[y * mine.Stride + x] - reference.Pixels[y * reference.Stride + x]);
                sum += d; max = Math.Max(max, d); n++;
            }
        output.WriteLine($"{dw}x{dh} -> {w}x{h}: mean |diff| {sum / n:F3}, max {max} (0..255)");
        Assert.True(sum / n < 0.5, $"mean difference {sum / n:F3}");
        Assert.True(max <= 6, $"largest difference {max}");
    }
}
