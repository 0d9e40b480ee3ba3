using System.Collections.Concurrent;

namespace Npga.Live.Core.Imaging;

/// <summary>
/// Pinned RGB images of one size, reused. <see cref="Rent"/> hands out a <see cref="PooledRgbImage"/> with one hold, the
/// renter's; whoever keeps the image past the renter's use of it (a GStreamer buffer that wraps its pixels, each of a
/// session's peers) takes a hold of its own, and the last <see cref="PooledRgbImage.Release"/> gives it back. The pixels
/// live on the pinned object heap, so native code may read them in place for as long as it holds the image. Without it
/// a live session allocated each avatar frame twice: its managed image, then a native buffer of the same size that the
/// image was copied into for the encoder. Thread-safe.
/// </summary>
public sealed class RgbImagePool
{
    /// <summary>Most images kept for reuse (8): more than a live session holds at once (render, encode, the encoder's
    /// queue of two); images given back beyond it are left to the garbage collector.</summary>
    public const int Capacity = 8;

    private readonly ConcurrentQueue<PooledRgbImage> _free = new();

    /// <summary>Makes an empty pool of <paramref name="width"/> x <paramref name="height"/> images.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A side is below 1 or above <see cref="RgbImage.MaxSide"/>.</exception>
    public RgbImagePool(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, RgbImage.MaxSide);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, RgbImage.MaxSide);
        Width = width;
        Height = height;
    }

    /// <summary>Width of the pool's images, pixels.</summary>
    public int Width { get; }

    /// <summary>Height of the pool's images, pixels.</summary>
    public int Height { get; }

    /// <summary>Images made so far (kept, rented or given up to the collector).</summary>
    public int Created => Volatile.Read(ref _created);

    private int _created;

    /// <summary>An image with one hold, the caller's (a kept one, else a new one). Its pixels are stale: write them all.</summary>
    public PooledRgbImage Rent()
    {
        if (!_free.TryDequeue(out var image))
        {
            image = new PooledRgbImage(this, Width, Height);
            Interlocked.Increment(ref _created);
        }
        image.Revive();
        return image;
    }

    internal void Return(PooledRgbImage image)
    {
        if (_free.Count < Capacity) _free.Enqueue(image);
    }
}
