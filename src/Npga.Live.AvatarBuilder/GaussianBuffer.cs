using Npga.Live.Core.Gaussians;

namespace Npga.Live.AvatarBuilder;

/// <summary>
/// A growable list of Gaussians with degree-0 colour, filled by the builder's parts and turned into a
/// <see cref="GaussianCloud"/> at the end. Positions in metres (canonical head frame); each Gaussian is a flat
/// disc: <c>tangentSigma</c> along the two tangent axes, <c>normalSigma</c> along the normal.
/// </summary>
internal sealed class GaussianBuffer
{
    private const float C0 = 0.28209479177387814f; // SH degree-0 constant: colour = C0·f_dc + ½
    private readonly List<float> _means = [], _rots = [], _scales = [], _opacity = [], _dc = [];
    private readonly List<bool> _photo = [];

    public int Count => _opacity.Count;

    /// <summary>Per Gaussian: whether its colour is the photo's at its own place (so it can be looked up again where F puts it at rest).</summary>
    public IReadOnlyList<bool> PhotoColoured => _photo;

    /// <summary>
    /// Adds one disc at <paramref name="p"/> lying in the plane with normal <paramref name="n"/> and in-plane direction
    /// <paramref name="t"/> (need not be unit or orthogonal to n), colour <paramref name="rgb"/> in [0, 1].
    /// </summary>
    public void Add((double X, double Y, double Z) p, (double X, double Y, double Z) n, (double X, double Y, double Z) t,
        double tangentSigma, double normalSigma, (double R, double G, double B) rgb, double opacity, bool photoColoured = false)
        => AddAnisotropic(p, n, t, tangentSigma, tangentSigma, normalSigma, rgb, opacity, photoColoured);

    /// <summary>As <see cref="Add"/>, with σ <paramref name="sigmaT"/> along t and <paramref name="sigmaB"/> across it (in the plane).</summary>
    public void AddAnisotropic((double X, double Y, double Z) p, (double X, double Y, double Z) n, (double X, double Y, double Z) t,
        double sigmaT, double sigmaB, double normalSigma, (double R, double G, double B) rgb, double opacity, bool photoColoured = false)
    {
        var nz = Normalize(n);
        double d = Dot(t, nz);
        var tx = Normalize((t.X - d * nz.X, t.Y - d * nz.Y, t.Z - d * nz.Z));
        if (double.IsNaN(tx.X)) tx = Normalize(Math.Abs(nz.X) < 0.9 ? Cross(nz, (1, 0, 0)) : Cross(nz, (0, 1, 0)));
        var ty = Cross(nz, tx);
        // Rotation with columns (tx, ty, nz): local axis 0 → tx, 1 → ty, 2 → normal.
        var q = Npga.Live.Avatar.Rotation.QuaternionFromMatrix([tx.X, ty.X, nz.X, tx.Y, ty.Y, nz.Y, tx.Z, ty.Z, nz.Z]);
        _means.AddRange([(float)p.X, (float)p.Y, (float)p.Z]);
        _rots.AddRange([(float)q.W, (float)q.X, (float)q.Y, (float)q.Z]);
        _scales.AddRange([(float)Math.Log(sigmaT), (float)Math.Log(sigmaB), (float)Math.Log(normalSigma)]);
        double o = Math.Clamp(opacity, 1e-4, 1 - 1e-4);
        _opacity.Add((float)Math.Log(o / (1 - o)));
        _dc.AddRange([Dc(rgb.R), Dc(rgb.G), Dc(rgb.B)]);
        _photo.Add(photoColoured);
    }

    /// <summary>Sets the degree-0 SH coefficients of Gaussian <paramref name="i"/> of <paramref name="cloud"/> to colour <paramref name="rgb"/> in [0, 1].</summary>
    public static void SetColour(GaussianCloud cloud, int i, (double R, double G, double B) rgb)
    {
        int s = 3 * i * (cloud.ShDegree + 1) * (cloud.ShDegree + 1);
        cloud.Sh[s] = Dc(rgb.R);
        cloud.Sh[s + 1] = Dc(rgb.G);
        cloud.Sh[s + 2] = Dc(rgb.B);
    }

    private static float Dc(double colour) => (float)((colour - 0.5) / C0);

    /// <summary>The Gaussians as a cloud of SH degree 0 with <paramref name="featureDim"/> (zeroed) features and no latents.</summary>
    public GaussianCloud ToCloud(int featureDim)
    {
        var c = new GaussianCloud(Count, 0, featureDim, 0);
        _means.CopyTo(c.Means);
        _rots.CopyTo(c.Rotations);
        _scales.CopyTo(c.LogScales);
        _opacity.CopyTo(c.OpacityLogits);
        _dc.CopyTo(c.Sh);
        return c;
    }

    internal static double Dot((double X, double Y, double Z) a, (double X, double Y, double Z) b) => a.X * b.X + a.Y * b.Y + a.Z * b.Z;

    internal static (double X, double Y, double Z) Cross((double X, double Y, double Z) a, (double X, double Y, double Z) b)
        => (a.Y * b.Z - a.Z * b.Y, a.Z * b.X - a.X * b.Z, a.X * b.Y - a.Y * b.X);

    internal static (double X, double Y, double Z) Normalize((double X, double Y, double Z) a)
    {
        double l = Math.Sqrt(Dot(a, a));
        return (a.X / l, a.Y / l, a.Z / l);
    }
}
