using ILGPU;
using ILGPU.Runtime;

namespace Npga.Live.Rendering.Ilgpu;

/// <summary>
/// A page-locked host array of <typeparamref name="T"/> for transfers to and from the device: it grows to the largest length
/// asked for (by half again at least) and never shrinks. Copies between a device view and a page-locked view allocate
/// nothing on the managed heap (a copy from an ordinary managed array makes ILGPU wrap it in a small object each time) and
/// run as DMA at full bus speed on CUDA.
/// </summary>
/// <typeparam name="T">Element type (blittable).</typeparam>
internal sealed class PinnedArray<T>(Accelerator accelerator) : IDisposable
    where T : unmanaged
{
    private PageLockedArray1D<T>? _array;

    /// <summary>Makes room for <paramref name="length"/> elements (discarding the contents when it grows).</summary>
    public void Reserve(long length)
    {
        long capacity = _array?.Length ?? 0;
        if (capacity >= Math.Max(length, 1)) return;
        _array?.Dispose();
        _array = null; // stays null if the allocation throws
        _array = accelerator.AllocatePageLocked1D<T>(Math.Max(Math.Max(length, 1), capacity + capacity / 2));
    }

    /// <summary>The first <paramref name="length"/> elements on the host (after <see cref="Reserve"/>).</summary>
    public Span<T> Span(int length) => _array!.Span[..length];

    /// <summary>The first <paramref name="length"/> elements as a view for device copies (after <see cref="Reserve"/>).</summary>
    public ArrayView1D<T, Stride1D.Dense> View(long length) => _array!.ArrayView.SubView(0, length);

    /// <summary>Frees the page-locked memory.</summary>
    public void Dispose()
    {
        _array?.Dispose();
        _array = null;
    }
}
