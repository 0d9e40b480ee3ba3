using Npga.Live.Core.Gaussians;

namespace Npga.Live.Rendering;

/// <summary>
/// Renders posed 3D Gaussians (3D Gaussian Splatting, Kerbl et al. 2023, forward pass) into a
/// <see cref="RenderTarget"/>: RGB from spherical harmonics and, when the target has latent channels,
/// NPGA's latent features h composited with the same weights. Every backend produces the same image
/// for the same input (the contract is written out on <see cref="CpuGaussianRenderer"/>).
/// </summary>
public interface IGaussianRenderer
{
    /// <summary>
    /// Overwrites every pixel of <paramref name="target"/> with the render of <paramref name="cloud"/>
    /// seen by <paramref name="camera"/>.
    /// </summary>
    /// <param name="cloud">World-space Gaussians (N may be 0).</param>
    /// <param name="camera">The camera; its Width and Height must equal the target's.</param>
    /// <param name="target">The output; its LatentChannels must be 0 (RGB only) or the cloud's LatentDim.</param>
    void Render(GaussianCloud cloud, Camera camera, RenderTarget target);

    /// <summary>Stage timings and counts of the last <see cref="Render"/>.</summary>
    RenderTimings LastTimings { get; }
}
