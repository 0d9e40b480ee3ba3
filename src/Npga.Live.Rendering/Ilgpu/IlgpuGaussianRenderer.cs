using System.Diagnostics;
using ILGPU;
using ILGPU.Runtime;
using Npga.Live.Core.Gaussians;
using Npga.Live.Rendering.Cpu;

namespace Npga.Live.Rendering.Ilgpu;

/// <summary>
/// The ILGPU backend of <see cref="IGaussianRenderer"/>: the forward pass of 3D Gaussian Splatting (Kerbl et al. 2023) as
/// device kernels in gsplat's three stages — <see cref="IlgpuProjection"/> (EWA splatting, Zwicker et al. 2002, and SH
/// colour), <see cref="IlgpuIntersectTile"/> (tile lists by two stable radix sorts), <see cref="IlgpuRasterize"/> (front-to-back
/// compositing of RGB and latents per 16×16 tile) — reproducing the image contract written out on
/// <see cref="CpuGaussianRenderer"/> with the same constants (near plane, 1.3·tan(fov/2) clamp, 0.3 px² dilation, 3σ tile
/// boxes, α ≤ 0.99, α &lt; 1/255 skipped, stop before T &lt; 1e−4).
/// <para>
/// The kernels run on CUDA through ILGPU's PTX backend, which needs only the NVIDIA driver (the driver library is looked for
/// as <c>libcuda.so</c> and <c>libcuda.so.1</c>), or on ILGPU's CPU accelerator, slowly, for tests and parity checks (the
/// SIMD <see cref="CpuGaussianRenderer"/> is the CPU serving path).
/// </para>
/// <para>
/// Per frame: the cloud is uploaded (means, rotations, log-scales, logits, SH, and latents when the target has latent
/// channels; packed into one page-locked staging array, one transfer), projected, binned (one small read-back: the number of
/// tile instances, which sizes the lists), rasterized, and the planes come back through a page-locked array into the target.
/// Device and staging buffers grow to the largest frame seen and are kept: nothing is allocated after warm-up by the
/// renderer's own code (ILGPU's CPU accelerator allocates a small task object per kernel launch, some 17 KB a frame with
/// the radix sorts' launches; whether CUDA launches allocate is checked by <c>IlgpuCudaTests</c> on a GPU machine). One render
/// at a time per instance.
/// </para>
/// </summary>
public sealed class IlgpuGaussianRenderer : IGaussianRenderer, IDisposable
{
    private readonly Context _context;
    private readonly Accelerator _accelerator;
    private readonly DeviceCloud _cloud;
    private readonly IlgpuProjection _projection;
    private readonly IlgpuIntersectTile _bins;
    private readonly IlgpuRasterize _rasterize;
    private readonly PinnedArray<float> _planes;
    private bool _disposed;

    /// <summary>Creates the accelerator and compiles the kernels (a second or so on CUDA).</summary>
    /// <param name="device">Where the kernels run; <see cref="IlgpuDeviceKind.Auto"/> takes CUDA when a device is found.</param>
    /// <exception cref="CudaUnavailableException"><paramref name="device"/> is <see cref="IlgpuDeviceKind.Cuda"/> and no CUDA device is found.</exception>
    public IlgpuGaussianRenderer(IlgpuDeviceKind device = IlgpuDeviceKind.Auto)
    {
        (_context, _accelerator) = IlgpuAccelerators.Create(device);
        try
        {
            _cloud = new DeviceCloud(_accelerator);
            _projection = new IlgpuProjection(_accelerator);
            _bins = new IlgpuIntersectTile(_accelerator);
            _rasterize = new IlgpuRasterize(_accelerator);
            _planes = new PinnedArray<float>(_accelerator);
        }
        catch
        {
            _accelerator.Dispose();
            _context.Dispose();
            throw;
        }
    }

    /// <summary>Whether the kernels run on a CUDA device (else on ILGPU's CPU accelerator).</summary>
    public bool OnCuda => _accelerator.AcceleratorType == AcceleratorType.Cuda;

    /// <summary>The accelerator's name as ILGPU reports it (the GPU's name on CUDA).</summary>
    public string DeviceName => _accelerator.Name;

    /// <summary>Threads per group of the rasterizer (256 on a GPU; 16 on the CPU accelerator).</summary>
    internal int RasterGroupSize => _rasterize.GroupSize;

    /// <summary>The tile lists of the last frame (tests).</summary>
    internal IlgpuIntersectTile Bins => _bins;

    /// <summary>The projection of the last frame (tests).</summary>
    internal IlgpuProjection Projection => _projection;

    /// <inheritdoc />
    public RenderTimings LastTimings { get; private set; }

    /// <inheritdoc />
    /// <remarks>Stage times include the uploads (projection) and the copy of the planes back (rasterization); each stage ends
    /// with a synchronisation so the times are the device's.</remarks>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The camera's size differs from the target's, the target's latent channels are neither 0 nor the cloud's LatentDim, or the camera's R/T have the wrong length.</exception>
    /// <exception cref="ObjectDisposedException">The renderer was disposed.</exception>
    public void Render(GaussianCloud cloud, Camera camera, RenderTarget target)
    {
        RenderArguments.Check(cloud, camera, target);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var view = new Projection.View(camera);
        var p = new ViewParams(view, cloud.ShDegree);
        var stream = _accelerator.DefaultStream;
        int latents = target.LatentChannels;

        long t0 = Stopwatch.GetTimestamp();
        _cloud.Upload(cloud, latents > 0, stream);
        _projection.Run(_cloud, cloud.Count, p, stream);
        stream.Synchronize();

        long t1 = Stopwatch.GetTimestamp();
        _bins.Run(_projection, cloud.Count, view.TilesX, view.TilesY);
        stream.Synchronize();

        long t2 = Stopwatch.GetTimestamp();
        _rasterize.Run(_bins, _projection.Splats, _cloud.Latents, view.Width, view.Height, view.TilesX, view.TilesY, latents, target.Background);
        _planes.Reserve(_rasterize.Output.Length);
        _planes.View(_rasterize.Output.Length).CopyFrom(stream, _rasterize.Output);
        stream.Synchronize();
        _planes.Span(target.Planes.Length).CopyTo(target.Planes);

        long t3 = Stopwatch.GetTimestamp();
        LastTimings = new RenderTimings(
            Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds,
            Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds,
            Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds,
            _bins.Visible,
            _bins.Instances);
    }

    /// <summary>Frees the device buffers, the accelerator and the context.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _planes.Dispose();
        _rasterize.Dispose();
        _bins.Dispose();
        _projection.Dispose();
        _cloud.Dispose();
        _accelerator.Dispose();
        _context.Dispose();
    }
}
