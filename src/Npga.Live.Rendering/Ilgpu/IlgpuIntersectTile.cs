using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Algorithms.RadixSortOperations;
using ILGPU.Algorithms.ScanReduceOperations;
using ILGPU.Runtime;

namespace Npga.Live.Rendering.Ilgpu;

/// <summary>
/// Stage 2 of 3 on the device — tile intersection (gsplat's <c>IntersectTile</c>, 3DGS's <c>duplicateWithKeys</c>, radix
/// sort and <c>identifyTileRanges</c>): every visible Gaussian is listed once per 16×16 tile of its box, each tile's list
/// front to back. The order is the CPU renderer's (<see cref="Cpu.IntersectTile"/>): that of the reference's 64-bit keys
/// <c>tile &lt;&lt; 32 | depth bits</c> under a stable sort, ties in depth to the lower index. It is reached as an LSD radix
/// sort in two stable passes of 32-bit keys (ILGPU.Algorithms' radix sort is stable; its float sort is not used: it misorders
/// negative keys, and the depth bits of positive floats already order like the depths as uints):
/// <list type="number">
/// <item>sort the N (depth bits, index) pairs — culled Gaussians carry <see cref="uint.MaxValue"/> and sink to the end;</item>
/// <item>per rank s of that order count the tiles of its box, exclusive-scan into offsets, read back the total (the one
/// host round-trip of the frame: it sizes the instance buffers);</item>
/// <item>emit (tile id, index) for each tile of each box at its offset — so the instances are in depth order — and sort them
/// by tile id (16 bits while the grid has at most 65,536 tiles);</item>
/// <item>mark each tile's range [start, end) in the sorted list where the tile id changes.</item>
/// </list>
/// Buffers grow to the largest frame and are kept (<see cref="DeviceArray{T}"/>).
/// </summary>
internal sealed class IlgpuIntersectTile : IDisposable
{
    private readonly Accelerator _accelerator;
    private readonly RadixSortPairs<uint, Stride1D.Dense, int, Stride1D.Dense> _sortDepth, _sortTile16, _sortTile32;
    private readonly Scan<int, Stride1D.Dense, Stride1D.Dense> _scan;
    private readonly Action<Index1D, ArrayView<int>, ArrayView<int>, ArrayView<int>> _countKernel;
    private readonly Action<Index1D, ArrayView<int>, ArrayView<int>, ArrayView<int>, int> _totalKernel;
    private readonly Action<Index1D, ArrayView<int>, ArrayView<int>, ArrayView<int>, int, ArrayView<uint>, ArrayView<int>> _emitKernel;
    private readonly Action<Index1D, ArrayView<uint>, ArrayView<int>> _rangesKernel;
    private readonly DeviceArray<int> _counts, _offsets, _instanceIds, _ranges, _sortTemp, _scanTemp;
    private readonly DeviceArray<uint> _instanceKeys;
    private readonly PinnedArray<int> _statsHost;

    /// <summary>Loads the kernels and ILGPU.Algorithms' sort and scan on <paramref name="accelerator"/>.</summary>
    public IlgpuIntersectTile(Accelerator accelerator)
    {
        _accelerator = accelerator;
        _sortDepth = accelerator.CreateRadixSortPairs<uint, Stride1D.Dense, int, Stride1D.Dense, AscendingUInt32>();
        _sortTile16 = accelerator.CreateRadixSortPairs<uint, Stride1D.Dense, int, Stride1D.Dense, TileKeyRadix16>();
        _sortTile32 = accelerator.CreateRadixSortPairs<uint, Stride1D.Dense, int, Stride1D.Dense, AscendingUInt32>();
        _scan = accelerator.CreateScan<int, Stride1D.Dense, Stride1D.Dense, AddInt32>(ScanKind.Exclusive);
        _countKernel = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, ArrayView<int>, ArrayView<int>>(CountKernel);
        _totalKernel = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, ArrayView<int>, ArrayView<int>, int>(TotalKernel);
        _emitKernel = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, ArrayView<int>, ArrayView<int>, int, ArrayView<uint>, ArrayView<int>>(EmitKernel);
        _rangesKernel = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<uint>, ArrayView<int>>(RangesKernel);
        _counts = new(accelerator); _offsets = new(accelerator); _instanceIds = new(accelerator); _ranges = new(accelerator);
        _sortTemp = new(accelerator); _scanTemp = new(accelerator); _instanceKeys = new(accelerator);
        _statsHost = new(accelerator);
        _statsHost.Reserve(2);
    }

    /// <summary>Visible Gaussians in the last frame.</summary>
    public int Visible { get; private set; }

    /// <summary>Tile instances (Gaussian, tile) in the last frame.</summary>
    public int Instances { get; private set; }

    /// <summary>[Instances] Gaussian indices of all tile lists, tile by tile, each list front to back.</summary>
    public ArrayView<int> InstanceIds { get; private set; }

    /// <summary>[tiles·2] each tile's list as [start, end) in <see cref="InstanceIds"/>; (0, 0) for an empty tile.</summary>
    public ArrayView<int> Ranges { get; private set; }

    /// <summary>Builds the tile lists of the last projection (<paramref name="projected"/>) of <paramref name="count"/> Gaussians.</summary>
    public void Run(IlgpuProjection projected, int count, int tilesX, int tilesY)
    {
        var stream = _accelerator.DefaultStream;
        int tiles = tilesX * tilesY;
        var ranges = _ranges.View(2L * tiles);
        ranges.MemSetToZero(stream);
        Ranges = ranges;
        if (count == 0)
        {
            Visible = 0;
            Instances = 0;
            InstanceIds = _instanceIds.View(0);
            return;
        }

        // 1. Depth order (culled last).
        var keys = projected.DepthKeys;
        var ids = projected.DepthIds;
        _sortDepth(stream, keys, ids, SortTemp<AscendingUInt32>(count));

        // 2. Tiles per rank, offsets, total.
        var counts = _counts.View(count);
        var offsets = _offsets.View(count);
        _countKernel(count, ids, projected.Rects, counts);
        _scan(stream, counts, offsets, _scanTemp.View(_accelerator.ComputeScanTempStorageSize<int>(count)));
        _totalKernel(1, counts, offsets, projected.Stats, count);
        _statsHost.View(2).CopyFrom(stream, projected.Stats);
        stream.Synchronize();
        var stats = _statsHost.Span(2);
        Visible = stats[0];
        int total = stats[1];
        Instances = total;

        // 3. Instances in depth order, then stably by tile.
        var instanceKeys = _instanceKeys.View(total);
        var instanceIds = _instanceIds.View(total);
        InstanceIds = instanceIds;
        if (total == 0) return;
        _emitKernel(count, ids, projected.Rects, offsets, tilesX, instanceKeys, instanceIds);
        if (tiles <= TileKeyRadix16.MaxTiles)
            _sortTile16(stream, instanceKeys, instanceIds, SortTemp<TileKeyRadix16>(total));
        else
            _sortTile32(stream, instanceKeys, instanceIds, SortTemp<AscendingUInt32>(total));

        // 4. Tile ranges.
        _rangesKernel(total, instanceKeys, ranges);
    }

    private ArrayView<int> SortTemp<TOperation>(int length)
        where TOperation : struct, IRadixSortOperation<uint> =>
        _sortTemp.View(_accelerator.ComputeRadixSortPairsTempStorageSize<uint, int, TOperation>(length));

    /// <summary>Frees the device buffers.</summary>
    public void Dispose()
    {
        _counts.Dispose(); _offsets.Dispose(); _instanceIds.Dispose(); _ranges.Dispose();
        _sortTemp.Dispose(); _scanTemp.Dispose(); _instanceKeys.Dispose(); _statsHost.Dispose();
    }

    /// <summary>counts[s] = tiles in the box of the Gaussian at depth rank s (0 when culled).</summary>
    internal static void CountKernel(Index1D s, ArrayView<int> sortedIds, ArrayView<int> rects, ArrayView<int> counts)
    {
        int i = sortedIds[s];
        counts[s] = (rects[4 * i + 2] - rects[4 * i]) * (rects[4 * i + 3] - rects[4 * i + 1]);
    }

    /// <summary>stats[1] = total tile instances = offsets[n−1] + counts[n−1] (one thread).</summary>
    internal static void TotalKernel(Index1D index, ArrayView<int> counts, ArrayView<int> offsets, ArrayView<int> stats, int n) =>
        stats[1] = offsets[n - 1] + counts[n - 1];

    /// <summary>Writes (tile id, Gaussian) for every tile of the box of the Gaussian at depth rank s, from offsets[s] on.</summary>
    internal static void EmitKernel(Index1D s, ArrayView<int> sortedIds, ArrayView<int> rects, ArrayView<int> offsets, int tilesX,
        ArrayView<uint> keys, ArrayView<int> values)
    {
        int i = sortedIds[s];
        int x0 = rects[4 * i], y0 = rects[4 * i + 1], x1 = rects[4 * i + 2], y1 = rects[4 * i + 3];
        int o = offsets[s];
        for (int ty = y0; ty < y1; ty++)
        {
            for (int tx = x0; tx < x1; tx++)
            {
                keys[o] = (uint)(ty * tilesX + tx);
                values[o] = i;
                o++;
            }
        }
    }

    /// <summary>Marks where tile ids change in the sorted instance list: ranges[2t] = first, ranges[2t+1] = one past the last.</summary>
    internal static void RangesKernel(Index1D k, ArrayView<uint> keys, ArrayView<int> ranges)
    {
        int tile = (int)keys[k];
        if (k == 0 || keys[k - 1] != keys[k]) ranges[2 * tile] = k;
        if (k == keys.IntLength - 1 || keys[k + 1] != keys[k]) ranges[2 * tile + 1] = k + 1;
    }
}
