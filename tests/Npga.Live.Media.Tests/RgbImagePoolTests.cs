using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Npga.Live.Core.Imaging;

namespace Npga.Live.Media.Tests;

/// <summary><see cref="RgbImagePool"/> and the holds of its <see cref="PooledRgbImage"/>s (no GStreamer needed).</summary>
public unsafe class RgbImagePoolTests
{
    [Fact]
    public void An_image_comes_back_only_after_its_last_hold_is_released()
    {
        var pool = new RgbImagePool(6, 4);
        var a = pool.Rent();
        Assert.Equal(1, a.Holds);
        Assert.Equal((6, 4, 72), (a.Image.Width, a.Image.Height, a.Image.Span.Length));
        a.Hold(); // an encoder keeps it
        a.Release(); // the renter is done
        var b = pool.Rent();
        Assert.NotSame(a, b); // still held: not handed out again
        a.Release(); // the encoder is done
        Assert.Equal(0, a.Holds);
        Assert.Same(a, pool.Rent());
        Assert.Equal(2, pool.Created);
    }

    [Fact]
    public void Misuse_is_refused_and_leaves_the_count_alone()
    {
        var pool = new RgbImagePool(2, 2);
        var a = pool.Rent();
        a.Release();
        Assert.Throws<InvalidOperationException>(a.Hold);
        Assert.Throws<InvalidOperationException>(a.Release);
        Assert.Equal(0, a.Holds);
        Assert.Same(a, pool.Rent()); // returned once, not twice
        Assert.NotSame(a, pool.Rent());
        Assert.Throws<ArgumentOutOfRangeException>(() => new RgbImagePool(0, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RgbImagePool(4, RgbImage.MaxSide + 1));
    }

    [Fact]
    public void Pixels_are_pinned_where_Address_says()
    {
        var image = new RgbImagePool(8, 8).Rent();
        image.Image.Span[5] = 77;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        Assert.Equal(77, ((byte*)image.Address)[5]);
        Assert.Equal(image.Address, (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(image.Image.Pixels)));
    }

    [Fact]
    public void Holds_from_many_threads_balance()
    {
        var pool = new RgbImagePool(2, 2);
        var image = pool.Rent();
        Parallel.For(0, 10_000, _ =>
        {
            image.Hold();
            image.Release();
        });
        Assert.Equal(1, image.Holds);
        image.Release();
        Assert.Same(image, pool.Rent());
    }

    [Fact]
    public void At_most_Capacity_images_are_kept()
    {
        var pool = new RgbImagePool(2, 2);
        var many = Enumerable.Range(0, RgbImagePool.Capacity + 3).Select(_ => pool.Rent()).ToList();
        foreach (var m in many) m.Release();
        var again = Enumerable.Range(0, RgbImagePool.Capacity + 3).Select(_ => pool.Rent()).ToList();
        Assert.Equal(RgbImagePool.Capacity, again.Count(many.Contains));
    }
}
