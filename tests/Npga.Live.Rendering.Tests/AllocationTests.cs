using Npga.Live.Core.Gaussians;
using Xunit.Abstractions;

namespace Npga.Live.Rendering.Tests;

/// <summary>After warm-up a frame allocates nothing (measured over the whole process, so this runs alone).</summary>
[Collection(nameof(NoParallel))]
public sealed class AllocationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void NoAllocationPerFrameAfterWarmUp(int threads)
    {
        var rng = new Random(21);
        var camera = TestScenes.RandomOrbit(256, 256, rng);
        var cloud = TestScenes.RandomScene(20000, 3, 8, 21, camera);
        var target = new RenderTarget(256, 256, 8);
        using var renderer = new CpuGaussianRenderer(threads);
        for (int i = 0; i < 3; i++) renderer.Render(cloud, camera, target);

        // Five measurements of 10 frames each; the process-wide figure is the smallest of them: a renderer that
        // allocated per frame would show in every one, the test host's sporadic background allocations (more of them
        // when the machine is loaded) do not.
        long allocatedHere = 0, allocated = long.MaxValue;
        for (int rep = 0; rep < 5; rep++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            long beforeHere = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++) renderer.Render(cloud, camera, target);
            allocatedHere += GC.GetAllocatedBytesForCurrentThread() - beforeHere;
            allocated = Math.Min(allocated, GC.GetTotalAllocatedBytes(precise: true) - before);
        }
        output.WriteLine($"{threads} threads: {allocatedHere} bytes on the calling thread over 50 frames, {allocated} bytes process-wide over the quietest 10");
        // The calling thread does all the work with one thread and a share of it with two: nothing at all.
        Assert.Equal(0, allocatedHere);
        // Process-wide (the renderer's worker thread included) the test host's own background threads
        // allocate a few hundred bytes now and then (0 in a bare console process): allow a small constant.
        Assert.True(allocated < 2048, $"{allocated} bytes allocated over 10 frames");
    }
}
