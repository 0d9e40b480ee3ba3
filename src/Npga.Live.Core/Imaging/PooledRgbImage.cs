using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Npga.Live.Core.Imaging;

/// <summary>
/// An <see cref="RgbImage"/> from an <see cref="RgbImagePool"/>, with its holds counted: it goes back to the pool when
/// the last holder calls <see cref="Release"/>, and only then may the pool hand it out again. Its pixels are pinned
/// (<see cref="Address"/> stays valid for the image's whole life), so a native consumer can read them in place while it
/// holds the image. Nobody writes the pixels once the image is shared.
/// </summary>
public sealed unsafe class PooledRgbImage
{
    private readonly RgbImagePool _pool;
    private int _holds;

    internal PooledRgbImage(RgbImagePool pool, int width, int height)
    {
        _pool = pool;
        var pixels = GC.AllocateUninitializedArray<byte>(checked(width * height * 3), pinned: true);
        Image = new RgbImage(width, height, pixels);
        Address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pixels));
    }

    /// <summary>The image (packed RGB24, stride 3·width).</summary>
    public RgbImage Image { get; }

    /// <summary>Address of the first pixel byte: <see cref="RgbImage.Pixels"/> on the pinned object heap, never moved.</summary>
    public nint Address { get; }

    /// <summary>Holds on the image now (0 once it is back in its pool).</summary>
    public int Holds => Volatile.Read(ref _holds);

    /// <summary>Takes one more hold (thread-safe): the image stays out of the pool until this one is released too.</summary>
    /// <exception cref="InvalidOperationException">The image is back in its pool (no hold left to share).</exception>
    public void Hold()
    {
        int h = Volatile.Read(ref _holds);
        while (true)
        {
            if (h <= 0) throw new InvalidOperationException("the image is back in its pool: hold it before releasing it");
            int seen = Interlocked.CompareExchange(ref _holds, h + 1, h);
            if (seen == h) return;
            h = seen;
        }
    }

    /// <summary>Drops one hold (thread-safe, any thread, native callbacks included); the last one gives the image back to its pool.</summary>
    /// <exception cref="InvalidOperationException">More releases than holds.</exception>
    public void Release()
    {
        int h = Interlocked.Decrement(ref _holds);
        if (h == 0) _pool.Return(this);
        else if (h < 0)
        {
            Interlocked.Increment(ref _holds);
            throw new InvalidOperationException("the image was released more times than it was held");
        }
    }

    internal void Revive() => Volatile.Write(ref _holds, 1);
}
