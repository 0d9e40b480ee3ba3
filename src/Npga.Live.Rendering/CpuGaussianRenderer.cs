using System.Diagnostics;
using Npga.Live.Core.Gaussians;
using Npga.Live.Rendering.Cpu;

namespace Npga.Live.Rendering;

/// <summary>
/// The managed CPU backend of <see cref="IGaussianRenderer"/>: the forward pass of 3D Gaussian Splatting
/// (Kerbl et al. 2023) in the three stages of gsplat — <c>Projection</c>, <c>IntersectTile</c>,
/// <c>Rasterize</c> (see those types in <c>Cpu/</c> for the math of each) — with the work shared out among
/// the threads (Gaussians in chunks, then tiles) and each tile row evaluated with SIMD (AVX-512 or AVX2,
/// a scalar path elsewhere). The threads are the caller plus <c>threads − 1</c> background threads owned
/// by the renderer (a small allocation-free pool in place of <c>Parallel.For</c>, which allocates on every
/// call); <see cref="Dispose"/> stops them.
/// <para>
/// The image contract (what every backend must reproduce): Gaussians culled when z_c ≤ camera.Near (3DGS
/// hard-codes 0.2 m; <see cref="Camera.Near"/> defaults to the same) or opacity &lt; 1/255; 2D covariance by
/// EWA with x/z, y/z clamped to ±1.3·tan(fov/2), tan(fovx/2) = W/(2·fx) as in 3DGS even when the principal
/// point is off-centre, and +0.3 px² on the diagonal; a Gaussian is evaluated on every pixel of the 16×16 tiles touched by its 3σ box
/// (σ² = largest eigenvalue); per pixel, front to back by camera depth (ties to the lower index),
/// α = min(0.99, o·exp(power)) with α &lt; 1/255 skipped and the pixel stopped before a Gaussian that would
/// bring T below 1e−4; RGB = Σ colour·α·T + T·background, latent = Σ h·α·T. Pixel (i, j) is sampled at
/// (i + 0.5, j + 0.5) in the camera's image coordinates.
/// </para>
/// <para>
/// After the first frames (buffers grow to the largest cloud and tile lists seen) a render allocates
/// nothing. One render at a time per instance; instances are independent.
/// </para>
/// </summary>
public sealed class CpuGaussianRenderer : IGaussianRenderer, IDisposable
{
    /// <summary>Gaussians per projection work item.</summary>
    private const int ProjectChunk = Projection.Chunk;

    private readonly WorkerPool _pool;
    private readonly ProjectedGaussians _projected = new();
    private readonly IntersectTile _bins;
    private readonly Rasterize _rasterize;
    private readonly ProjectWork _projectWork;
    private bool _disposed;

    /// <summary>Creates a renderer.</summary>
    /// <param name="threads">Threads rendering each frame, the caller's included; default: every core (<see cref="Environment.ProcessorCount"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is below 1.</exception>
    public CpuGaussianRenderer(int? threads = null)
        : this(threads, SimdPath.Auto)
    {
    }

    /// <summary>Creates a renderer with a chosen rasterizer kernel (tests compare them).</summary>
    internal CpuGaussianRenderer(int? threads, SimdPath path)
    {
        int n = threads ?? Environment.ProcessorCount;
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(threads), n, "need at least one thread");
        _pool = new WorkerPool(n);
        _bins = new IntersectTile(_pool);
        _rasterize = new Rasterize(n, path);
        _projectWork = new ProjectWork(_projected, n);
    }

    /// <summary>Threads rendering each frame.</summary>
    public int Threads => _pool.Workers;

    /// <summary>The rasterizer kernel in use.</summary>
    internal SimdPath Path => _rasterize.Path;

    /// <summary>The tile lists of the last frame (tests).</summary>
    internal IntersectTile Bins => _bins;

    /// <summary>The projection output of the last frame (tests).</summary>
    internal ProjectedGaussians Projected => _projected;

    /// <inheritdoc />
    public RenderTimings LastTimings { get; private set; }

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The camera's size differs from the target's, the target's latent channels are neither 0 nor the cloud's LatentDim, or the camera's R/T have the wrong length.</exception>
    /// <exception cref="ObjectDisposedException">The renderer was disposed.</exception>
    public void Render(GaussianCloud cloud, Camera camera, RenderTarget target)
    {
        RenderArguments.Check(cloud, camera, target);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var view = new Projection.View(camera);

        long t0 = Stopwatch.GetTimestamp();
        _projected.Resize(cloud.Count);
        _projectWork.Set(cloud, view);
        _pool.Run(_projectWork, (cloud.Count + ProjectChunk - 1) / ProjectChunk);
        _projectWork.Clear();

        long t1 = Stopwatch.GetTimestamp();
        _bins.Run(_projected, view.TilesX, view.TilesY);

        long t2 = Stopwatch.GetTimestamp();
        _rasterize.Prepare(_projected, _bins, target, cloud.Latents, view.TilesX);
        _pool.Run(_rasterize, _bins.Tiles);
        _rasterize.Release();

        long t3 = Stopwatch.GetTimestamp();
        LastTimings = new RenderTimings(
            Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds,
            Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds,
            Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds,
            _bins.Visible,
            _bins.Instances);
    }

    /// <summary>Stops the worker threads.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _pool.Dispose();
    }

    /// <summary>Projection over chunks of <see cref="ProjectChunk"/> Gaussians (cached: no per-frame closure).</summary>
    private sealed class ProjectWork(ProjectedGaussians dst, int workers) : IParallelWork
    {
        private readonly Projection.Scratch[] _scratch = Enumerable.Range(0, workers).Select(_ => new Projection.Scratch()).ToArray();
        private GaussianCloud? _cloud;
        private Projection.View _view;

        public void Set(GaussianCloud cloud, in Projection.View view) { _cloud = cloud; _view = view; }

        public void Clear() => _cloud = null;

        public void Execute(int item, int worker)
        {
            var cloud = _cloud!;
            int begin = item * ProjectChunk, end = Math.Min(cloud.Count, begin + ProjectChunk);
            Projection.Project(cloud, _view, begin, end, dst, _scratch[worker]);
        }
    }
}
