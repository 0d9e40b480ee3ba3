using ILGPU;
using ILGPU.Runtime;
using Npga.Live.Rendering.Cpu;

namespace Npga.Live.Rendering.Ilgpu;

/// <summary>
/// Stage 3 of 3 on the device — rasterization (gsplat's <c>Rasterize</c>, 3DGS's <c>renderCUDA</c>): one group per 16×16
/// tile, one thread per pixel, the tile's list walked front to back in batches of <see cref="BatchSize"/> records that the
/// group loads into shared memory together. Per pixel centre p and Gaussian (μ', conic [[A,B],[B,C]], o, colour), with the
/// constants of the CPU renderer (<see cref="Rasterize"/>):
/// <code>
///   d = μ' − p;  power = −½(A·dx² + C·dy²) − B·dx·dy;  skip if power &gt; 0
///   α = min(0.99, o·exp(power));  skip if α &lt; 1/255
///   if T·(1 − α) &lt; 1e−4: the pixel is done (this Gaussian is not added)
///   C += colour·α·T;  h += latent·α·T;  T ← T·(1 − α)
/// and finally C + T·background (latents: h + T·0).
/// </code>
/// A group stops when all its pixels are done (a barrier-AND per batch). The latent sums go straight into the output
/// planes (each pixel is owned by one thread, so there is no race, and neighbouring threads write neighbouring floats).
/// Where a group holds fewer than 256 threads (ILGPU's CPU accelerator), it makes 256/size passes over the tile, each pass
/// a different set of pixels. The output is the target's layout, CHW, (3 + L)·H·W floats.
/// </summary>
internal sealed class IlgpuRasterize : IDisposable
{
    /// <summary>Records per shared-memory batch, and threads per group on a GPU (one per pixel of a tile).</summary>
    public const int BatchSize = Projection.TileSize * Projection.TileSize;

    private readonly Accelerator _accelerator;
    private readonly Action<KernelConfig, ArrayView<int>, ArrayView<int>, ArrayView<SplatRecord>, ArrayView<float>, ArrayView<float>, RasterParams> _kernel;
    private readonly DeviceArray<float> _output;
    private readonly int _groupSize;

    /// <summary>Loads the kernel on <paramref name="accelerator"/>; the group size is the largest power of two ≤ 256 it allows.</summary>
    public IlgpuRasterize(Accelerator accelerator)
    {
        _accelerator = accelerator;
        _kernel = accelerator.LoadStreamKernel<ArrayView<int>, ArrayView<int>, ArrayView<SplatRecord>, ArrayView<float>, ArrayView<float>, RasterParams>(Kernel);
        _output = new(accelerator);
        int g = BatchSize;
        while (g > accelerator.MaxNumThreadsPerGroup) g /= 2;
        _groupSize = g;
    }

    /// <summary>Threads per group.</summary>
    public int GroupSize => _groupSize;

    /// <summary>[(3 + L)·H·W] the image of the last frame, the layout of <see cref="RenderTarget.Planes"/>.</summary>
    public ArrayView1D<float, Stride1D.Dense> Output { get; private set; }

    /// <summary>Composites every tile of a W×H image (enqueued on the default stream).</summary>
    /// <param name="bins">The tile lists.</param>
    /// <param name="splats">[N] projected Gaussians.</param>
    /// <param name="latents">[N, L] latents (any one-float view when <paramref name="latentDim"/> is 0).</param>
    /// <param name="width">W, pixels.</param>
    /// <param name="height">H, pixels.</param>
    /// <param name="tilesX">Tiles per row.</param>
    /// <param name="tilesY">Tile rows.</param>
    /// <param name="latentDim">L composited, 0 for RGB only.</param>
    /// <param name="background">R, G, B.</param>
    public void Run(IlgpuIntersectTile bins, ArrayView<SplatRecord> splats, ArrayView<float> latents, int width, int height, int tilesX, int tilesY,
        int latentDim, float[] background)
    {
        Output = _output.View((long)(3 + latentDim) * width * height);
        var p = new RasterParams(width, height, tilesX, latentDim, background[0], background[1], background[2], BatchSize / _groupSize);
        _kernel(new KernelConfig(tilesX * tilesY, _groupSize), bins.Ranges, bins.InstanceIds, splats, latents, Output, p);
    }

    /// <summary>Frees the device buffer.</summary>
    public void Dispose() => _output.Dispose();

    /// <summary>The kernel: group = tile <c>Grid.IdxX</c>, thread = pixel (pass·groupSize + <c>Group.IdxX</c>) of the tile.</summary>
    internal static void Kernel(ArrayView<int> ranges, ArrayView<int> instanceIds, ArrayView<SplatRecord> splats, ArrayView<float> latents,
        ArrayView<float> output, RasterParams p)
    {
        var batch = SharedMemory.Allocate<SplatRecord>(BatchSize);
        int tile = Grid.IdxX, tid = Group.IdxX, groupSize = Group.DimX;
        int x0 = tile % p.TilesX * Projection.TileSize, y0 = tile / p.TilesX * Projection.TileSize;
        int start = ranges[2 * tile], end = ranges[2 * tile + 1];
        int plane = p.Width * p.Height;
        for (int pass = 0; pass < p.Passes; pass++)
        {
            int local = pass * groupSize + tid;
            int px = x0 + local % Projection.TileSize, py = y0 + local / Projection.TileSize;
            bool inside = px < p.Width && py < p.Height;
            int pixel = py * p.Width + px;
            float fx = px + 0.5f, fy = py + 0.5f;
            float T = 1f, cr = 0f, cg = 0f, cb = 0f;
            bool done = !inside;
            if (inside)
                for (int l = 0; l < p.Latents; l++) output[(3 + l) * plane + pixel] = 0f;

            for (int b0 = start; b0 < end; b0 += BatchSize)
            {
                // Every pixel of the group done: stop (all threads take the same branch).
                if (Group.BarrierAnd(done)) break;
                for (int j = tid; j < BatchSize; j += groupSize)
                    if (b0 + j < end) batch[j] = splats[instanceIds[b0 + j]];
                Group.Barrier();
                int n = Math.Min(BatchSize, end - b0);
                for (int j = 0; j < n && !done; j++)
                {
                    var g = batch[j];
                    float dx = g.U - fx, dy = g.V - fy;
                    float power = -0.5f * (g.ConicA * dx * dx + g.ConicC * dy * dy) - g.ConicB * dx * dy;
                    if (power > 0f) continue;
                    float alpha = Math.Min(Rasterize.MaxAlpha, g.Opacity * MathF.Exp(power));
                    if (alpha < Projection.MinAlpha) continue;
                    float test = T * (1f - alpha);
                    if (test < Rasterize.MinTransmittance)
                    {
                        done = true;
                        break;
                    }
                    float w = alpha * T;
                    cr += w * g.Red;
                    cg += w * g.Green;
                    cb += w * g.Blue;
                    for (int l = 0; l < p.Latents; l++)
                        output[(3 + l) * plane + pixel] += w * latents[(long)g.Id * p.Latents + l];
                    T = test;
                }
                Group.Barrier();
            }
            if (inside)
            {
                output[pixel] = cr + T * p.BgR;
                output[plane + pixel] = cg + T * p.BgG;
                output[2 * plane + pixel] = cb + T * p.BgB;
            }
        }
    }
}
