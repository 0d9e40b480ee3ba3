using Npga.Live.Core.Gaussians;

namespace Npga.Live.Rendering;

/// <summary>The argument checks every <see cref="IGaussianRenderer.Render"/> makes.</summary>
internal static class RenderArguments
{
    /// <summary>Checks that <paramref name="camera"/> and <paramref name="target"/> fit each other and <paramref name="cloud"/>.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The camera's size differs from the target's, or the target's latent channels are neither 0 nor the cloud's LatentDim.</exception>
    public static void Check(GaussianCloud cloud, Camera camera, RenderTarget target)
    {
        ArgumentNullException.ThrowIfNull(cloud);
        ArgumentNullException.ThrowIfNull(camera);
        ArgumentNullException.ThrowIfNull(target);
        if (camera.Width != target.Width || camera.Height != target.Height)
            throw new ArgumentException($"camera is {camera.Width}x{camera.Height}, target is {target.Width}x{target.Height}", nameof(camera));
        if (target.LatentChannels != 0 && target.LatentChannels != cloud.LatentDim)
            throw new ArgumentException($"target has {target.LatentChannels} latent channels, the cloud has {cloud.LatentDim} (use 0 for an RGB-only render)", nameof(target));
    }
}
