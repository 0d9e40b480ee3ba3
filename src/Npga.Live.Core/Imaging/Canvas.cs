using OpenCvSharp;

namespace Npga.Live.Core.Imaging;

/// <summary>
/// Drawing on an <see cref="RgbImage"/> for diagnostic overlays (tracked landmarks, pose axes, labels), through OpenCV's
/// <c>circle</c>, <c>line</c> and <c>putText</c> on the image's own pixels (<see cref="CvImage.Wrap"/>): filled dots, lines
/// (anti-aliased, sub-pixel end points) and text (Hershey simplex, anti-aliased), all clipped to the image. Positions are
/// image pixels in the project's convention (pixel (i, j) centred at (i + ½, j + ½)); colours R,G,B bytes. Each call pins
/// the image and allocates one Mat header.
/// </summary>
public static class Canvas
{
    /// <summary>Sub-pixel bits of OpenCV's fixed-point coordinates (1/16 pixel).</summary>
    private const int Shift = 4;

    /// <summary>Fills a disc of <paramref name="radius"/> pixels centred on the pixel holding (x, y) (image pixels).</summary>
    /// <param name="img">The image drawn on, in place.</param>
    /// <param name="x">Centre x, image pixels.</param>
    /// <param name="y">Centre y, image pixels.</param>
    /// <param name="radius">Radius, pixels; 0 sets one pixel.</param>
    /// <param name="r">Red, 0..255.</param>
    /// <param name="g">Green, 0..255.</param>
    /// <param name="b">Blue, 0..255.</param>
    public static void Dot(RgbImage img, double x, double y, int radius, byte r, byte g, byte b)
    {
        if (!double.IsFinite(x) || !double.IsFinite(y)) return;
        using var m = CvImage.Wrap(img);
        var centre = new Point(Clamp(Math.Floor(x)), Clamp(Math.Floor(y)));
        Cv2.Circle(m.Mat, centre, Math.Max(0, radius), CvImage.Rgb(r, g, b), -1, LineTypes.Link8);
    }

    /// <summary>Draws a line from (x0, y0) to (x1, y1) (image pixels), <paramref name="width"/> pixels wide, anti-aliased.</summary>
    /// <param name="img">The image drawn on, in place.</param>
    /// <param name="x0">Start x, image pixels.</param>
    /// <param name="y0">Start y, image pixels.</param>
    /// <param name="x1">End x, image pixels.</param>
    /// <param name="y1">End y, image pixels.</param>
    /// <param name="r">Red, 0..255.</param>
    /// <param name="g">Green, 0..255.</param>
    /// <param name="b">Blue, 0..255.</param>
    /// <param name="width">Thickness, pixels, at least 1.</param>
    public static void Line(RgbImage img, double x0, double y0, double x1, double y1, byte r, byte g, byte b, int width = 1)
    {
        if (!double.IsFinite(x0) || !double.IsFinite(y0) || !double.IsFinite(x1) || !double.IsFinite(y1)) return;
        using var m = CvImage.Wrap(img);
        Cv2.Line(m.Mat, Fixed(x0, y0), Fixed(x1, y1), CvImage.Rgb(r, g, b), Math.Max(1, width), LineTypes.AntiAlias, Shift);
    }

    /// <summary>
    /// Writes <paramref name="text"/> (ASCII; other characters show as '?') with its baseline's left end at (x, y) (image pixels),
    /// <paramref name="height"/> pixels from baseline to the top of a capital, with a dark outline so it reads on any background.
    /// </summary>
    /// <param name="img">The image drawn on, in place.</param>
    /// <param name="text">The label.</param>
    /// <param name="x">Left end of the baseline, image pixels.</param>
    /// <param name="y">Baseline, image pixels.</param>
    /// <param name="height">Cap height, pixels (at least 4).</param>
    /// <param name="r">Red, 0..255.</param>
    /// <param name="g">Green, 0..255.</param>
    /// <param name="b">Blue, 0..255.</param>
    public static void Text(RgbImage img, string text, double x, double y, int height, byte r, byte g, byte b)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0 || !double.IsFinite(x) || !double.IsFinite(y)) return;
        var ascii = string.Create(text.Length, text, (span, t) => { for (int i = 0; i < t.Length; i++) span[i] = t[i] is >= ' ' and <= '~' ? t[i] : '?'; });
        height = Math.Max(4, height);
        // Hershey simplex: a capital is about 22 units of 30 tall at scale 1.
        double scale = height / 22.0;
        int thickness = Math.Max(1, height / 10);
        var origin = new Point(Clamp(Math.Floor(x)), Clamp(Math.Floor(y)));
        using var m = CvImage.Wrap(img);
        Cv2.PutText(m.Mat, ascii, origin, HersheyFonts.HersheySimplex, scale, Scalar.All(0), thickness + 2, LineTypes.AntiAlias);
        Cv2.PutText(m.Mat, ascii, origin, HersheyFonts.HersheySimplex, scale, CvImage.Rgb(r, g, b), thickness, LineTypes.AntiAlias);
    }

    private static int Clamp(double v) => (int)Math.Clamp(v, -1e6, 1e6);

    /// <summary>OpenCV fixed-point point of the project's continuous position (x, y).</summary>
    private static Point Fixed(double x, double y)
        => new(Clamp(Math.Round((x - 0.5) * (1 << Shift))), Clamp(Math.Round((y - 0.5) * (1 << Shift))));
}
