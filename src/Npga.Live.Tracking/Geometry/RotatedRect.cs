namespace Npga.Live.Tracking.Geometry;

/// <summary>
/// A square region of interest in image pixels: centre, side length and rotation. The rotation
/// <see cref="Angle"/> (radians) is the direction of the region's +x axis in the image (image y
/// points down), so a face whose eye line makes angle φ with the image x axis is cropped upright by
/// a rect with Angle = φ (MediaPipe's rotated ROI, from the eye line).
/// </summary>
/// <param name="CenterX">Centre x, image pixels.</param>
/// <param name="CenterY">Centre y, image pixels.</param>
/// <param name="Size">Side length, image pixels.</param>
/// <param name="Angle">Rotation of the rect's +x axis, radians.</param>
public readonly record struct RotatedRect(double CenterX, double CenterY, double Size, double Angle)
{
    /// <summary>
    /// The map from crop pixels of an <paramref name="outputSize"/>² crop of this rect to image pixels:
    /// crop point (u, v) goes to centre + Size·((u/n − ½)·ex + (v/n − ½)·ey) with ex = (cos a, sin a),
    /// ey = (−sin a, cos a).
    /// </summary>
    public Affine2 CropToImage(int outputSize)
    {
        double k = Size / outputSize, c = Math.Cos(Angle), s = Math.Sin(Angle);
        double a00 = k * c, a01 = -k * s, a10 = k * s, a11 = k * c;
        // (u, v) = (n/2, n/2) maps to the centre.
        double h = outputSize / 2.0;
        return new Affine2(a00, a01, a10, a11, CenterX - (a00 * h + a01 * h), CenterY - (a10 * h + a11 * h));
    }

    /// <summary>
    /// The rect enclosing <paramref name="xy"/> (x, y pairs in image pixels) in the frame rotated by
    /// <paramref name="angle"/>, enlarged by <paramref name="scale"/> and made square on its long side
    /// (MediaPipe's RectTransformation with square_long).
    /// </summary>
    public static RotatedRect Enclosing(ReadOnlySpan<float> xy, double angle, double scale)
    {
        if (xy.Length < 4 || xy.Length % 2 != 0) throw new ArgumentException("need at least two (x, y) points", nameof(xy));
        double c = Math.Cos(angle), s = Math.Sin(angle);
        double minU = double.MaxValue, maxU = double.MinValue, minV = double.MaxValue, maxV = double.MinValue;
        for (int i = 0; i < xy.Length; i += 2)
        {
            double x = xy[i], y = xy[i + 1];
            double u = c * x + s * y, v = -s * x + c * y; // coordinates along the rect's axes
            if (u < minU) minU = u;
            if (u > maxU) maxU = u;
            if (v < minV) minV = v;
            if (v > maxV) maxV = v;
        }
        double cu = (minU + maxU) / 2, cv = (minV + maxV) / 2;
        double size = Math.Max(maxU - minU, maxV - minV) * scale;
        return new RotatedRect(c * cu - s * cv, s * cu + c * cv, size, angle);
    }

    /// <summary>Angle of the line from (x0, y0) to (x1, y1) in image pixels, radians in (−π, π].</summary>
    public static double LineAngle(double x0, double y0, double x1, double y1) => Math.Atan2(y1 - y0, x1 - x0);
}
