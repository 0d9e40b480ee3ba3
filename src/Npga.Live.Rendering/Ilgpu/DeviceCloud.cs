using ILGPU;
using ILGPU.Runtime;
using Npga.Live.Core.Gaussians;

namespace Npga.Live.Rendering.Ilgpu;

/// <summary>
/// A <see cref="GaussianCloud"/>'s arrays on the device, uploaded each frame into buffers that grow and are kept
/// (<see cref="DeviceArray{T}"/>): means [N,3] (metres), rotations [N,4] (w,x,y,z), log-scales [N,3], opacity logits [N],
/// SH [N,(d+1)²,3] and, when the frame composites them, latents [N,L]. Layouts are the cloud's own.
/// </summary>
internal sealed class DeviceCloud(Accelerator accelerator) : IDisposable
{
    private readonly DeviceArray<float> _means = new(accelerator), _rotations = new(accelerator), _logScales = new(accelerator),
        _logits = new(accelerator), _sh = new(accelerator), _latents = new(accelerator);

    /// <summary>Means [N,3] of the last upload.</summary>
    public ArrayView<float> Means { get; private set; }

    /// <summary>Rotations [N,4] of the last upload.</summary>
    public ArrayView<float> Rotations { get; private set; }

    /// <summary>Log-scales [N,3] of the last upload.</summary>
    public ArrayView<float> LogScales { get; private set; }

    /// <summary>Opacity logits [N] of the last upload.</summary>
    public ArrayView<float> Logits { get; private set; }

    /// <summary>SH coefficients [N,(d+1)²,3] of the last upload.</summary>
    public ArrayView<float> Sh { get; private set; }

    /// <summary>Latents [N,L] of the last upload, or a one-float placeholder when they were not uploaded.</summary>
    public ArrayView<float> Latents { get; private set; }

    /// <summary>Copies <paramref name="cloud"/> to the device (synchronously on the accelerator's default stream).</summary>
    /// <param name="cloud">The Gaussians.</param>
    /// <param name="latents">Whether to upload the latents too.</param>
    public void Upload(GaussianCloud cloud, bool latents)
    {
        var stream = accelerator.DefaultStream;
        Means = Copy(_means, cloud.Means, stream);
        Rotations = Copy(_rotations, cloud.Rotations, stream);
        LogScales = Copy(_logScales, cloud.LogScales, stream);
        Logits = Copy(_logits, cloud.OpacityLogits, stream);
        Sh = Copy(_sh, cloud.Sh, stream);
        Latents = latents ? Copy(_latents, cloud.Latents, stream) : _latents.View(1);
    }

    private static ArrayView<float> Copy(DeviceArray<float> dst, float[] src, AcceleratorStream stream)
    {
        var view = dst.View(src.Length);
        if (src.Length > 0) view.CopyFromCPU(stream, new ReadOnlySpan<float>(src));
        return view;
    }

    /// <summary>Frees the device buffers.</summary>
    public void Dispose()
    {
        _means.Dispose(); _rotations.Dispose(); _logScales.Dispose();
        _logits.Dispose(); _sh.Dispose(); _latents.Dispose();
    }
}
