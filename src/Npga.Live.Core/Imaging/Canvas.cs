namespace Npga.Live.Core.Imaging;

/// <summary>
/// Minimal drawing on an <see cref="RgbImage"/> for diagnostic overlays (tracked landmarks, pose axes):
/// filled dots and 1-pixel lines, clipped to the image. Not anti-aliased.
/// </summary>
public static class Canvas
{
    /// <summary>Fills a disc of <paramref name="radius"/> pixels centred at (x, y) (image pixels).</summary>
    public static void Dot(RgbImage img, double x, double y, int radius, byte r, byte g, byte b)
    {
        int cx = (int)Math.Floor(x), cy = (int)Math.Floor(y);
        for (int dy = -radius; dy <= radius; dy++)
            for (int dx = -radius; dx <= radius; dx++)
                if (dx * dx + dy * dy <= radius * radius) Set(img, cx + dx, cy + dy, r, g, b);
    }

    /// <summary>Draws a line from (x0, y0) to (x1, y1) (image pixels), <paramref name="width"/> pixels wide.</summary>
    public static void Line(RgbImage img, double x0, double y0, double x1, double y1, byte r, byte g, byte b, int width = 1)
    {
        double len = Math.Max(Math.Abs(x1 - x0), Math.Abs(y1 - y0));
        int steps = (int)Math.Min(Math.Ceiling(len), 100_000);
        int rad = Math.Max(0, width / 2);
        for (int i = 0; i <= steps; i++)
        {
            double t = steps == 0 ? 0 : (double)i / steps;
            double x = x0 + (x1 - x0) * t, y = y0 + (y1 - y0) * t;
            if (rad == 0) Set(img, (int)Math.Floor(x), (int)Math.Floor(y), r, g, b);
            else Dot(img, x, y, rad, r, g, b);
        }
    }

    private static void Set(RgbImage img, int x, int y, byte r, byte g, byte b)
    {
        if ((uint)x >= (uint)img.Width || (uint)y >= (uint)img.Height) return;
        int o = y * img.Stride + x * 3;
        img.Pixels[o] = r;
        img.Pixels[o + 1] = g;
        img.Pixels[o + 2] = b;
    }
}
