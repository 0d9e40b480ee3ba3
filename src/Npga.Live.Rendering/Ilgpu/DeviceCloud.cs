using ILGPU;
using ILGPU.Runtime;
using Npga.Live.Core.Gaussians;

namespace Npga.Live.Rendering.Ilgpu;

/// <summary>
/// A <see cref="GaussianCloud"/>'s arrays on the device, uploaded each frame: means [N,3] (metres), rotations [N,4] (w,x,y,z),
/// log-scales [N,3], opacity logits [N], SH [N,(d+1)²,3] and, when the frame composites them, latents [N,L], in the cloud's own
/// layouts. They are packed one after another into a page-locked staging array and sent in one transfer to one device
/// buffer; the views below are slices of it. Both buffers grow and are kept.
/// </summary>
internal sealed class DeviceCloud(Accelerator accelerator) : IDisposable
{
    private readonly PinnedArray<float> _staging = new(accelerator);
    private readonly DeviceArray<float> _packed = new(accelerator);

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

    /// <summary>Copies <paramref name="cloud"/> to the device (enqueued on <paramref name="stream"/>; the staging array is
    /// reused next frame, so the caller synchronises before the next upload).</summary>
    /// <param name="cloud">The Gaussians.</param>
    /// <param name="latents">Whether to upload the latents too.</param>
    /// <param name="stream">The accelerator's stream.</param>
    public void Upload(GaussianCloud cloud, bool latents, AcceleratorStream stream)
    {
        float[] lat = latents ? cloud.Latents : [];
        long total = (long)cloud.Means.Length + cloud.Rotations.Length + cloud.LogScales.Length + cloud.OpacityLogits.Length + cloud.Sh.Length + lat.Length + 1;
        if (total > int.MaxValue) throw new ArgumentException($"the cloud holds {total} floats, more than one transfer takes", nameof(cloud));
        _staging.Reserve(total);
        var host = _staging.Span((int)total);
        var device = _packed.View(total);
        int offset = 0;
        Means = Stage(cloud.Means, host, device, ref offset);
        Rotations = Stage(cloud.Rotations, host, device, ref offset);
        LogScales = Stage(cloud.LogScales, host, device, ref offset);
        Logits = Stage(cloud.OpacityLogits, host, device, ref offset);
        Sh = Stage(cloud.Sh, host, device, ref offset);
        Latents = latents ? Stage(lat, host, device, ref offset) : device.SubView(offset, 1);
        device.SubView(0, offset).CopyFrom(stream, _staging.View(offset));
    }

    private static ArrayView<float> Stage(float[] src, Span<float> host, ArrayView1D<float, Stride1D.Dense> device, ref int offset)
    {
        src.CopyTo(host[offset..]);
        var view = device.SubView(offset, src.Length);
        offset += src.Length;
        return view;
    }

    /// <summary>Frees the staging and device buffers.</summary>
    public void Dispose()
    {
        _staging.Dispose();
        _packed.Dispose();
    }
}
