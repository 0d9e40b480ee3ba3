namespace Npga.Live.Core.Gaussians;

/// <summary>
/// N 3D Gaussians in structure-of-arrays layout (3D Gaussian Splatting, Kerbl et al. 2023, with NPGA's
/// per-Gaussian feature f and CNN latent h, Giebenhain et al. 2024, eq. 3). Used for the canonical
/// avatar A_c and for the posed Gaussians A_p handed to the renderer. All arrays are row-major per
/// Gaussian:
/// <list type="bullet">
/// <item><see cref="Means"/> [N,3] centres μ, metres (canonical head frame, or world frame when posed).</item>
/// <item><see cref="Rotations"/> [N,4] quaternions (w, x, y, z), not necessarily normalised.</item>
/// <item><see cref="LogScales"/> [N,3] log of the standard deviations along the local axes (log metres).</item>
/// <item><see cref="OpacityLogits"/> [N] opacity before the sigmoid.</item>
/// <item><see cref="Sh"/> [N, (d+1)², 3] spherical-harmonic colour coefficients, coefficient-major with
/// R,G,B innermost (the 3DGS CUDA layout); coefficient 0 is the DC term f_dc.</item>
/// <item><see cref="Features"/> [N, FeatureDim] per-Gaussian features f (NPGA eq. 3), input of F and G.</item>
/// <item><see cref="Latents"/> [N, LatentDim] latent features h composited into the CNN's latent image.</item>
/// </list>
/// </summary>
public sealed class GaussianCloud
{
    /// <summary>Allocates a cloud of <paramref name="count"/> zeroed Gaussians (identity rotations).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative or the SH degree is outside 0..3.</exception>
    public GaussianCloud(int count, int shDegree, int featureDim, int latentDim)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count));
        if (shDegree is < 0 or > 3) throw new ArgumentOutOfRangeException(nameof(shDegree), shDegree, "SH degree must be 0..3");
        if (featureDim < 0) throw new ArgumentOutOfRangeException(nameof(featureDim));
        if (latentDim < 0) throw new ArgumentOutOfRangeException(nameof(latentDim));
        Count = count;
        ShDegree = shDegree;
        FeatureDim = featureDim;
        LatentDim = latentDim;
        Means = new float[count * 3];
        Rotations = new float[count * 4];
        for (int i = 0; i < count; i++) Rotations[4 * i] = 1;
        LogScales = new float[count * 3];
        OpacityLogits = new float[count];
        Sh = new float[count * ShCoefficients * 3];
        Features = new float[count * featureDim];
        Latents = new float[count * latentDim];
    }

    /// <summary>Number of Gaussians N.</summary>
    public int Count { get; }

    /// <summary>SH degree d, 0..3.</summary>
    public int ShDegree { get; }

    /// <summary>SH coefficients per colour channel, (d+1)².</summary>
    public int ShCoefficients => (ShDegree + 1) * (ShDegree + 1);

    /// <summary>Per-Gaussian feature dimension (NPGA: 8).</summary>
    public int FeatureDim { get; }

    /// <summary>Latent channels composited for the CNN (0 when the avatar has no CNN).</summary>
    public int LatentDim { get; }

    /// <summary>Centres μ, [N,3], metres.</summary>
    public float[] Means { get; }

    /// <summary>Rotations q, [N,4], (w, x, y, z).</summary>
    public float[] Rotations { get; }

    /// <summary>Log-scales, [N,3].</summary>
    public float[] LogScales { get; }

    /// <summary>Opacity logits, [N].</summary>
    public float[] OpacityLogits { get; }

    /// <summary>SH coefficients, [N, (d+1)², 3].</summary>
    public float[] Sh { get; }

    /// <summary>Features f, [N, FeatureDim].</summary>
    public float[] Features { get; }

    /// <summary>Latents h, [N, LatentDim].</summary>
    public float[] Latents { get; }

    /// <summary>A deep copy.</summary>
    public GaussianCloud Clone()
    {
        var c = new GaussianCloud(Count, ShDegree, FeatureDim, LatentDim);
        CopyTo(c);
        return c;
    }

    /// <summary>Copies every array into <paramref name="dst"/>, which must have the same sizes.</summary>
    /// <exception cref="ArgumentException">The sizes differ.</exception>
    public void CopyTo(GaussianCloud dst)
    {
        if (dst.Count != Count || dst.ShDegree != ShDegree || dst.FeatureDim != FeatureDim || dst.LatentDim != LatentDim)
            throw new ArgumentException("clouds differ in size", nameof(dst));
        Means.CopyTo(dst.Means, 0);
        Rotations.CopyTo(dst.Rotations, 0);
        LogScales.CopyTo(dst.LogScales, 0);
        OpacityLogits.CopyTo(dst.OpacityLogits, 0);
        Sh.CopyTo(dst.Sh, 0);
        Features.CopyTo(dst.Features, 0);
        Latents.CopyTo(dst.Latents, 0);
    }
}
