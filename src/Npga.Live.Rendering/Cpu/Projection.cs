using System.Runtime.CompilerServices;
using System.Numerics;
using Npga.Live.Core.Gaussians;

namespace Npga.Live.Rendering.Cpu;

/// <summary>
/// Stage 1 of 3 — projection (gsplat's <c>Projection</c>, 3DGS's <c>preprocessCUDA</c>): each 3D Gaussian
/// (μ, q, s, opacity logit, SH) becomes a 2D Gaussian on screen: its projected mean, the conic (inverse
/// 2D covariance), its opacity and view-dependent colour, its depth and the 16×16 tiles it may touch.
/// <list type="number">
/// <item>Camera space: x_c = R·μ + t. Culled when z_c ≤ <see cref="Camera.Near"/> (3DGS hard-codes 0.2 m;
/// here the camera's own near plane decides, so a camera with Near = 0.2 reproduces 3DGS exactly; a
/// negative Near counts as 0).</item>
/// <item>Opacity o = sigmoid(logit); culled when o &lt; 1/255: such a Gaussian can never reach the
/// rasterizer's α ≥ 1/255, since α = o·exp(power) ≤ o.</item>
/// <item>3D covariance Σ = R S Sᵀ Rᵀ, R from the normalised quaternion (a zero quaternion counts as the
/// identity), S = diag(exp(log-scale)).</item>
/// <item>EWA splatting (Zwicker et al. 2002): Σ' = J W Σ Wᵀ Jᵀ with W the camera rotation and J the
/// Jacobian of the perspective projection at x_c, where x/z and y/z are first clamped to
/// ±1.3·tan(fov/2) (tan(fovx/2) = W/(2·fx)), as the reference does to keep Gaussians far outside the
/// view from blowing up. Then the 0.3 px² low-pass dilation is added to the diagonal.</item>
/// <item>Conic = Σ'⁻¹ (culled when det Σ' ≤ 0); radius r = ceil(3·sqrt(λ_max(Σ'))) with the reference's
/// λ_max = mid + sqrt(max(0.1, mid² − det)).</item>
/// <item>Tile box: the reference's <c>getRect</c> on the 3σ square (in the reference's pixel-index
/// coordinates, u − 0.5), clipped to the grid. This box defines where the Gaussian is evaluated at all:
/// every pixel of every tile in it. It is then intersected with the opacity-aware box outside which
/// α = o·exp(−½dᵀΣ'⁻¹d) &lt; 1/255 (|dx| &gt; sqrt(2·ln(255·o)·Σ'_xx), likewise y) — an exact optimisation:
/// it drops only tiles where every pixel would skip the Gaussian anyway. An empty box culls it
/// (off-screen culling).</item>
/// <item>Colour from SH for the direction from the camera centre to μ (+0.5, clamped at 0); depth = z_c.</item>
/// </list>
/// The covariance algebra runs in double (it keeps thin or huge Gaussians' determinants accurate), what the
/// rasterizer reads is stored as float. A chunk is projected in two passes: (1) the per-Gaussian algebra,
/// <see cref="Vector{T}.Count"/> Gaussians per vector (one Gaussian's chain of exp, products, square
/// roots and divisions is several hundred cycles long and longer than the out-of-order window, so
/// one-at-a-time scalar code runs at the chain's latency; lanes run the chains side by side); (2) per
/// Gaussian, the integer tile box, the SH colour and the record for the rasterizer.
/// </summary>
internal static class Projection
{
    /// <summary>Tile side, pixels (16, as in 3DGS).</summary>
    public const int TileSize = 16;

    /// <summary>Smallest α the rasterizer composites, 1/255.</summary>
    public const float MinAlpha = 1f / 255f;

    /// <summary>Low-pass dilation added to the 2D covariance diagonal, px².</summary>
    public const double LowPass = 0.3;

    /// <summary>x/z and y/z are clamped to this multiple of tan(fov/2) before the Jacobian.</summary>
    public const double FrustumClamp = 1.3;

    private const double Log2E = 1.4426950408889634;

    /// <summary>The opacity-aware box is widened by this relative margin so float rounding in the rasterizer never meets its edge.</summary>
    private const double AlphaBoxMargin = 1e-3;

    /// <summary>Per-frame camera constants.</summary>
    internal readonly struct View
    {
        public readonly double R00, R01, R02, R10, R11, R12, R20, R21, R22, T0, T1, T2;
        public readonly double Fx, Fy, Cx, Cy, LimX, LimY, Near;
        public readonly float CamX, CamY, CamZ;
        public readonly int Width, Height, TilesX, TilesY;

        public View(Camera camera)
        {
            var r = camera.R;
            var t = camera.T;
            if (r is null || r.Length != 9) throw new ArgumentException("camera R must hold 9 values (row-major 3x3)", nameof(camera));
            if (t is null || t.Length != 3) throw new ArgumentException("camera T must hold 3 values", nameof(camera));
            R00 = r[0]; R01 = r[1]; R02 = r[2];
            R10 = r[3]; R11 = r[4]; R12 = r[5];
            R20 = r[6]; R21 = r[7]; R22 = r[8];
            T0 = t[0]; T1 = t[1]; T2 = t[2];
            Fx = camera.Fx; Fy = camera.Fy; Cx = camera.Cx; Cy = camera.Cy;
            Width = camera.Width; Height = camera.Height;
            LimX = FrustumClamp * 0.5 * Width / Fx;
            LimY = FrustumClamp * 0.5 * Height / Fy;
            Near = Math.Max(camera.Near, 0.0); // z must be positive whatever Near says: the depth key is z's float bits
            // Camera centre C = −Rᵀ t.
            CamX = (float)-(R00 * T0 + R10 * T1 + R20 * T2);
            CamY = (float)-(R01 * T0 + R11 * T1 + R21 * T2);
            CamZ = (float)-(R02 * T0 + R12 * T1 + R22 * T2);
            TilesX = (Width + TileSize - 1) / TileSize;
            TilesY = (Height + TileSize - 1) / TileSize;
        }
    }

    /// <summary>Gaussians per projection work item; also the length of a <see cref="Scratch"/>.</summary>
    public const int Chunk = 1024;

    /// <summary>A worker's pass-1 results for one chunk (structure of arrays, index i − begin).</summary>
    internal sealed class Scratch
    {
        public readonly double[] U = new double[Chunk], V = new double[Chunk], Z = new double[Chunk];
        public readonly double[] Radius = new double[Chunk];       // 0: culled
        public readonly double[] Ex = new double[Chunk], Ey = new double[Chunk];
        public readonly double[] HalfA = new double[Chunk], B2 = new double[Chunk], HalfC = new double[Chunk];
        public readonly double[] Slope = new double[Chunk], K1 = new double[Chunk], K2 = new double[Chunk];
        public readonly double[] Opacity = new double[Chunk], Log2Opacity = new double[Chunk];
    }

    /// <summary>Projects Gaussians <paramref name="begin"/>..<paramref name="end"/>−1 (at most <see cref="Chunk"/>) of <paramref name="cloud"/> into <paramref name="dst"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Project(GaussianCloud cloud, in View view, int begin, int end, ProjectedGaussians dst, Scratch scratch)
    {
        Algebra(cloud, view, begin, end, scratch);
        Emit(cloud, view, begin, end, dst, scratch);
    }

    /// <summary>Pass 1: camera space, opacity, EWA covariance, conic, radius, opacity-aware extents; vector lanes = Gaussians.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Algebra(GaussianCloud cloud, in View view, int begin, int end, Scratch o)
    {
        float[] means = cloud.Means, rots = cloud.Rotations, logScales = cloud.LogScales, logits = cloud.OpacityLogits;
        int lanes = Vector<double>.Count;
        Span<double> lane = stackalloc double[11 * lanes];
        Span<double> mxL = lane[..lanes], myL = lane[lanes..(2 * lanes)], mzL = lane[(2 * lanes)..(3 * lanes)];
        Span<double> qwL = lane[(3 * lanes)..(4 * lanes)], qxL = lane[(4 * lanes)..(5 * lanes)], qyL = lane[(5 * lanes)..(6 * lanes)], qzL = lane[(6 * lanes)..(7 * lanes)];
        Span<double> s0L = lane[(7 * lanes)..(8 * lanes)], s1L = lane[(8 * lanes)..(9 * lanes)], s2L = lane[(9 * lanes)..(10 * lanes)], lgL = lane[(10 * lanes)..];
        var one = Vector<double>.One;
        var two = new Vector<double>(2.0);
        var zero = Vector<double>.Zero;
        for (int i0 = begin; i0 < end; i0 += lanes)
        {
            // Gather (the cloud is Gaussian-major); lanes past the end repeat the last Gaussian.
            for (int l = 0; l < lanes; l++)
            {
                int i = Math.Min(i0 + l, end - 1);
                mxL[l] = means[3 * i]; myL[l] = means[3 * i + 1]; mzL[l] = means[3 * i + 2];
                qwL[l] = rots[4 * i]; qxL[l] = rots[4 * i + 1]; qyL[l] = rots[4 * i + 2]; qzL[l] = rots[4 * i + 3];
                s0L[l] = logScales[3 * i]; s1L[l] = logScales[3 * i + 1]; s2L[l] = logScales[3 * i + 2];
                lgL[l] = logits[i];
            }
            var mx = new Vector<double>(mxL); var my = new Vector<double>(myL); var mz = new Vector<double>(mzL);
            var x = mx * view.R00 + my * view.R01 + mz * view.R02 + new Vector<double>(view.T0);
            var y = mx * view.R10 + my * view.R11 + mz * view.R12 + new Vector<double>(view.T1);
            var z = mx * view.R20 + my * view.R21 + mz * view.R22 + new Vector<double>(view.T2);

            // Opacity = sigmoid(logit), rounded to float as stored.
            var opacity = one / (one + Vector.Exp(-new Vector<double>(lgL)));
            for (int l = 0; l < lanes; l++) opacity = opacity.WithElement(l, (float)opacity[l]);

            // Σ = M Mᵀ with M = R(q)·diag(s); a zero (or non-finite) quaternion counts as the identity.
            var qw = new Vector<double>(qwL); var qx = new Vector<double>(qxL); var qy = new Vector<double>(qyL); var qz = new Vector<double>(qzL);
            var qn2 = qw * qw + qx * qx + qy * qy + qz * qz;
            var goodQ = Vector.GreaterThan(qn2, zero) & Vector.LessThan(qn2, new Vector<double>(double.PositiveInfinity));
            var invQn = one / Vector.SquareRoot(Vector.ConditionalSelect(goodQ, qn2, one));
            qw = Vector.ConditionalSelect(goodQ, qw * invQn, one);
            qx = Vector.ConditionalSelect(goodQ, qx * invQn, zero);
            qy = Vector.ConditionalSelect(goodQ, qy * invQn, zero);
            qz = Vector.ConditionalSelect(goodQ, qz * invQn, zero);
            var sx = Vector.Exp(new Vector<double>(s0L)); var sy = Vector.Exp(new Vector<double>(s1L)); var sz = Vector.Exp(new Vector<double>(s2L));
            var m00 = (one - two * (qy * qy + qz * qz)) * sx; var m01 = two * (qx * qy - qw * qz) * sy; var m02 = two * (qx * qz + qw * qy) * sz;
            var m10 = two * (qx * qy + qw * qz) * sx; var m11 = (one - two * (qx * qx + qz * qz)) * sy; var m12 = two * (qy * qz - qw * qx) * sz;
            var m20 = two * (qx * qz - qw * qy) * sx; var m21 = two * (qy * qz + qw * qx) * sy; var m22 = (one - two * (qx * qx + qy * qy)) * sz;

            // EWA: T = J·W (2×3); Σ' = (T M)(T M)ᵀ + 0.3·I.
            var invZ = one / z;
            var xz = x * invZ; var yz = y * invZ;
            var tx = Vector.Clamp(xz, new Vector<double>(-view.LimX), new Vector<double>(view.LimX));
            var ty = Vector.Clamp(yz, new Vector<double>(-view.LimY), new Vector<double>(view.LimY));
            var j00 = view.Fx * invZ; var j02 = -j00 * tx;
            var j11 = view.Fy * invZ; var j12 = -j11 * ty;
            var t00 = j00 * view.R00 + j02 * view.R20; var t01 = j00 * view.R01 + j02 * view.R21; var t02 = j00 * view.R02 + j02 * view.R22;
            var t10 = j11 * view.R10 + j12 * view.R20; var t11 = j11 * view.R11 + j12 * view.R21; var t12 = j11 * view.R12 + j12 * view.R22;
            var p0 = t00 * m00 + t01 * m10 + t02 * m20; var p1 = t00 * m01 + t01 * m11 + t02 * m21; var p2 = t00 * m02 + t01 * m12 + t02 * m22;
            var r0 = t10 * m00 + t11 * m10 + t12 * m20; var r1 = t10 * m01 + t11 * m11 + t12 * m21; var r2 = t10 * m02 + t11 * m12 + t12 * m22;
            var lowPass = new Vector<double>(LowPass);
            var a = p0 * p0 + p1 * p1 + p2 * p2 + lowPass;
            var b = p0 * r0 + p1 * r1 + p2 * r2;
            var c = r0 * r0 + r1 * r1 + r2 * r2 + lowPass;
            var det = a * c - b * b;
            var mid = new Vector<double>(0.5) * (a + c);
            var lambda = mid + Vector.SquareRoot(Vector.Max(new Vector<double>(0.1), mid * mid - det));
            var radius = Vector.Ceiling(new Vector<double>(3.0) * Vector.SquareRoot(lambda));

            // Opacity-aware extents: α ≥ 1/255 needs ½dᵀΣ'⁻¹d ≤ τ = ln(255·o), hence |dx| ≤ sqrt(2τ·Σ'_xx).
            var tau = Vector.Log(new Vector<double>(255.0) * opacity) * (1 + AlphaBoxMargin) + new Vector<double>(AlphaBoxMargin);
            var ex = Vector.SquareRoot(two * tau * a) + new Vector<double>(AlphaBoxMargin);
            var ey = Vector.SquareRoot(two * tau * c) + new Vector<double>(AlphaBoxMargin);

            // Culling: near plane (NaN fails too), opacity, a proper covariance.
            var keep = Vector.GreaterThan(z, new Vector<double>(view.Near))
                & Vector.GreaterThanOrEqual(opacity, new Vector<double>(MinAlpha))
                & Vector.GreaterThan(det, zero)
                & Vector.LessThan(det, new Vector<double>(double.PositiveInfinity));
            radius = Vector.ConditionalSelect(keep, radius, zero);

            // What the rasterizer reads. Conic = Σ'⁻¹ = [[c, −b], [−b, a]]/det, pre-scaled by log2(e) so that
            // e^power = 2^−q. The row slice of the α ≥ 1/255 ellipse: with s = pixel y − v, the minimum of
            // ½dᵀΣ'⁻¹d over x is at x* = u + (b/c)·s, and ½dᵀΣ'⁻¹d ≤ τ needs (x − x*)² ≤ 2τ·det/c − (det/c²)·s²
            // (the rasterizer's dy = v − pixel y = −s, hence the slope's sign).
            var halfLog2E = new Vector<double>(0.5 * Log2E);
            var invDet = one / det;
            var halfA = halfLog2E * c * invDet;
            var b2 = -new Vector<double>(Log2E) * b * invDet;
            var halfC = halfLog2E * a * invDet;
            var invC = one / c;
            var slope = -b * invC;
            var k1 = two * tau * det * invC;
            var k2 = det * invC * invC;
            var log2Opacity = Vector.Log2(opacity);

            int n = Math.Min(lanes, end - i0), k = i0 - begin;
            for (int l = 0; l < n; l++)
            {
                o.U[k + l] = view.Fx * xz[l] + view.Cx;
                o.V[k + l] = view.Fy * yz[l] + view.Cy;
                o.Z[k + l] = z[l];
                o.Radius[k + l] = radius[l];
                o.Ex[k + l] = ex[l]; o.Ey[k + l] = ey[l];
                o.HalfA[k + l] = halfA[l]; o.B2[k + l] = b2[l]; o.HalfC[k + l] = halfC[l];
                o.Slope[k + l] = slope[l]; o.K1[k + l] = k1[l]; o.K2[k + l] = k2[l];
                o.Opacity[k + l] = opacity[l]; o.Log2Opacity[k + l] = log2Opacity[l];
            }
        }
    }

    /// <summary>Pass 2: tile box, SH colour and the packed record, one Gaussian at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Emit(GaussianCloud cloud, in View view, int begin, int end, ProjectedGaussians dst, Scratch o)
    {
        float[] means = cloud.Means, shAll = cloud.Sh, packed = dst.Packed, depths = dst.Depths;
        int[] rects = dst.Rects;
        int shPer = cloud.ShCoefficients * 3, degree = cloud.ShDegree;
        for (int i = begin; i < end; i++)
        {
            int k = i - begin;
            ref int rect = ref rects[4 * i];
            rect = 0; Unsafe.Add(ref rect, 1) = 0; Unsafe.Add(ref rect, 2) = 0; Unsafe.Add(ref rect, 3) = 0;
            depths[i] = float.PositiveInfinity;
            double radius = o.Radius[k];
            if (radius == 0) continue;
            double u = o.U[k], v = o.V[k], ex = o.Ex[k], ey = o.Ey[k];

            // The reference's getRect, in its pixel-index coordinates (pixel centres at integers), then
            // intersected with the opacity-aware box.
            double pu = u - 0.5, pv = v - 0.5;
            const double perTile = 1.0 / TileSize;
            int x0 = Math.Max(TileFloor((pu - radius) * perTile, view.TilesX), TileFloor((pu - ex) * perTile, view.TilesX));
            int x1 = Math.Min(TileFloor((pu + radius + TileSize - 1) * perTile, view.TilesX), TileFloor((pu + ex) * perTile + 1, view.TilesX));
            int y0 = Math.Max(TileFloor((pv - radius) * perTile, view.TilesY), TileFloor((pv - ey) * perTile, view.TilesY));
            int y1 = Math.Min(TileFloor((pv + radius + TileSize - 1) * perTile, view.TilesY), TileFloor((pv + ey) * perTile + 1, view.TilesY));
            if (x1 <= x0 || y1 <= y0) continue; // off-screen

            rect = x0; Unsafe.Add(ref rect, 1) = y0; Unsafe.Add(ref rect, 2) = x1; Unsafe.Add(ref rect, 3) = y1;
            depths[i] = (float)o.Z[k];

            float dx = means[3 * i] - view.CamX, dy = means[3 * i + 1] - view.CamY, dz = means[3 * i + 2] - view.CamZ;
            float inv = 1f / MathF.Sqrt(dx * dx + dy * dy + dz * dz);
            SphericalHarmonics.Evaluate(ref shAll[i * shPer], degree, dx * inv, dy * inv, dz * inv, out float cr, out float cg, out float cb);

            ref float g = ref packed[i * ProjectedGaussians.Stride];
            Unsafe.Add(ref g, ProjectedGaussians.U) = (float)u;
            Unsafe.Add(ref g, ProjectedGaussians.V) = (float)v;
            Unsafe.Add(ref g, ProjectedGaussians.HalfA) = (float)o.HalfA[k];
            Unsafe.Add(ref g, ProjectedGaussians.B2) = (float)o.B2[k];
            Unsafe.Add(ref g, ProjectedGaussians.HalfC) = (float)o.HalfC[k];
            Unsafe.Add(ref g, ProjectedGaussians.Opacity) = (float)o.Opacity[k];
            Unsafe.Add(ref g, ProjectedGaussians.Log2Opacity) = (float)o.Log2Opacity[k];
            Unsafe.Add(ref g, ProjectedGaussians.Red) = cr;
            Unsafe.Add(ref g, ProjectedGaussians.Green) = cg;
            Unsafe.Add(ref g, ProjectedGaussians.Blue) = cb;
            Unsafe.Add(ref g, ProjectedGaussians.YMin) = (float)(v - ey);
            Unsafe.Add(ref g, ProjectedGaussians.YMax) = (float)(v + ey);
            Unsafe.Add(ref g, ProjectedGaussians.SliceSlope) = (float)o.Slope[k];
            Unsafe.Add(ref g, ProjectedGaussians.SliceK1) = (float)o.K1[k];
            Unsafe.Add(ref g, ProjectedGaussians.SliceK2) = (float)o.K2[k];
            Unsafe.Add(ref g, ProjectedGaussians.Id) = BitConverter.Int32BitsToSingle(i);
        }
    }

    /// <summary>(int)value clipped to 0..limit — the reference's <c>min(grid, max(0, (int)value))</c>, NaN-safe.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int TileFloor(double value, int limit)
    {
        if (!(value > 0)) return 0;
        if (value >= limit) return limit;
        return (int)value;
    }
}
