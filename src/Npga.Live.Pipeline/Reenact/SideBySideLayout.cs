using Npga.Live.Core.Imaging;
using OpenCvSharp;

namespace Npga.Live.Pipeline.Reenact;

/// <summary>
/// The side-by-side view of reenactment: the driver's frame on the left, scaled to the avatar's height (aspect kept), the
/// avatar's frame on the right. The left panel is the driver's width at that scale, rounded up to an even number of pixels
/// (H.264 needs even sizes); a driver frame of another size later in the stream (a webcam switching resolution) is fitted
/// into the same panel, centred, with black bars (letterbox or pillarbox). Scaling is OpenCV's <c>resize</c> straight into
/// the output's panel: <c>INTER_AREA</c> when shrinking (an area average, no aliasing), <c>INTER_LINEAR</c> when enlarging.
/// Allocates no pixels per frame; not thread-safe.
/// </summary>
public sealed class SideBySideLayout
{
    /// <summary>Lays out a driver of <paramref name="driverWidth"/>×<paramref name="driverHeight"/> beside an avatar of
    /// <paramref name="avatarWidth"/>×<paramref name="avatarHeight"/> (pixels).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A side below 1, or the combined width above <see cref="RgbImage.MaxSide"/>.</exception>
    public SideBySideLayout(int driverWidth, int driverHeight, int avatarWidth, int avatarHeight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(driverWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(driverHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(avatarWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(avatarHeight, 1);
        int panel = (int)Math.Ceiling((double)driverWidth * avatarHeight / driverHeight);
        panel += panel % 2;
        if (panel + avatarWidth > RgbImage.MaxSide)
            throw new ArgumentOutOfRangeException(nameof(driverWidth), $"a {driverWidth}x{driverHeight} driver beside a {avatarWidth}x{avatarHeight} avatar would be {panel + avatarWidth} pixels wide");
        PanelWidth = panel;
        AvatarWidth = avatarWidth;
        Height = avatarHeight;
    }

    /// <summary>Width of the driver's panel, pixels (even).</summary>
    public int PanelWidth { get; }

    /// <summary>Width of the avatar's part, pixels.</summary>
    public int AvatarWidth { get; }

    /// <summary>Output width, pixels: <see cref="PanelWidth"/> + <see cref="AvatarWidth"/>.</summary>
    public int Width => PanelWidth + AvatarWidth;

    /// <summary>Output height, pixels: the avatar's height.</summary>
    public int Height { get; }

    /// <summary>Draws <paramref name="driver"/> (any size) and <paramref name="avatar"/> side by side into <paramref name="output"/>.</summary>
    /// <exception cref="ArgumentException">The avatar or output image has the wrong size.</exception>
    public void Compose(RgbImage driver, RgbImage avatar, RgbImage output)
    {
        if (avatar.Width != AvatarWidth || avatar.Height != Height) throw new ArgumentException($"the avatar frame is {avatar.Width}x{avatar.Height}, the layout expects {AvatarWidth}x{Height}", nameof(avatar));
        if (output.Width != Width || output.Height != Height) throw new ArgumentException($"the output is {output.Width}x{output.Height}, the layout makes {Width}x{Height}", nameof(output));
        double s = Math.Min((double)PanelWidth / driver.Width, (double)Height / driver.Height);
        int dw = Math.Clamp((int)Math.Round(driver.Width * s), 1, PanelWidth), dh = Math.Clamp((int)Math.Round(driver.Height * s), 1, Height);
        int x0 = (PanelWidth - dw) / 2, y0 = (Height - dh) / 2;
        for (int y = 0; y < Height; y++)
        {
            var row = output.Row(y);
            row[..(3 * PanelWidth)].Clear();
            avatar.Row(y).CopyTo(row[(3 * PanelWidth)..]);
        }
        bool shrinking = dw < driver.Width || dh < driver.Height;
        using var src = CvImage.Wrap(driver);
        using var dst = CvImage.Wrap(output);
        using var panel = new Mat(dst.Mat, new Rect(x0, y0, dw, dh));
        Cv2.Resize(src.Mat, panel, new Size(dw, dh), 0, 0, shrinking ? InterpolationFlags.Area : InterpolationFlags.Linear);
    }
}
