using Npga.Live.Core.Gaussians;

namespace Npga.Live.Rendering.Tests;
// Also compiled into tests/Npga.Live.Pipeline.Tests to judge shipped avatars.

/// <summary>
/// The judge: a slow, plain renderer with the same contract as <see cref="CpuGaussianRenderer"/>, in
/// doubles, written for reading rather than speed — 3×3 matrices as arrays, no tiles lists, no SIMD, no
/// threads, no opacity-aware boxes, no early exits beyond the rule itself.
/// <list type="number">
/// <item>Project every Gaussian (3DGS <c>preprocessCUDA</c>): cull z ≤ near and opacity &lt; 1/255;
/// Σ = R S Sᵀ Rᵀ; Σ' = J W Σ Wᵀ Jᵀ with x/z, y/z clamped to 1.3·tan(fov/2); +0.3 on the diagonal; conic
/// = Σ'⁻¹; radius = ceil(3·sqrt(λ_max)); footprint = the pixels of the 16×16 tiles its 3σ box touches
/// (the reference's <c>getRect</c>); SH colour.</item>
/// <item>Sort the survivors by camera depth (ties: lower index first).</item>
/// <item>For each pixel, walk the sorted Gaussians front to back, those whose footprint holds the pixel,
/// and composite with the rule α = min(0.99, o·e^power), skip α &lt; 1/255 or power &gt; 0, stop before
/// T·(1−α) &lt; 1e−4. The loops are turned inside out (Gaussian outer, its footprint's pixels inner, each
/// pixel keeping its own T and "done") — the same per-pixel sequence, without testing every Gaussian
/// against every pixel.</item>
/// </list>
/// </summary>
internal static class ReferenceRenderer
{
    private const int Tile = 16;

    internal sealed class Splat
    {
        public int Index;
        public double Depth, U, V, ConicA, ConicB, ConicC, Opacity;
        public double[] Colour = new double[3];
        public int PixelX0, PixelY0, PixelX1, PixelY1; // footprint, half-open, clipped to the image
    }

    /// <summary>Renders into planes laid out like <see cref="RenderTarget.Planes"/> (CHW, 3 + <paramref name="latentChannels"/> channels).</summary>
    public static double[] Render(GaussianCloud cloud, Camera camera, int latentChannels, float[]? background = null)
    {
        int w = camera.Width, h = camera.Height, n = w * h;
        double[] bg = background is null ? [0, 0, 0] : [background[0], background[1], background[2]];
        var splats = new List<Splat>();
        for (int i = 0; i < cloud.Count; i++)
            if (Project(cloud, camera, i) is { } s) splats.Add(s);
        // Stable: equal depths keep index order.
        var sorted = splats.OrderBy(s => s.Depth).ToList();

        var planes = new double[(3 + latentChannels) * n];
        var T = new double[n];
        var done = new bool[n];
        Array.Fill(T, 1.0);
        foreach (var s in sorted)
        {
            for (int y = s.PixelY0; y < s.PixelY1; y++)
            {
                for (int x = s.PixelX0; x < s.PixelX1; x++)
                {
                    int p = y * w + x;
                    if (done[p]) continue;
                    double dx = s.U - (x + 0.5), dy = s.V - (y + 0.5);
                    double power = -0.5 * (s.ConicA * dx * dx + s.ConicC * dy * dy) - s.ConicB * dx * dy;
                    if (power > 0) continue;
                    double alpha = Math.Min(0.99, s.Opacity * Math.Exp(power));
                    if (alpha < 1.0 / 255.0) continue;
                    double test = T[p] * (1 - alpha);
                    if (test < 1e-4) { done[p] = true; continue; }
                    for (int c = 0; c < 3; c++) planes[c * n + p] += s.Colour[c] * alpha * T[p];
                    for (int l = 0; l < latentChannels; l++) planes[(3 + l) * n + p] += cloud.Latents[s.Index * cloud.LatentDim + l] * alpha * T[p];
                    T[p] = test;
                }
            }
        }
        for (int p = 0; p < n; p++)
            for (int c = 0; c < 3; c++) planes[c * n + p] += T[p] * bg[c];
        return planes;
    }

    /// <summary>Projects Gaussian <paramref name="i"/>, or null when it is culled.</summary>
    public static Splat? Project(GaussianCloud cloud, Camera camera, int i)
    {
        double[] mu = [cloud.Means[3 * i], cloud.Means[3 * i + 1], cloud.Means[3 * i + 2]];
        double[,] W = Matrix(camera.R);
        double[] xc = Add(Apply(W, mu), camera.T);
        if (!(xc[2] > Math.Max(camera.Near, 0))) return null; // behind, too near, or NaN

        double opacity = 1 / (1 + Math.Exp(-cloud.OpacityLogits[i]));
        if (!(opacity >= 1.0 / 255.0)) return null;

        // Σ = R S Sᵀ Rᵀ
        double qw = cloud.Rotations[4 * i], qx = cloud.Rotations[4 * i + 1], qy = cloud.Rotations[4 * i + 2], qz = cloud.Rotations[4 * i + 3];
        double qn = Math.Sqrt(qw * qw + qx * qx + qy * qy + qz * qz);
        if (qn > 0 && double.IsFinite(qn)) { qw /= qn; qx /= qn; qy /= qn; qz /= qn; } else { qw = 1; qx = qy = qz = 0; } // unusable: identity
        double[,] R =
        {
            { 1 - 2 * (qy * qy + qz * qz), 2 * (qx * qy - qw * qz), 2 * (qx * qz + qw * qy) },
            { 2 * (qx * qy + qw * qz), 1 - 2 * (qx * qx + qz * qz), 2 * (qy * qz - qw * qx) },
            { 2 * (qx * qz - qw * qy), 2 * (qy * qz + qw * qx), 1 - 2 * (qx * qx + qy * qy) },
        };
        double[,] S = new double[3, 3];
        for (int k = 0; k < 3; k++) S[k, k] = Math.Exp(cloud.LogScales[3 * i + k]);
        double[,] M = Mul(R, S);
        double[,] sigma = Mul(M, Transpose(M));

        // EWA: Σ' = J W Σ Wᵀ Jᵀ with the reference's clamped Jacobian.
        double z = xc[2];
        double limX = 1.3 * (camera.Width / (2 * camera.Fx)), limY = 1.3 * (camera.Height / (2 * camera.Fy));
        double tx = Math.Clamp(xc[0] / z, -limX, limX) * z, ty = Math.Clamp(xc[1] / z, -limY, limY) * z;
        double[,] J =
        {
            { camera.Fx / z, 0, -camera.Fx * tx / (z * z) },
            { 0, camera.Fy / z, -camera.Fy * ty / (z * z) },
            { 0, 0, 0 },
        };
        double[,] JW = Mul(J, W);
        double[,] cov = Mul(Mul(JW, sigma), Transpose(JW));
        double a = cov[0, 0] + 0.3, b = cov[0, 1], c = cov[1, 1] + 0.3;
        double det = a * c - b * b;
        if (!(det > 0) || double.IsInfinity(det)) return null;
        double mid = 0.5 * (a + c);
        double lambda = mid + Math.Sqrt(Math.Max(0.1, mid * mid - det));
        double radius = Math.Ceiling(3 * Math.Sqrt(lambda));

        double u = camera.Fx * xc[0] / z + camera.Cx, v = camera.Fy * xc[1] / z + camera.Cy;

        // getRect, in the reference's pixel-index coordinates (pixel centres at integers: u − 0.5).
        int tilesX = (camera.Width + Tile - 1) / Tile, tilesY = (camera.Height + Tile - 1) / Tile;
        int tx0 = Math.Min(tilesX, Math.Max(0, Trunc((u - 0.5 - radius) / Tile)));
        int ty0 = Math.Min(tilesY, Math.Max(0, Trunc((v - 0.5 - radius) / Tile)));
        int tx1 = Math.Min(tilesX, Math.Max(0, Trunc((u - 0.5 + radius + Tile - 1) / Tile)));
        int ty1 = Math.Min(tilesY, Math.Max(0, Trunc((v - 0.5 + radius + Tile - 1) / Tile)));
        if ((tx1 - tx0) * (ty1 - ty0) == 0) return null;

        // SH colour for the direction camera centre → μ.
        double[] centre = Apply(Transpose(W), camera.T);
        double[] dir = [mu[0] + centre[0], mu[1] + centre[1], mu[2] + centre[2]]; // μ − C, C = −Wᵀt
        double len = Math.Sqrt(dir[0] * dir[0] + dir[1] * dir[1] + dir[2] * dir[2]);
        var s = new Splat
        {
            Index = i, Depth = z, U = u, V = v, Opacity = opacity,
            ConicA = c / det, ConicB = -b / det, ConicC = a / det,
            PixelX0 = tx0 * Tile, PixelY0 = ty0 * Tile,
            PixelX1 = Math.Min(camera.Width, tx1 * Tile), PixelY1 = Math.Min(camera.Height, ty1 * Tile),
        };
        for (int ch = 0; ch < 3; ch++)
            s.Colour[ch] = Math.Max(0, ShColour(cloud, i, ch, dir[0] / len, dir[1] / len, dir[2] / len) + 0.5);
        return s;
    }

    /// <summary>Σ_k Y_k(dir)·sh_k for one channel, 3DGS constants and signs.</summary>
    public static double ShColour(GaussianCloud cloud, int i, int ch, double x, double y, double z)
    {
        int per = cloud.ShCoefficients;
        double Sh(int k) => cloud.Sh[(i * per + k) * 3 + ch];
        double result = 0.28209479177387814 * Sh(0);
        if (cloud.ShDegree >= 1)
            result += -0.4886025119029199 * y * Sh(1) + 0.4886025119029199 * z * Sh(2) - 0.4886025119029199 * x * Sh(3);
        if (cloud.ShDegree >= 2)
        {
            double xx = x * x, yy = y * y, zz = z * z;
            result += 1.0925484305920792 * x * y * Sh(4)
                - 1.0925484305920792 * y * z * Sh(5)
                + 0.31539156525252005 * (2 * zz - xx - yy) * Sh(6)
                - 1.0925484305920792 * x * z * Sh(7)
                + 0.5462742152960396 * (xx - yy) * Sh(8);
            if (cloud.ShDegree >= 3)
            {
                result += -0.5900435899266435 * y * (3 * xx - yy) * Sh(9)
                    + 2.890611442640554 * x * y * z * Sh(10)
                    - 0.4570457994644658 * y * (4 * zz - xx - yy) * Sh(11)
                    + 0.3731763325901154 * z * (2 * zz - 3 * xx - 3 * yy) * Sh(12)
                    - 0.4570457994644658 * x * (4 * zz - xx - yy) * Sh(13)
                    + 1.445305721320277 * z * (xx - yy) * Sh(14)
                    - 0.5900435899266435 * x * (xx - 3 * yy) * Sh(15);
            }
        }
        return result;
    }

    private static int Trunc(double v) => v >= int.MaxValue ? int.MaxValue : v <= int.MinValue ? int.MinValue : (int)v;

    private static double[,] Matrix(double[] rowMajor)
    {
        var m = new double[3, 3];
        for (int r = 0; r < 3; r++) for (int c = 0; c < 3; c++) m[r, c] = rowMajor[3 * r + c];
        return m;
    }

    private static double[,] Mul(double[,] a, double[,] b)
    {
        var m = new double[3, 3];
        for (int r = 0; r < 3; r++) for (int c = 0; c < 3; c++) for (int k = 0; k < 3; k++) m[r, c] += a[r, k] * b[k, c];
        return m;
    }

    private static double[,] Transpose(double[,] a)
    {
        var m = new double[3, 3];
        for (int r = 0; r < 3; r++) for (int c = 0; c < 3; c++) m[r, c] = a[c, r];
        return m;
    }

    private static double[] Apply(double[,] m, double[] v) =>
        [m[0, 0] * v[0] + m[0, 1] * v[1] + m[0, 2] * v[2], m[1, 0] * v[0] + m[1, 1] * v[1] + m[1, 2] * v[2], m[2, 0] * v[0] + m[2, 1] * v[1] + m[2, 2] * v[2]];

    private static double[] Add(double[] a, double[] b) => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}
