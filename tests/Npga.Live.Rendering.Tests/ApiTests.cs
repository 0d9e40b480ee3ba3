using Npga.Live.Core.Gaussians;
using Npga.Live.Core.Imaging;

namespace Npga.Live.Rendering.Tests;

/// <summary>The public surface: argument checks, <see cref="RenderTarget"/> helpers.</summary>
public sealed class ApiTests
{
    [Fact]
    public void RenderTargetLayout()
    {
        var t = new RenderTarget(5, 3, 2);
        Assert.Equal(5, t.Width);
        Assert.Equal(3, t.Height);
        Assert.Equal(2, t.LatentChannels);
        Assert.Equal(5, t.Channels);
        Assert.Equal(5 * 5 * 3, t.Planes.Length);
        Assert.Equal(new float[3], t.Background);
        t.Plane(4)[0] = 9;
        Assert.Equal(9, t.Planes[4 * 15]);
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Plane(5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RenderTarget(0, 3, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RenderTarget(3, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RenderTarget(3, 3, -1));
        Assert.Throws<ArgumentException>(() => t.Background = new float[4]);
    }

    [Fact]
    public void RenderTargetOverACallersArray_DrawsIntoIt()
    {
        var planes = new float[4 * 4 * 3];
        var t = new RenderTarget(4, 4, 0, planes);
        Assert.Same(planes, t.Planes);
        t.Plane(1)[2] = 7; // the caller sees what is drawn, in place
        Assert.Equal(7, planes[16 + 2]);
        Assert.Throws<ArgumentException>(() => new RenderTarget(4, 4, 1, planes)); // 4 channels need 64 floats
    }

    [Fact]
    public void ToRgbImageClampsAndRounds()
    {
        var t = new RenderTarget(4, 1, 0);
        float[] r = [-0.5f, 0.5f, 1.5f, float.NaN];
        float[] g = [0f, 1f / 255 * 0.49f, 1f / 255 * 0.51f, 0.999f];
        float[] b = [1f, 0.2f, 0.4f, 0.6f];
        r.CopyTo(t.Plane(0)); g.CopyTo(t.Plane(1)); b.CopyTo(t.Plane(2));
        var img = new RgbImage(4, 1);
        t.ToRgbImage(img);
        Assert.Equal(new byte[] { 0, 0, 255, 128, 0, 51, 255, 1, 102, 0, 255, 153 }, img.Pixels);
        Assert.Throws<ArgumentException>(() => t.ToRgbImage(new RgbImage(3, 1)));
    }

    [Fact]
    public void RenderChecksItsArguments()
    {
        using var renderer = new CpuGaussianRenderer(1);
        var camera = Camera.Orbit(32, 32, 0.6, 0, 0, 30);
        var cloud = new GaussianCloud(3, 0, 0, 4);
        Assert.Throws<ArgumentException>(() => renderer.Render(cloud, camera, new RenderTarget(31, 32, 0)));
        Assert.Throws<ArgumentException>(() => renderer.Render(cloud, camera, new RenderTarget(32, 32, 3)));
        Assert.Throws<ArgumentNullException>(() => renderer.Render(null!, camera, new RenderTarget(32, 32, 0)));
        Assert.Throws<ArgumentException>(() => renderer.Render(cloud, camera with { R = [1, 0, 0] }, new RenderTarget(32, 32, 0)));
        renderer.Render(cloud, camera, new RenderTarget(32, 32, 0)); // RGB only: fine
        renderer.Render(cloud, camera, new RenderTarget(32, 32, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CpuGaussianRenderer(0));
        renderer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => renderer.Render(cloud, camera, new RenderTarget(32, 32, 0)));
    }

    [Fact]
    public void TimingsAreReported()
    {
        var rng = new Random(3);
        var camera = TestScenes.RandomOrbit(128, 128, rng);
        var cloud = TestScenes.RandomScene(3000, 3, 0, 3, camera);
        using var renderer = new CpuGaussianRenderer();
        renderer.Render(cloud, camera, new RenderTarget(128, 128, 0));
        var t = renderer.LastTimings;
        Assert.True(t.ProjectMs > 0 && t.BinSortMs > 0 && t.RasterizeMs > 0);
        Assert.Equal(t.ProjectMs + t.BinSortMs + t.RasterizeMs, t.TotalMs, 9);
        Assert.InRange(t.Visible, 1, 3000);
        Assert.True(t.TileInstances >= t.Visible);
    }
}
