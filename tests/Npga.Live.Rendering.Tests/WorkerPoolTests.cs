using Npga.Live.Core.Gaussians;
using Npga.Live.Rendering.Cpu;

namespace Npga.Live.Rendering.Tests;

/// <summary>The allocation-free parallel loop under the renderer, and inputs that must not break it.</summary>
public sealed class WorkerPoolTests
{
    private sealed class Record(int count, int throwAt = -1) : IParallelWork
    {
        public readonly int[] Hits = new int[count];
        public readonly HashSet<int> Workers = [];

        public void Execute(int item, int worker)
        {
            if (item == throwAt) throw new InvalidOperationException("item " + item);
            Interlocked.Increment(ref Hits[item]);
            lock (Workers) Workers.Add(worker);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void EveryItemRunsOnce(int threads)
    {
        using var pool = new WorkerPool(threads);
        Assert.Equal(threads, pool.Workers);
        for (int round = 0; round < 50; round++)
        {
            var work = new Record(round);
            pool.Run(work, round);
            Assert.All(work.Hits, h => Assert.Equal(1, h));
            Assert.All(work.Workers, w => Assert.InRange(w, 0, threads - 1));
        }
    }

    [Fact]
    public void AnExceptionReachesTheCallerAndThePoolCarriesOn()
    {
        using var pool = new WorkerPool(2);
        var ex = Assert.Throws<InvalidOperationException>(() => pool.Run(new Record(100, throwAt: 37), 100));
        Assert.Equal("item 37", ex.Message);
        var ok = new Record(100);
        pool.Run(ok, 100);
        Assert.All(ok.Hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void DisposeStopsTheThreads()
    {
        for (int i = 0; i < 20; i++)
        {
            var pool = new WorkerPool(3);
            pool.Run(new Record(10), 10);
            pool.Dispose();
            pool.Dispose();
            Assert.Throws<ObjectDisposedException>(() => pool.Run(new Record(1), 1));
        }
    }

    [Fact]
    public void BrokenGaussiansAreCulledNotFatal()
    {
        var camera = TestScenes.AtOrigin(64, 64, 80, 32, 32);
        var cloud = new GaussianCloud(7, 3, 0, 1);
        for (int i = 0; i < 7; i++) TestScenes.Set(cloud, i, 0, 0, 1, 0.05, 0.5, 0.8, 0.6, 0.4);
        cloud.Means[3] = float.NaN;                                    // 1: NaN position
        cloud.LogScales[6] = float.PositiveInfinity;                   // 2: infinite scale
        cloud.LogScales[9] = float.NaN;                                // 3: NaN scale
        cloud.OpacityLogits[4] = float.NaN;                            // 4: NaN opacity
        Array.Clear(cloud.Rotations, 20, 4);                           // 5: zero quaternion: the identity
        cloud.Rotations[24] = float.NaN;                               // 6: NaN quaternion: the identity
        using var renderer = new CpuGaussianRenderer(2);
        var target = new RenderTarget(64, 64, 1);
        renderer.Render(cloud, camera, target);
        Assert.Equal(3, renderer.LastTimings.Visible); // 0, 5 and 6
        Assert.All(target.Planes, v => Assert.False(float.IsNaN(v)));
        var expected = ReferenceRenderer.Render(cloud, camera, 1);
        Assert.True(TestScenes.Psnr(target.Planes, expected, 64 * 64, 0, 3) >= 50);
    }
}
