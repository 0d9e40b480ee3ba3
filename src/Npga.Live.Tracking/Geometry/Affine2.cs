namespace Npga.Live.Tracking.Geometry;

/// <summary>
/// A 2D affine map p' = [A00 A01; A10 A11]·p + [B0; B1], used between crop pixels and image pixels.
/// Both spaces use continuous pixel coordinates with pixel (i, j) centred at (i + 0.5, j + 0.5).
/// </summary>
public readonly record struct Affine2(double A00, double A01, double A10, double A11, double B0, double B1)
{
    /// <summary>Applies the map to (x, y).</summary>
    public (double X, double Y) Apply(double x, double y) => (A00 * x + A01 * y + B0, A10 * x + A11 * y + B1);

    /// <summary>Applies only the linear part (for directions and offsets).</summary>
    public (double X, double Y) ApplyLinear(double x, double y) => (A00 * x + A01 * y, A10 * x + A11 * y);

    /// <summary>
    /// Maps <paramref name="count"/> points (x, y, z per point) from crop pixels to image pixels: x, y through the map, z
    /// (depth in the same pixel scale as x) multiplied by <see cref="Scale"/>.
    /// </summary>
    /// <param name="src">Points in crop pixels, at least 3·count floats.</param>
    /// <param name="dst">Destination, at least 3·count floats.</param>
    /// <param name="count">Number of points.</param>
    public void MapPoints(ReadOnlySpan<float> src, Span<float> dst, int count)
    {
        float zScale = (float)Scale;
        for (int i = 0; i < count; i++)
        {
            var (x, y) = Apply(src[3 * i], src[3 * i + 1]);
            dst[3 * i] = (float)x;
            dst[3 * i + 1] = (float)y;
            dst[3 * i + 2] = src[3 * i + 2] * zScale;
        }
    }

    /// <summary>Uniform scale factor of the linear part (sqrt |det A|): image pixels per crop pixel for a crop map.</summary>
    public double Scale => Math.Sqrt(Math.Abs(A00 * A11 - A01 * A10));

    /// <summary>The inverse map.</summary>
    /// <exception cref="InvalidOperationException">The linear part is singular.</exception>
    public Affine2 Inverse()
    {
        double det = A00 * A11 - A01 * A10;
        if (Math.Abs(det) < 1e-300) throw new InvalidOperationException("singular affine map");
        double i00 = A11 / det, i01 = -A01 / det, i10 = -A10 / det, i11 = A00 / det;
        return new Affine2(i00, i01, i10, i11, -(i00 * B0 + i01 * B1), -(i10 * B0 + i11 * B1));
    }
}
