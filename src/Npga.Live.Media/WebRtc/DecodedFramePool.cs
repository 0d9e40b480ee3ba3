using System.Collections.Concurrent;
using Npga.Live.Core.Imaging;

namespace Npga.Live.Media.WebRtc;

/// <summary>
/// The buffers a <see cref="WebRtcPeer"/> decodes webcam frames into, reused: <see cref="Rent"/> hands out one of the
/// asked size that came back through <see cref="Return"/> (a frame's <see cref="VideoFrame.Release"/>), else a new one.
/// Buffers of another size (left from before the browser changed its resolution) are dropped when met. Without it every
/// webcam frame allocated its buffer anew (640×480 RGB: 939 KB of managed allocation per frame, measured by
/// <c>npga bench live</c>; 11 KB with it). Thread-safe.
/// </summary>
public sealed class DecodedFramePool
{
    /// <summary>Most buffers kept (8): more than the frames a live pipeline holds at once.</summary>
    public const int Capacity = 8;

    private readonly ConcurrentQueue<RgbImage> _images = new();
    private volatile bool _closed;

    /// <summary>A buffer for a <paramref name="width"/> x <paramref name="height"/> RGB frame (its pixels are stale: write them all).</summary>
    public RgbImage Rent(int width, int height)
    {
        while (_images.TryDequeue(out var image))
            if (image.Width == width && image.Height == height) return image;
        return new RgbImage(width, height, GC.AllocateUninitializedArray<byte>(width * height * 3));
    }

    /// <summary>Takes a buffer back, unless <see cref="Capacity"/> are kept or the pool was closed; the caller no longer touches it.</summary>
    public void Return(RgbImage image)
    {
        if (!_closed && _images.Count < Capacity) _images.Enqueue(image);
    }

    /// <summary>Drops the kept buffers and keeps none from now on (the peer was disposed).</summary>
    public void Close()
    {
        _closed = true;
        _images.Clear();
    }
}
