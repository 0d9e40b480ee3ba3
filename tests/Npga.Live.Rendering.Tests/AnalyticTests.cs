using Npga.Live.Core.Gaussians;

namespace Npga.Live.Rendering.Tests;

/// <summary>Renders whose answer is known in closed form.</summary>
public sealed class AnalyticTests
{
    /// <summary>
    /// One isotropic Gaussian (σ metres at depth z), white, opacity o, black background, seen straight on:
    /// the image is o·exp(−r²/2s²) with s² = σ²(f/z)² + 0.3 px², cut where α &lt; 1/255, i.e. at
    /// r²/2s² = τ = ln(255·o). Its intensity-weighted centroid must be the projected mean, and its
    /// per-axis variance that of a 2D Gaussian truncated to a disc: s²·[1 − (1 + τ)e^−τ]/(1 − e^−τ).
    /// o = 0.3 keeps α below the 0.99 clamp and the cut (2.95 s) inside the 3-sigma tile box.
    /// </summary>
    [Theory]
    [InlineData(0.0, 0.0, 1.0, 0.010, 300.0)]   // on the optical axis, s ≈ 3 px
    [InlineData(0.0, 0.0, 0.8, 0.016, 400.0)]   // s ≈ 8 px
    [InlineData(0.05, -0.03, 1.2, 0.02, 500.0)] // off axis: the Jacobian stretches x and y
    public void MomentsMatchTheProjectedGaussian(double x, double y, double z, double sigma, double f)
    {
        const double opacity = 0.3;
        const int size = 192;
        double cx = 96.3, cy = 90.7; // principal point off the pixel grid
        var camera = TestScenes.AtOrigin(size, size, f, cx, cy);
        var cloud = new GaussianCloud(1, 0, 0, 0);
        TestScenes.Set(cloud, 0, x, y, z, sigma, opacity, 1, 1, 1);

        using var renderer = new CpuGaussianRenderer(2);
        var target = new RenderTarget(size, size, 0);
        renderer.Render(cloud, camera, target);

        double m0 = 0, mx = 0, my = 0;
        var red = target.Plane(0);
        for (int j = 0; j < size; j++)
            for (int i = 0; i < size; i++)
            {
                double w = red[j * size + i];
                m0 += w; mx += w * (i + 0.5); my += w * (j + 0.5);
            }
        mx /= m0; my /= m0;
        double vx = 0, vy = 0, vxy = 0;
        for (int j = 0; j < size; j++)
            for (int i = 0; i < size; i++)
            {
                double w = red[j * size + i];
                vx += w * (i + 0.5 - mx) * (i + 0.5 - mx);
                vy += w * (j + 0.5 - my) * (j + 0.5 - my);
                vxy += w * (i + 0.5 - mx) * (j + 0.5 - my);
            }
        vx /= m0; vy /= m0; vxy /= m0;

        // Expected: mean u = f·x/z + cx; covariance J Σ Jᵀ with J = [[f/z, 0, −f·x/z²], [0, f/z, −f·y/z²]], Σ = σ²I.
        double u = f * x / z + cx, v = f * y / z + cy;
        double jx = -f * x / (z * z), jy = -f * y / (z * z), fz = f / z;
        double sxx = sigma * sigma * (fz * fz + jx * jx) + 0.3;
        double syy = sigma * sigma * (fz * fz + jy * jy) + 0.3;
        double sxy = sigma * sigma * jx * jy;
        double tau = Math.Log(255 * opacity);
        double truncation = (1 - (1 + tau) * Math.Exp(-tau)) / (1 - Math.Exp(-tau)); // 0.943 for o = 0.3
        // The cut is the level set of the full 2D Gaussian: the same factor applies to every second moment.
        Assert.InRange(mx - u, -0.02, 0.02);
        Assert.InRange(my - v, -0.02, 0.02);
        Assert.InRange(vx / (sxx * truncation), 0.99, 1.01);
        Assert.InRange(vy / (syy * truncation), 0.99, 1.01);
        Assert.InRange(vxy - sxy * truncation, -0.01 * Math.Sqrt(sxx * syy), 0.01 * Math.Sqrt(sxx * syy));
        // Peak: α at the pixel nearest the centre ≈ o (no clamp).
        Assert.InRange(red.ToArray().Max(), 0.9 * opacity, opacity + 1e-6);
    }

    /// <summary>An opaque Gaussian in front hides one behind: the pixel takes the front colour (within 1 %).</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OpaqueFrontGaussianHidesTheOneBehind(bool frontFirstInArray)
    {
        var camera = TestScenes.AtOrigin(128, 128, 200, 64, 64);
        var cloud = new GaussianCloud(2, 0, 0, 2);
        int front = frontFirstInArray ? 0 : 1, back = 1 - front;
        TestScenes.Set(cloud, front, 0, 0, 1.0, 0.05, 0.9999, 1, 0, 0);  // red, σ = 10 px, α clamps to 0.99
        TestScenes.Set(cloud, back, 0, 0, 1.5, 0.30, 0.9999, 0, 1, 0);   // green, σ = 40 px, behind
        cloud.Latents[2 * front] = 1; cloud.Latents[2 * back + 1] = 1;
        using var renderer = new CpuGaussianRenderer(2);
        var target = new RenderTarget(128, 128, 2);
        renderer.Render(cloud, camera, target);
        int centre = 64 * 128 + 64;
        int n = 128 * 128;
        Assert.InRange(target.Planes[centre], 0.99, 1.0);          // R
        Assert.InRange(target.Planes[n + centre], 0.0, 0.01);      // G
        Assert.InRange(target.Planes[2 * n + centre], 0.0, 0.0);   // B
        Assert.InRange(target.Planes[3 * n + centre], 0.99, 1.0);  // latent of the front one
        Assert.InRange(target.Planes[4 * n + centre], 0.0, 0.01);
        // Far from the red one the green one shows.
        int side = 64 * 128 + 64 + 40; // 40 px right: 4 σ of red (α < 1/255), 1 σ of green: 0.9999·e^−½
        Assert.InRange(target.Planes[n + side], 0.55, 0.65);
        Assert.Equal(0f, target.Planes[side]);
    }

    /// <summary>The rule's two thresholds: α is capped at 0.99, and a pixel stops before a Gaussian that would take T below 1e−4.</summary>
    [Fact]
    public void AlphaClampAndEarlyStop()
    {
        var camera = TestScenes.AtOrigin(64, 64, 100, 32, 32);
        float[] bg = [0.25f, 0.5f, 0.75f];
        var cloud = new GaussianCloud(3, 0, 0, 0);
        TestScenes.Set(cloud, 0, 0, 0, 1.0, 0.2, 0.999999, 1, 0, 0); // α = 0.99 (clamped) → T = 0.01
        TestScenes.Set(cloud, 1, 0, 0, 2.0, 0.4, 0.5, 0, 1, 0);      // α ≈ 0.5 → T ≈ 0.005
        TestScenes.Set(cloud, 2, 0, 0, 3.0, 0.6, 0.999999, 0, 0, 1); // α = 0.99 would take T to 5e−5 < 1e−4: not added
        using var renderer = new CpuGaussianRenderer(1);
        var target = new RenderTarget(64, 64, 0) { Background = bg };
        renderer.Render(cloud, camera, target);
        // At the centre pixel (Gaussians centred at (32, 32), pixel centre (32.5, 32.5)): α₁ = min(0.99, o·e^(−0.5·0.5²/σ²)).
        int p = 32 * 64 + 32, n = 64 * 64;
        double a2 = 0.5 * Math.Exp(-0.5 * (0.25 + 0.25) / (Math.Pow(0.4 * 100 / 2.0, 2) + 0.3));
        double T = 0.01 * (1 - a2);
        Assert.Equal(0.99, target.Planes[p] - T * bg[0], 5);
        Assert.Equal(0.01 * a2 + T * bg[1], target.Planes[n + p], 5);
        Assert.Equal(T * bg[2], target.Planes[2 * n + p], 5); // blue never added; the background shows through T
    }

    /// <summary>α below 1/255 is skipped: a white Gaussian over black leaves either exactly 0 or at least 1/255.</summary>
    [Fact]
    public void AlphaBelowOneOver255IsSkipped()
    {
        var camera = TestScenes.AtOrigin(96, 96, 150, 48, 48);
        var cloud = new GaussianCloud(2, 0, 0, 0);
        TestScenes.Set(cloud, 0, 0, 0, 1.0, 0.1, 0.05, 1, 1, 1);     // α = 0.05·e^power: cut at e^power = 0.078
        TestScenes.Set(cloud, 1, 0.25, 0.25, 1.0, 0.05, 0.0035, 1, 1, 1); // o < 1/255: never drawn
        using var renderer = new CpuGaussianRenderer(2);
        var target = new RenderTarget(96, 96, 0);
        renderer.Render(cloud, camera, target);
        var red = target.Plane(0).ToArray();
        int drawn = red.Count(v => v != 0);
        Assert.True(drawn > 100, $"{drawn} pixels drawn");
        Assert.All(red, v => Assert.True(v == 0 || v >= 1 / 255f * (1 - 1e-5f), $"value {v} in (0, 1/255)"));
        // The second Gaussian's centre (pixel (85, 85), 53 px from the first, beyond its 34 px cut) stays black.
        Assert.Equal(0f, red[85 * 96 + 85]);
        Assert.Equal(1, renderer.LastTimings.Visible);
        // Disc radius: α ≥ 1/255 where r²/2s² ≤ ln(255·0.05); s = 0.1·150/1 = 15 px.
        double s2 = 15 * 15 + 0.3, r2 = 2 * s2 * Math.Log(255 * 0.05);
        int expected = 0;
        for (int j = 0; j < 96; j++) for (int i = 0; i < 96; i++) { double dx = i + 0.5 - 48, dy = j + 0.5 - 48; if (dx * dx + dy * dy <= r2) expected++; }
        Assert.InRange(drawn, expected - 8, expected + 8);
    }
}
