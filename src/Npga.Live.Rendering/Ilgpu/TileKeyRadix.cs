using ILGPU.Algorithms.RadixSortOperations;

namespace Npga.Live.Rendering.Ilgpu;

/// <summary>
/// Ascending radix-sort operation on the low 16 bits of a uint tile id: the tile sort of <see cref="IlgpuIntersectTile"/>
/// uses it while the grid has at most 65,536 tiles (4096×4096 pixels), half the passes of a 32-bit sort.
/// </summary>
internal readonly struct TileKeyRadix16 : IRadixSortOperation<uint>
{
    /// <summary>Most tiles this operation sorts.</summary>
    public const int MaxTiles = 1 << 16;

    /// <summary>Bits sorted: 16.</summary>
    public int NumBits => 16;

    /// <summary>The padding value, the largest key.</summary>
    public uint DefaultValue => uint.MaxValue;

    /// <summary>Bits [shift, shift + log2(bitMask + 1)) of the key.</summary>
    public int ExtractRadixBits(uint value, int shift, int bitMask) => (int)(value >> shift) & bitMask;
}
