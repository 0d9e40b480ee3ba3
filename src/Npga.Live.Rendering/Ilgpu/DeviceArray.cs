using ILGPU;
using ILGPU.Runtime;

namespace Npga.Live.Rendering.Ilgpu;

/// <summary>
/// A device buffer of <typeparamref name="T"/> that grows to the largest length asked for (by half again at least, so a
/// slowly growing scene reallocates rarely) and never shrinks: after the first frames the renderer allocates nothing on the
/// device. Growing discards the contents.
/// </summary>
/// <typeparam name="T">Element type (blittable).</typeparam>
internal sealed class DeviceArray<T>(Accelerator accelerator) : IDisposable
    where T : unmanaged
{
    private MemoryBuffer1D<T, Stride1D.Dense>? _buffer;

    /// <summary>Elements the buffer holds now.</summary>
    public long Capacity => _buffer?.Length ?? 0;

    /// <summary>The first <paramref name="length"/> elements, growing the buffer first when it is shorter.</summary>
    /// <param name="length">Elements, 0 or more (a zero length still allocates one element, so views are never null).</param>
    public ArrayView1D<T, Stride1D.Dense> View(long length)
    {
        if (_buffer is null || _buffer.Length < Math.Max(length, 1))
        {
            long capacity = Math.Max(Math.Max(length, 1), Capacity + Capacity / 2);
            _buffer?.Dispose();
            _buffer = null; // stays null if the allocation throws
            _buffer = accelerator.Allocate1D<T>(capacity);
        }
        return _buffer.View.SubView(0, length);
    }

    /// <summary>Frees the device memory.</summary>
    public void Dispose()
    {
        _buffer?.Dispose();
        _buffer = null;
    }
}
