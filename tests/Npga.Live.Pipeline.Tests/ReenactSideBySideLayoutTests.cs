using Npga.Live.Core.Imaging;
using Npga.Live.Pipeline.Reenact;

namespace Npga.Live.Pipeline.Tests;

/// <summary>The side-by-side layout: sizes, where each image lands, letterboxing, and shrinking without aliasing.</summary>
public sealed class ReenactSideBySideLayoutTests
{
    private static RgbImage Solid(int w, int h, byte r, byte g, byte b)
    {
        var img = new RgbImage(w, h);
        for (int i = 0; i < w * h; i++) { img.Pixels[3 * i] = r; img.Pixels[3 * i + 1] = g; img.Pixels[3 * i + 2] = b; }
        return img;
    }

    private static (byte R, byte G, byte B) At(RgbImage img, int x, int y)
    {
        int o = (y * img.Width + x) * 3;
        return (img.Pixels[o], img.Pixels[o + 1], img.Pixels[o + 2]);
    }

    [Theory]
    [InlineData(480, 480, 512, 512, 512)]  // d6: square, scaled up
    [InlineData(512, 480, 512, 512, 548)]  // d9: 546.1 px wide at 512 high, rounded up to even
    [InlineData(1280, 720, 512, 512, 912)] // a 16:9 webcam
    [InlineData(720, 1280, 256, 256, 144)] // portrait
    public void PanelIsTheDriverScaledToTheAvatarsHeight(int dw, int dh, int aw, int ah, int panel)
    {
        var l = new SideBySideLayout(dw, dh, aw, ah);
        Assert.Equal(panel, l.PanelWidth);
        Assert.Equal(panel + aw, l.Width);
        Assert.Equal(ah, l.Height);
        Assert.Equal(0, l.Width % 2);
    }

    [Fact]
    public void DriverLeft_AvatarRight_ColoursKept()
    {
        var l = new SideBySideLayout(300, 200, 64, 48);
        var output = new RgbImage(l.Width, l.Height);
        l.Compose(Solid(300, 200, 200, 10, 30), Solid(64, 48, 5, 250, 7), output);
        Assert.Equal(72, l.PanelWidth);
        for (int y = 0; y < l.Height; y += 7)
        {
            for (int x = 0; x < l.PanelWidth; x += 5) Assert.Equal(((byte)200, (byte)10, (byte)30), At(output, x, y));
            for (int x = l.PanelWidth; x < l.Width; x += 5) Assert.Equal(((byte)5, (byte)250, (byte)7), At(output, x, y));
        }
    }

    [Fact]
    public void DriverOfAnotherSize_IsFittedWithBlackBars()
    {
        var l = new SideBySideLayout(100, 100, 40, 40); // panel 40 wide
        var output = new RgbImage(l.Width, l.Height);
        l.Compose(Solid(200, 100, 255, 255, 255), Solid(40, 40, 0, 0, 255), output); // 2:1 now: 40x20, bars above and below
        Assert.Equal(((byte)0, (byte)0, (byte)0), At(output, 20, 3));
        Assert.Equal(((byte)255, (byte)255, (byte)255), At(output, 20, 20));
        Assert.Equal(((byte)0, (byte)0, (byte)0), At(output, 20, 36));
        l.Compose(Solid(50, 100, 255, 255, 255), Solid(40, 40, 0, 0, 255), output); // 1:2: 20x40, bars left and right
        Assert.Equal(((byte)0, (byte)0, (byte)0), At(output, 3, 20));
        Assert.Equal(((byte)255, (byte)255, (byte)255), At(output, 20, 20));
        Assert.Equal(((byte)0, (byte)0, (byte)255), At(output, 45, 20));
    }

    [Fact]
    public void Shrinking_AveragesFineDetail_InsteadOfAliasing()
    {
        // A one-pixel checkerboard shrunk 4x must come out mid-grey everywhere, not black/white moiré.
        var driver = new RgbImage(256, 256);
        for (int y = 0; y < 256; y++)
            for (int x = 0; x < 256; x++)
                if (((x + y) & 1) == 0) { int o = (y * 256 + x) * 3; driver.Pixels[o] = driver.Pixels[o + 1] = driver.Pixels[o + 2] = 255; }
        var l = new SideBySideLayout(256, 256, 64, 64);
        var output = new RgbImage(l.Width, l.Height);
        l.Compose(driver, new RgbImage(64, 64), output);
        for (int y = 2; y < 62; y++)
            for (int x = 2; x < 62; x++)
                Assert.InRange(At(output, x, y).R, 110, 145);
    }

    [Fact]
    public void WrongSizes_AreRefused()
    {
        var l = new SideBySideLayout(64, 64, 32, 32);
        Assert.Throws<ArgumentException>(() => l.Compose(new RgbImage(64, 64), new RgbImage(30, 32), new RgbImage(l.Width, l.Height)));
        Assert.Throws<ArgumentException>(() => l.Compose(new RgbImage(64, 64), new RgbImage(32, 32), new RgbImage(10, 10)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SideBySideLayout(0, 64, 32, 32));
    }
}
