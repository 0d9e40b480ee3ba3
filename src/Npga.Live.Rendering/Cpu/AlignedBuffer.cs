using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Npga.Live.Rendering.Cpu;

/// <summary>
/// A float buffer whose first element sits on a 64-byte boundary (a cache line, the size of one AVX-512
/// vector). .NET arrays are only 8-byte aligned, so a 64-byte vector load or store into an ordinary
/// array usually straddles two cache lines; the rasterizer's per-slot state and weight vectors, read and
/// written for every Gaussian, are kept one vector per line. The buffer is a pinned array (pinned-object
/// heap: it never moves) with the alignment found once.
/// </summary>
internal sealed class AlignedBuffer
{
    private const int Alignment = 64;
    private float[] _array = [];
    private int _offset;

    /// <summary>Usable floats.</summary>
    public int Length { get; private set; }

    /// <summary>The first (aligned) element.</summary>
    public ref float Start
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_array), _offset);
    }

    /// <summary>The usable floats as a span.</summary>
    public Span<float> Span => _array.AsSpan(_offset, Length);

    /// <summary>Makes room for at least <paramref name="length"/> floats (contents are lost when it grows).</summary>
    public unsafe void EnsureCapacity(int length)
    {
        if (length <= Length) return;
        int capacity = Math.Max(length, Length + Length / 2);
        var array = GC.AllocateArray<float>(capacity + Alignment / sizeof(float), pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        _offset = (int)((Alignment - (address & (Alignment - 1))) & (Alignment - 1)) / sizeof(float);
        _array = array;
        Length = capacity;
    }
}
