using System.Runtime.CompilerServices;
using Npga.Live.Core.Gaussians;

namespace Npga.Live.Rendering.Cpu;

/// <summary>
/// Stage 1 of 3 — projection (gsplat's <c>Projection</c>, 3DGS's <c>preprocessCUDA</c>): each 3D Gaussian
/// (μ, q, s, opacity logit, SH) becomes a 2D Gaussian on screen: its projected mean, the conic (inverse
/// 2D covariance), its opacity and view-dependent colour, its depth and the 16×16 tiles it may touch.
/// <list type="number">
/// <item>Camera space: x_c = R·μ + t. Culled when z_c ≤ <see cref="Camera.Near"/> (3DGS hard-codes 0.2 m;
/// here the camera's own near plane decides, so a camera with Near = 0.2 reproduces 3DGS exactly).</item>
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
/// The covariance algebra runs in double (it is scalar code, double costs the same, and it keeps thin or
/// huge Gaussians' determinants accurate); what the rasterizer reads is stored as float.
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

    private const double Log2E = 1.4426950408889634, Ln2 = 0.6931471805599453, Ln255 = 5.541263545158426;

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
            Near = camera.Near;
            // Camera centre C = −Rᵀ t.
            CamX = (float)-(R00 * T0 + R10 * T1 + R20 * T2);
            CamY = (float)-(R01 * T0 + R11 * T1 + R21 * T2);
            CamZ = (float)-(R02 * T0 + R12 * T1 + R22 * T2);
            TilesX = (Width + TileSize - 1) / TileSize;
            TilesY = (Height + TileSize - 1) / TileSize;
        }
    }

    /// <summary>Projects Gaussians <paramref name="begin"/>..<paramref name="end"/>−1 of <paramref name="cloud"/> into <paramref name="dst"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Project(GaussianCloud cloud, in View view, int begin, int end, ProjectedGaussians dst)
    {
        float[] means = cloud.Means, rots = cloud.Rotations, logScales = cloud.LogScales, logits = cloud.OpacityLogits, shAll = cloud.Sh;
        float[] packed = dst.Packed, depths = dst.Depths;
        int[] rects = dst.Rects;
        int shPer = cloud.ShCoefficients * 3, degree = cloud.ShDegree;
        for (int i = begin; i < end; i++)
        {
            Span<int> rect = rects.AsSpan(4 * i, 4);
            rect.Clear();
            depths[i] = float.PositiveInfinity;

            double mx = means[3 * i], my = means[3 * i + 1], mz = means[3 * i + 2];
            double x = view.R00 * mx + view.R01 * my + view.R02 * mz + view.T0;
            double y = view.R10 * mx + view.R11 * my + view.R12 * mz + view.T1;
            double z = view.R20 * mx + view.R21 * my + view.R22 * mz + view.T2;
            if (!(z > view.Near)) continue; // behind or too near (also NaN)

            float opacity = 1f / (1f + MathF.Exp(-logits[i]));
            if (!(opacity >= MinAlpha)) continue;

            // Σ = M Mᵀ with M = R(q)·diag(s).
            double qw = rots[4 * i], qx = rots[4 * i + 1], qy = rots[4 * i + 2], qz = rots[4 * i + 3];
            double qn2 = qw * qw + qx * qx + qy * qy + qz * qz;
            if (qn2 > 0 && double.IsFinite(qn2)) { double invQn = 1 / Math.Sqrt(qn2); qw *= invQn; qx *= invQn; qy *= invQn; qz *= invQn; }
            else { qw = 1; qx = qy = qz = 0; }
            // exp in single precision: the scales are stored as float anyway.
            double sx = MathF.Exp(logScales[3 * i]), sy = MathF.Exp(logScales[3 * i + 1]), sz = MathF.Exp(logScales[3 * i + 2]);
            double m00 = (1 - 2 * (qy * qy + qz * qz)) * sx, m01 = 2 * (qx * qy - qw * qz) * sy, m02 = 2 * (qx * qz + qw * qy) * sz;
            double m10 = 2 * (qx * qy + qw * qz) * sx, m11 = (1 - 2 * (qx * qx + qz * qz)) * sy, m12 = 2 * (qy * qz - qw * qx) * sz;
            double m20 = 2 * (qx * qz - qw * qy) * sx, m21 = 2 * (qy * qz + qw * qx) * sy, m22 = (1 - 2 * (qx * qx + qy * qy)) * sz;

            // EWA: T = J·W (2×3); Σ' = T M Mᵀ Tᵀ = (T M)(T M)ᵀ.
            double invZ = 1 / z;
            double xz = x * invZ, yz = y * invZ;
            double tx = Math.Clamp(xz, -view.LimX, view.LimX), ty = Math.Clamp(yz, -view.LimY, view.LimY);
            double j00 = view.Fx * invZ, j02 = -j00 * tx;
            double j11 = view.Fy * invZ, j12 = -j11 * ty;
            double t00 = j00 * view.R00 + j02 * view.R20, t01 = j00 * view.R01 + j02 * view.R21, t02 = j00 * view.R02 + j02 * view.R22;
            double t10 = j11 * view.R10 + j12 * view.R20, t11 = j11 * view.R11 + j12 * view.R21, t12 = j11 * view.R12 + j12 * view.R22;
            double p0 = t00 * m00 + t01 * m10 + t02 * m20, p1 = t00 * m01 + t01 * m11 + t02 * m21, p2 = t00 * m02 + t01 * m12 + t02 * m22;
            double r0 = t10 * m00 + t11 * m10 + t12 * m20, r1 = t10 * m01 + t11 * m11 + t12 * m21, r2 = t10 * m02 + t11 * m12 + t12 * m22;
            double a = p0 * p0 + p1 * p1 + p2 * p2 + LowPass;
            double b = p0 * r0 + p1 * r1 + p2 * r2;
            double c = r0 * r0 + r1 * r1 + r2 * r2 + LowPass;
            double det = a * c - b * b;
            if (!(det > 0) || !double.IsFinite(det)) continue;
            double invDet = 1 / det;
            double mid = 0.5 * (a + c);
            double lambda = mid + Math.Sqrt(Math.Max(0.1, mid * mid - det));
            double radius = Math.Ceiling(3 * Math.Sqrt(lambda));

            double u = view.Fx * xz + view.Cx, v = view.Fy * yz + view.Cy;

            // The reference's getRect, in its pixel-index coordinates (pixel centres at integers).
            double pu = u - 0.5, pv = v - 0.5;
            int x0 = TileFloor((pu - radius) / TileSize, view.TilesX), x1 = TileFloor((pu + radius + TileSize - 1) / TileSize, view.TilesX);
            int y0 = TileFloor((pv - radius) / TileSize, view.TilesY), y1 = TileFloor((pv + radius + TileSize - 1) / TileSize, view.TilesY);

            // Opacity-aware box: α ≥ 1/255 needs ½dᵀΣ'⁻¹d ≤ τ = ln(255·o), hence |dx| ≤ sqrt(2τ·Σ'_xx).
            float log2Opacity = MathF.Log2(opacity);
            double tau = (Ln255 + log2Opacity * Ln2) * (1 + AlphaBoxMargin) + AlphaBoxMargin;
            double ex = Math.Sqrt(2 * tau * a) + AlphaBoxMargin, ey = Math.Sqrt(2 * tau * c) + AlphaBoxMargin;
            x0 = Math.Max(x0, TileFloor((pu - ex) / TileSize, view.TilesX));
            x1 = Math.Min(x1, TileFloor((pu + ex) / TileSize + 1, view.TilesX));
            y0 = Math.Max(y0, TileFloor((pv - ey) / TileSize, view.TilesY));
            y1 = Math.Min(y1, TileFloor((pv + ey) / TileSize + 1, view.TilesY));
            if (x1 <= x0 || y1 <= y0) continue; // off-screen

            rect[0] = x0; rect[1] = y0; rect[2] = x1; rect[3] = y1;
            depths[i] = (float)z;

            float dx = (float)(mx - view.CamX), dy = (float)(my - view.CamY), dz = (float)(mz - view.CamZ);
            float inv = 1f / MathF.Sqrt(dx * dx + dy * dy + dz * dz);
            SphericalHarmonics.Evaluate(ref shAll[i * shPer], degree, dx * inv, dy * inv, dz * inv, out float cr, out float cg, out float cb);

            Span<float> g = packed.AsSpan(i * ProjectedGaussians.Stride, ProjectedGaussians.Stride);
            g[ProjectedGaussians.U] = (float)u;
            g[ProjectedGaussians.V] = (float)v;
            g[ProjectedGaussians.HalfA] = (float)(Log2E * 0.5 * c * invDet);
            g[ProjectedGaussians.B2] = (float)(Log2E * -b * invDet);
            g[ProjectedGaussians.HalfC] = (float)(Log2E * 0.5 * a * invDet);
            g[ProjectedGaussians.Opacity] = opacity;
            g[ProjectedGaussians.Log2Opacity] = log2Opacity;
            g[ProjectedGaussians.Red] = cr;
            g[ProjectedGaussians.Green] = cg;
            g[ProjectedGaussians.Blue] = cb;
            g[ProjectedGaussians.YMin] = (float)(v - ey);
            g[ProjectedGaussians.YMax] = (float)(v + ey);
            // The row slice of the same ellipse. With Σ' = [[a, b], [b, c]] and s = pixel y − v, the
            // minimum of ½dᵀΣ'⁻¹d over x is at x* = u + (b/c)·s and ½dᵀΣ'⁻¹d ≤ τ needs
            // (x − x*)² ≤ 2τ·det/c − (det/c²)·s². The rasterizer's dy = v − pixel y = −s.
            g[ProjectedGaussians.SliceSlope] = (float)(-b / c);
            g[ProjectedGaussians.SliceK1] = (float)(2 * tau * det / c);
            g[ProjectedGaussians.SliceK2] = (float)(det / (c * c));
            g[ProjectedGaussians.Id] = BitConverter.Int32BitsToSingle(i);
        }
    }

    /// <summary>(int)value clipped to 0..limit — the reference's <c>min(grid, max(0, (int)value))</c>, NaN-safe.</summary>
    private static int TileFloor(double value, int limit)
    {
        if (!(value > 0)) return 0;
        if (value >= limit) return limit;
        return (int)value;
    }
}
