using Npga.Live.Core.Gaussians;

namespace Npga.Live.Rendering.Tests;

/// <summary>Nothing to draw gives exactly the background (and zero latents), over whatever the target held.</summary>
public sealed class EmptySceneTests
{
    private static void AssertBackground(RenderTarget target, float[] bg)
    {
        int n = target.PlaneLength;
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < n; i++) Assert.Equal(bg[c], target.Planes[c * n + i]);
        for (int i = 3 * n; i < target.Planes.Length; i++) Assert.Equal(0f, target.Planes[i]);
    }

    [Fact]
    public void EmptyCloud()
    {
        var camera = Camera.Orbit(70, 45, 0.6, 0, 0, 30);
        var target = new RenderTarget(70, 45, 3) { Background = [0.2f, 0.4f, 0.6f] };
        Array.Fill(target.Planes, 7f);
        using var renderer = new CpuGaussianRenderer(2);
        renderer.Render(new GaussianCloud(0, 3, 0, 3), camera, target);
        AssertBackground(target, target.Background);
        Assert.Equal(0, renderer.LastTimings.Visible);
        Assert.Equal(0, renderer.LastTimings.TileInstances);
    }

    [Fact]
    public void EverythingCulled()
    {
        var camera = TestScenes.AtOrigin(80, 60, 100, 40, 30, near: 0.2);
        var cloud = new GaussianCloud(6, 1, 0, 2);
        TestScenes.Set(cloud, 0, 0, 0, -1, 0.05, 0.9, 1, 1, 1);     // behind the camera
        TestScenes.Set(cloud, 1, 0, 0, 0.15, 0.05, 0.9, 1, 1, 1);   // in front, but nearer than Near = 0.2
        TestScenes.Set(cloud, 2, 10, 0, 1, 0.05, 0.9, 1, 1, 1);     // far off to the right
        TestScenes.Set(cloud, 3, 0, -5, 1, 0.05, 0.9, 1, 1, 1);     // far above
        TestScenes.Set(cloud, 4, 0, 0, 1, 0.05, 0.003, 1, 1, 1);    // opacity below 1/255
        TestScenes.Set(cloud, 5, 0, 0, 1, 0.05, 0.9, 1, 1, 1);
        cloud.OpacityLogits[5] = float.NegativeInfinity;            // opacity exactly 0
        for (int i = 0; i < cloud.Latents.Length; i++) cloud.Latents[i] = 1;
        var target = new RenderTarget(80, 60, 2) { Background = [0.1f, 0.0f, 1.0f] };
        Array.Fill(target.Planes, -3f);
        using var renderer = new CpuGaussianRenderer(2);
        renderer.Render(cloud, camera, target);
        AssertBackground(target, target.Background);
        Assert.Equal(0, renderer.LastTimings.Visible);

        // The reference agrees that nothing is drawn.
        var reference = ReferenceRenderer.Render(cloud, camera, 2, target.Background);
        for (int i = 0; i < reference.Length; i++) Assert.Equal(reference[i], target.Planes[i], 6);
    }

    [Fact]
    public void JustInsideTheNearPlaneIsDrawn()
    {
        var camera = TestScenes.AtOrigin(64, 64, 100, 32, 32, near: 0.2);
        var cloud = new GaussianCloud(1, 0, 0, 0);
        TestScenes.Set(cloud, 0, 0, 0, 0.21, 0.01, 0.5, 1, 1, 1);
        var target = new RenderTarget(64, 64, 0);
        using var renderer = new CpuGaussianRenderer(1);
        renderer.Render(cloud, camera, target);
        Assert.Equal(1, renderer.LastTimings.Visible);
        Assert.True(target.Planes[32 * 64 + 32] > 0.4f);
    }
}
