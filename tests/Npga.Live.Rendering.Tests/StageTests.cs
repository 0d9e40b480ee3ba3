using Npga.Live.Core.Gaussians;
using Npga.Live.Rendering.Cpu;

namespace Npga.Live.Rendering.Tests;

/// <summary>The stages' own contracts.</summary>
public sealed class StageTests
{
    [Fact]
    public void TileListsAreTheStableSortOfTheReferenceKeys()
    {
        var rng = new Random(31);
        var camera = TestScenes.RandomOrbit(250, 170, rng);
        var cloud = TestScenes.RandomScene(4000, 0, 0, 31, camera);
        // A few exact depth ties: same centre, different index.
        for (int i = 100; i < 110; i++) { cloud.Means[3 * i] = cloud.Means[300]; cloud.Means[3 * i + 1] = cloud.Means[301]; cloud.Means[3 * i + 2] = cloud.Means[302]; }
        foreach (int threads in new[] { 1, 2, 3 })
        {
            using var renderer = new CpuGaussianRenderer(threads);
            renderer.Render(cloud, camera, new RenderTarget(250, 170, 0));
            var bins = renderer.Bins;
            var projected = renderer.Projected;
            int tilesX = (250 + 15) / 16;

            // The reference way: one 64-bit key per (Gaussian, tile), emitted in Gaussian order, stable-sorted.
            var keyed = new List<(ulong Key, int Gaussian)>();
            for (int i = 0; i < cloud.Count; i++)
            {
                var r = projected.Rects.AsSpan(4 * i, 4);
                for (int ty = r[1]; ty < r[3]; ty++)
                    for (int tx = r[0]; tx < r[2]; tx++)
                        keyed.Add(((ulong)(ty * tilesX + tx) << 32 | BitConverter.SingleToUInt32Bits(projected.Depths[i]), i));
            }
            var expected = keyed.OrderBy(k => k.Key).ToList(); // LINQ OrderBy is stable
            Assert.Equal(expected.Count, bins.Instances);
            for (int k = 0; k < expected.Count; k++) Assert.Equal(expected[k].Gaussian, bins.InstanceIds[k]);
            for (int t = 0; t < bins.Tiles; t++)
            {
                int first = bins.TileStart[t], end = bins.TileStart[t + 1];
                for (int k = first; k < end; k++) Assert.Equal((ulong)t, expected[k].Key >> 32);
            }
        }
    }

    [Fact]
    public void RadixSortIsAStableSort()
    {
        var rng = new Random(32);
        foreach (int n in new[] { 0, 1, 2, 17, 5000 })
        {
            var keys = new uint[n];
            for (int i = 0; i < n; i++) keys[i] = rng.Next(4) == 0 ? 42u : (uint)rng.NextInt64(0, 1L << 32);
            var values = Enumerable.Range(0, n).ToArray();
            var expected = keys.Select((k, i) => (k, i)).OrderBy(p => p.k).ToArray();
            RadixSort.Sort(keys, values, new uint[n], new int[n], new int[RadixSort.HistogramLength]);
            Assert.Equal(expected.Select(p => p.k), keys);
            Assert.Equal(expected.Select(p => p.i), values);
        }
        // Keys whose high digits are all equal (passes skipped).
        var small = new uint[] { 5, 3, 5, 1, 0, 3 };
        var vals = new[] { 0, 1, 2, 3, 4, 5 };
        RadixSort.Sort(small, vals, new uint[6], new int[6], new int[RadixSort.HistogramLength]);
        Assert.Equal(new uint[] { 0, 1, 3, 3, 5, 5 }, small);
        Assert.Equal(new[] { 4, 3, 1, 5, 0, 2 }, vals);
    }

    [Fact]
    public void FastExp2IsAccurate()
    {
        double worst = 0;
        for (int i = 0; i <= 200000; i++)
        {
            float x = -40f * i / 200000;
            double rel = Math.Abs(FastExp2.Exp2(x) / Math.Pow(2, x) - 1);
            worst = Math.Max(worst, rel);
        }
        Assert.True(worst < 4e-7, $"worst relative error {worst:E2}");
        var xs = new float[16];
        for (int i = 0; i < 16; i++) xs[i] = -0.37f * i * i;
        var v = FastExp2.Exp2(System.Runtime.Intrinsics.Vector512.Create(xs));
        var w = FastExp2.Exp2(System.Runtime.Intrinsics.Vector256.Create(xs.AsSpan(0, 8)));
        for (int i = 0; i < 16; i++) Assert.Equal(FastExp2.Exp2(xs[i]), v[i]);
        for (int i = 0; i < 8; i++) Assert.Equal(FastExp2.Exp2(xs[i]), w[i]);
        Assert.True(FastExp2.Exp2(-1000f) >= 0);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void LowerShDegreesMatchTheReference(int degree)
    {
        var rng = new Random(40 + degree);
        var camera = TestScenes.RandomOrbit(128, 128, rng);
        var cloud = TestScenes.RandomScene(1500, degree, 0, 40 + degree, camera);
        var expected = ReferenceRenderer.Render(cloud, camera, 0);
        using var renderer = new CpuGaussianRenderer(2);
        var target = new RenderTarget(128, 128, 0);
        renderer.Render(cloud, camera, target);
        Assert.True(TestScenes.Psnr(target.Planes, expected, 128 * 128, 0, 3) >= 50);
    }
}
