using Npga.Live.Core.Gaussians;
using Npga.Live.Rendering;
using Npga.Live.Rendering.Ilgpu;

namespace Npga.Live.GpuCheck;

/// <summary>The renderers the parts measure: the ILGPU renderer on CUDA (on ILGPU's CPU accelerator in a dry run).</summary>
internal static class Devices
{
    /// <summary>A new ILGPU renderer: on CUDA, or on ILGPU's CPU accelerator when <paramref name="dry"/>.</summary>
    /// <exception cref="CudaUnavailableException">Not dry and no CUDA device is found.</exception>
    public static IlgpuGaussianRenderer Ilgpu(bool dry) => new(dry ? IlgpuDeviceKind.Cpu : IlgpuDeviceKind.Cuda);

    /// <summary>"ilgpu-cuda" or, dry, "ilgpu-cpu-accelerator": the name the JSON gives the measured backend.</summary>
    public static string IlgpuName(bool dry) => dry ? "ilgpu-cpu-accelerator" : "ilgpu-cuda";
}

/// <summary>
/// Lends a renderer to an <see cref="Npga.Live.Pipeline.AvatarFrameRenderer"/> without giving it away (the frame renderer
/// disposes an <see cref="IDisposable"/> backend; this wrapper is not one), so one ILGPU context and its compiled kernels
/// serve many configurations in turn.
/// </summary>
internal sealed class Borrowed(IGaussianRenderer inner) : IGaussianRenderer
{
    /// <inheritdoc />
    public void Render(GaussianCloud cloud, Camera camera, RenderTarget target) => inner.Render(cloud, camera, target);

    /// <inheritdoc />
    public RenderTimings LastTimings => inner.LastTimings;
}
