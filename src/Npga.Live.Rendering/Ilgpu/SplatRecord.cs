namespace Npga.Live.Rendering.Ilgpu;

/// <summary>
/// One projected Gaussian as the rasterizer reads it (44 bytes; 3DGS's <c>points_xy_image</c>, <c>conic_opacity</c> and
/// <c>rgb</c> in one record, so a batch loads into shared memory in one go). Pixel coordinates follow
/// <see cref="Npga.Live.Core.Gaussians.Camera"/>: pixel (i, j) is centred at (i + 0.5, j + 0.5).
/// </summary>
internal struct SplatRecord
{
    /// <summary>Projected mean μ', pixels.</summary>
    public float U, V;

    /// <summary>Conic Σ'⁻¹ = [[A, B], [B, C]], px⁻².</summary>
    public float ConicA, ConicB, ConicC;

    /// <summary>Opacity o = sigmoid(logit), 1/255..1.</summary>
    public float Opacity;

    /// <summary>View-dependent colour from SH (+0.5, clamped at 0), display units.</summary>
    public float Red, Green, Blue;

    /// <summary>Index of the Gaussian in the cloud (its latent row).</summary>
    public int Id;
}
