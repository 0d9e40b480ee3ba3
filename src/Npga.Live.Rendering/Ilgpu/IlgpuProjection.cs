using ILGPU;
using ILGPU.Runtime;
using Npga.Live.Rendering.Cpu;

namespace Npga.Live.Rendering.Ilgpu;

/// <summary>
/// Stage 1 of 3 on the device — projection (gsplat's <c>Projection</c>, 3DGS's <c>preprocessCUDA</c>), one thread per
/// Gaussian, the math of the CPU renderer's <see cref="Projection"/> line for line (read that type for the derivation):
/// camera space x_c = R·μ + t; cull z ≤ near or o = sigmoid(logit) &lt; 1/255; Σ = R(q) S Sᵀ R(q)ᵀ; EWA splatting
/// (Zwicker et al. 2002) Σ' = J W Σ Wᵀ Jᵀ + 0.3·I with x/z, y/z clamped to ±1.3·tan(fov/2); conic Σ'⁻¹ (cull det ≤ 0);
/// radius ceil(3·sqrt(λ_max)); the tile box of the 3σ square intersected with the opacity-aware box (cull when empty);
/// SH colour for the direction camera centre → μ; depth z_c.
/// <para>
/// The covariance algebra runs in double, as on the CPU (it keeps the determinant of thin or huge Gaussians exact enough;
/// a handful of double operations per Gaussian costs nothing next to the rasterizer even where double is slow). The
/// transcendental inputs — exp of the log-scales, the sigmoid, the log in the opacity-aware box — are taken in float:
/// they are rounded to float on the CPU too (opacity) or enter only through values a float ulp cannot move visibly, and
/// PTX has no native double exp/log.
/// </para>
/// Outputs, per Gaussian i of N: <see cref="Splats"/>[i] (valid only when visible), <see cref="Rects"/>[4i..4i+4) the tile box
/// (x0, y0, x1, y1), half-open, in tiles, all 0 when culled; <see cref="DepthKeys"/>[i] the IEEE bits of the float depth
/// (positive, so they order like the depth) or <see cref="uint.MaxValue"/> when culled; <see cref="DepthIds"/>[i] = i; and
/// the count of visible Gaussians in <see cref="Stats"/>[0].
/// </summary>
internal sealed class IlgpuProjection : IDisposable
{
    private readonly Action<Index1D, ViewParams, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<SplatRecord>, ArrayView<int>, ArrayView<uint>, ArrayView<int>, ArrayView<int>> _kernel;
    private readonly DeviceArray<SplatRecord> _splats;
    private readonly DeviceArray<int> _rects, _depthIds, _stats;
    private readonly DeviceArray<uint> _depthKeys;

    /// <summary>Loads (compiles) the kernel on <paramref name="accelerator"/>.</summary>
    public IlgpuProjection(Accelerator accelerator)
    {
        _kernel = accelerator.LoadAutoGroupedStreamKernel<Index1D, ViewParams, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<SplatRecord>, ArrayView<int>, ArrayView<uint>, ArrayView<int>, ArrayView<int>>(Kernel);
        _splats = new(accelerator);
        _rects = new(accelerator);
        _depthIds = new(accelerator);
        _depthKeys = new(accelerator);
        _stats = new(accelerator);
    }

    /// <summary>[N] projected Gaussians of the last frame.</summary>
    public ArrayView<SplatRecord> Splats { get; private set; }

    /// <summary>[N·4] tile boxes of the last frame.</summary>
    public ArrayView<int> Rects { get; private set; }

    /// <summary>[N] depth sort keys of the last frame (sorted in place by <see cref="IlgpuIntersectTile"/>).</summary>
    public ArrayView1D<uint, Stride1D.Dense> DepthKeys { get; private set; }

    /// <summary>[N] Gaussian indices 0..N−1 carried by the depth sort.</summary>
    public ArrayView1D<int, Stride1D.Dense> DepthIds { get; private set; }

    /// <summary>[2] counters: visible Gaussians ([0], written here), tile instances ([1], written by the tile stage).</summary>
    public ArrayView1D<int, Stride1D.Dense> Stats { get; private set; }

    /// <summary>Projects the <paramref name="count"/> Gaussians of <paramref name="cloud"/> (enqueued on the default stream).</summary>
    public void Run(DeviceCloud cloud, int count, in ViewParams view, AcceleratorStream stream)
    {
        Splats = _splats.View(count);
        Rects = _rects.View(4L * count);
        DepthKeys = _depthKeys.View(count);
        DepthIds = _depthIds.View(count);
        Stats = _stats.View(2);
        Stats.MemSetToZero(stream);
        if (count == 0) return;
        _kernel(count, view, cloud.Means, cloud.Rotations, cloud.LogScales, cloud.Logits, cloud.Sh, Splats, Rects, DepthKeys, DepthIds, Stats);
    }

    /// <summary>Frees the device buffers.</summary>
    public void Dispose()
    {
        _splats.Dispose(); _rects.Dispose(); _depthIds.Dispose(); _depthKeys.Dispose(); _stats.Dispose();
    }

    /// <summary>The kernel: Gaussian <paramref name="index"/>.</summary>
    internal static void Kernel(Index1D index, ViewParams p, ArrayView<float> means, ArrayView<float> rotations, ArrayView<float> logScales,
        ArrayView<float> logits, ArrayView<float> sh, ArrayView<SplatRecord> splats, ArrayView<int> rects, ArrayView<uint> depthKeys,
        ArrayView<int> depthIds, ArrayView<int> stats)
    {
        int i = index;
        depthIds[i] = i;
        depthKeys[i] = uint.MaxValue;
        rects[4 * i] = 0; rects[4 * i + 1] = 0; rects[4 * i + 2] = 0; rects[4 * i + 3] = 0;

        float fmx = means[3 * i], fmy = means[3 * i + 1], fmz = means[3 * i + 2];
        double mx = fmx, my = fmy, mz = fmz;
        double x = mx * p.R00 + my * p.R01 + mz * p.R02 + p.T0;
        double y = mx * p.R10 + my * p.R11 + mz * p.R12 + p.T1;
        double z = mx * p.R20 + my * p.R21 + mz * p.R22 + p.T2;

        // Opacity = sigmoid(logit), float as stored.
        float opacityF = 1f / (1f + MathF.Exp(-logits[i]));
        double opacity = opacityF;

        // Σ = M Mᵀ with M = R(q)·diag(s); a zero (or non-finite) quaternion counts as the identity.
        double qw = rotations[4 * i], qx = rotations[4 * i + 1], qy = rotations[4 * i + 2], qz = rotations[4 * i + 3];
        double qn2 = qw * qw + qx * qx + qy * qy + qz * qz;
        if (qn2 > 0 && qn2 < double.PositiveInfinity)
        {
            double invQn = 1.0 / Math.Sqrt(qn2);
            qw *= invQn; qx *= invQn; qy *= invQn; qz *= invQn;
        }
        else
        {
            qw = 1; qx = 0; qy = 0; qz = 0;
        }
        double sx = MathF.Exp(logScales[3 * i]), sy = MathF.Exp(logScales[3 * i + 1]), sz = MathF.Exp(logScales[3 * i + 2]);
        double m00 = (1 - 2 * (qy * qy + qz * qz)) * sx, m01 = 2 * (qx * qy - qw * qz) * sy, m02 = 2 * (qx * qz + qw * qy) * sz;
        double m10 = 2 * (qx * qy + qw * qz) * sx, m11 = (1 - 2 * (qx * qx + qz * qz)) * sy, m12 = 2 * (qy * qz - qw * qx) * sz;
        double m20 = 2 * (qx * qz - qw * qy) * sx, m21 = 2 * (qy * qz + qw * qx) * sy, m22 = (1 - 2 * (qx * qx + qy * qy)) * sz;

        // EWA: T = J·W (2×3); Σ' = (T M)(T M)ᵀ + 0.3·I.
        double invZ = 1.0 / z;
        double xz = x * invZ, yz = y * invZ;
        double tx = Math.Min(Math.Max(xz, -p.LimX), p.LimX);
        double ty = Math.Min(Math.Max(yz, -p.LimY), p.LimY);
        double j00 = p.Fx * invZ, j02 = -j00 * tx;
        double j11 = p.Fy * invZ, j12 = -j11 * ty;
        double t00 = j00 * p.R00 + j02 * p.R20, t01 = j00 * p.R01 + j02 * p.R21, t02 = j00 * p.R02 + j02 * p.R22;
        double t10 = j11 * p.R10 + j12 * p.R20, t11 = j11 * p.R11 + j12 * p.R21, t12 = j11 * p.R12 + j12 * p.R22;
        double p0 = t00 * m00 + t01 * m10 + t02 * m20, p1 = t00 * m01 + t01 * m11 + t02 * m21, p2 = t00 * m02 + t01 * m12 + t02 * m22;
        double r0 = t10 * m00 + t11 * m10 + t12 * m20, r1 = t10 * m01 + t11 * m11 + t12 * m21, r2 = t10 * m02 + t11 * m12 + t12 * m22;
        double a = p0 * p0 + p1 * p1 + p2 * p2 + Projection.LowPass;
        double b = p0 * r0 + p1 * r1 + p2 * r2;
        double c = r0 * r0 + r1 * r1 + r2 * r2 + Projection.LowPass;
        double det = a * c - b * b;

        // Culling: near plane (NaN fails too), opacity, a proper covariance.
        if (!(z > p.Near) || !(opacity >= Projection.MinAlpha) || !(det > 0) || !(det < double.PositiveInfinity)) return;

        double mid = 0.5 * (a + c);
        double lambda = mid + Math.Sqrt(Math.Max(0.1, mid * mid - det));
        double radius = Math.Ceiling(3.0 * Math.Sqrt(lambda));

        // Opacity-aware extents: α ≥ 1/255 needs ½dᵀΣ'⁻¹d ≤ τ = ln(255·o), hence |dx| ≤ sqrt(2τ·Σ'_xx) (widened by 1e-3).
        const double margin = 1e-3;
        double tau = MathF.Log(255f * opacityF) * (1 + margin) + margin;
        double ex = Math.Sqrt(2 * tau * a) + margin;
        double ey = Math.Sqrt(2 * tau * c) + margin;

        // The reference's getRect in its pixel-index coordinates (pixel centres at integers), then the opacity-aware box.
        double u = p.Fx * xz + p.Cx, v = p.Fy * yz + p.Cy;
        double pu = u - 0.5, pv = v - 0.5;
        const double perTile = 1.0 / Projection.TileSize;
        int x0 = Math.Max(TileFloor((pu - radius) * perTile, p.TilesX), TileFloor((pu - ex) * perTile, p.TilesX));
        int x1 = Math.Min(TileFloor((pu + radius + Projection.TileSize - 1) * perTile, p.TilesX), TileFloor((pu + ex) * perTile + 1, p.TilesX));
        int y0 = Math.Max(TileFloor((pv - radius) * perTile, p.TilesY), TileFloor((pv - ey) * perTile, p.TilesY));
        int y1 = Math.Min(TileFloor((pv + radius + Projection.TileSize - 1) * perTile, p.TilesY), TileFloor((pv + ey) * perTile + 1, p.TilesY));
        if (x1 <= x0 || y1 <= y0) return; // off-screen

        rects[4 * i] = x0; rects[4 * i + 1] = y0; rects[4 * i + 2] = x1; rects[4 * i + 3] = y1;
        depthKeys[i] = Interop.FloatAsInt((float)z);
        Atomic.Add(ref stats[0], 1);

        // Colour from SH for the direction camera centre → μ.
        float dx = fmx - p.CamX, dy = fmy - p.CamY, dz = fmz - p.CamZ;
        float inv = 1f / MathF.Sqrt(dx * dx + dy * dy + dz * dz);
        dx *= inv; dy *= inv; dz *= inv;
        long first = (long)i * p.ShStride;
        double invDet = 1.0 / det;
        SplatRecord s;
        s.U = (float)u;
        s.V = (float)v;
        s.ConicA = (float)(c * invDet);
        s.ConicB = (float)(-b * invDet);
        s.ConicC = (float)(a * invDet);
        s.Opacity = opacityF;
        s.Red = ShColor.Evaluate(sh, first, p.ShDegree, dx, dy, dz, 0);
        s.Green = ShColor.Evaluate(sh, first, p.ShDegree, dx, dy, dz, 1);
        s.Blue = ShColor.Evaluate(sh, first, p.ShDegree, dx, dy, dz, 2);
        s.Id = i;
        splats[i] = s;
    }

    /// <summary>(int)value clipped to 0..limit — the reference's <c>min(grid, max(0, (int)value))</c>, NaN-safe.</summary>
    private static int TileFloor(double value, int limit)
    {
        if (!(value > 0)) return 0;
        if (value >= limit) return limit;
        return (int)value;
    }
}
