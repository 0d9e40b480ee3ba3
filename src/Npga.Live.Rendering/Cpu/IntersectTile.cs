using System.Runtime.CompilerServices;

namespace Npga.Live.Rendering.Cpu;

/// <summary>
/// Stage 2 of 3 — tile intersection (gsplat's <c>IntersectTile</c>, 3DGS's <c>duplicateWithKeys</c> plus
/// the radix sort and <c>identifyTileRanges</c>): every visible Gaussian is listed once for each 16×16
/// tile of its box, and each tile's list is ordered front to back.
/// <para>
/// The order is exactly that of the reference's 64-bit keys <c>tile &lt;&lt; 32 | depth bits</c> (depth &gt; 0, so
/// its IEEE bits sort like the value) under a stable sort with duplicates emitted in Gaussian order —
/// ties in depth go to the lower index. It is computed the cheap way round, as an LSD radix sort of those
/// keys whose depth passes run before duplication: (1) the visible Gaussians are radix-sorted by depth
/// (N keys, not one per tile instance); (2) the tile digit is a counting sort — count the instances per
/// tile, prefix-sum into ranges, then walk the Gaussians in depth order appending each to the tiles of its
/// box. A stable pass over the tile digit after the depth digits is what the 64-bit sort does too.
/// </para>
/// <para>
/// Counting and appending are shared among the workers: worker p takes the p-th contiguous run of the
/// depth order, counts into its own per-tile histogram, and appends from its own cursors, which start
/// after everything workers 0..p−1 put in the same tile — so the lists come out identical whatever the
/// number of workers.
/// </para>
/// All arrays are kept between frames and grow to capacity; nothing is allocated after warm-up.
/// </summary>
internal sealed class IntersectTile : IParallelWork
{
    private readonly WorkerPool _pool;
    private uint[] _keys = [], _keyScratch = [];
    private int[] _sorted = [], _valueScratch = [];
    private readonly int[] _histogram = new int[RadixSort.HistogramLength];
    private int[] _tileStart = [];
    private readonly int[][] _counts;   // [worker][tile] instances, then that worker's append cursors
    private int[] _instances = [];

    // The frame being binned (set by Run for Execute).
    private int[] _rects = [];
    private int _tilesX;
    private bool _scatter;

    /// <summary>Tile intersection sharing <paramref name="pool"/>'s workers.</summary>
    public IntersectTile(WorkerPool pool)
    {
        _pool = pool;
        _counts = new int[pool.Workers][];
        for (int p = 0; p < _counts.Length; p++) _counts[p] = [];
    }

    /// <summary>Visible Gaussians (non-empty tile box), front to back.</summary>
    public ReadOnlySpan<int> DepthOrder => _sorted.AsSpan(0, Visible);

    /// <summary>Visible Gaussians in the last frame.</summary>
    public int Visible { get; private set; }

    /// <summary>Tiles in the last frame.</summary>
    public int Tiles { get; private set; }

    /// <summary>Tile instances (Gaussian, tile) in the last frame.</summary>
    public int Instances { get; private set; }

    /// <summary>Longest tile list in the last frame.</summary>
    public int MaxPerTile { get; private set; }

    /// <summary>Gaussian indices of all tile lists, tile by tile, each list front to back.</summary>
    public int[] InstanceIds => _instances;

    /// <summary>[Tiles + 1] start of each tile's list in <see cref="InstanceIds"/>; tile t is [start[t], start[t+1]).</summary>
    public int[] TileStart => _tileStart;

    /// <summary>Builds the tile lists from <paramref name="projected"/> for a grid of <paramref name="tilesX"/>×<paramref name="tilesY"/> tiles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(ProjectedGaussians projected, int tilesX, int tilesY)
    {
        int n = projected.Count;
        int tiles = tilesX * tilesY;
        int workers = _counts.Length;
        Tiles = tiles;
        Grow(ref _keys, n); Grow(ref _keyScratch, n); Grow(ref _sorted, n); Grow(ref _valueScratch, n);
        Grow(ref _tileStart, tiles + 1);
        for (int p = 0; p < workers; p++) Grow(ref _counts[p], tiles);

        // 1. Compact the visible Gaussians in index order and radix-sort them by depth.
        int[] rects = projected.Rects;
        float[] depths = projected.Depths;
        int visible = 0;
        for (int i = 0; i < n; i++)
        {
            if (rects[4 * i + 2] == rects[4 * i]) continue;
            _keys[visible] = BitConverter.SingleToUInt32Bits(depths[i]);
            _sorted[visible] = i;
            visible++;
        }
        Visible = visible;
        RadixSort.Sort(_keys.AsSpan(0, visible), _sorted.AsSpan(0, visible), _keyScratch, _valueScratch, _histogram);

        // 2. Count instances per tile, each worker over its run of the depth order.
        _rects = rects;
        _tilesX = tilesX;
        _scatter = false;
        _pool.Run(this, workers);

        // 3. Prefix-sum into tile ranges and per-worker cursors.
        int[] start = _tileStart;
        int total = 0, maxPerTile = 0;
        for (int t = 0; t < tiles; t++)
        {
            start[t] = total;
            for (int p = 0; p < workers; p++)
            {
                int c = _counts[p][t];
                _counts[p][t] = total;
                total += c;
            }
            maxPerTile = Math.Max(maxPerTile, total - start[t]);
        }
        start[tiles] = total;
        Instances = total;
        MaxPerTile = maxPerTile;

        // 4. Append in depth order: each tile's list comes out front to back.
        Grow(ref _instances, total);
        _scatter = true;
        _pool.Run(this, workers);
        _rects = [];
    }

    /// <summary>Counts (phase 2) or appends (phase 4) worker <paramref name="part"/>'s run of the depth order.</summary>
    public void Execute(int part, int worker)
    {
        int parts = _counts.Length, visible = Visible;
        int from = (int)((long)visible * part / parts), to = (int)((long)visible * (part + 1) / parts);
        if (_scatter) Append(from, to, _counts[part]);
        else Count(from, to, _counts[part]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Count(int from, int to, int[] counts)
    {
        Array.Clear(counts, 0, Tiles);
        int[] rects = _rects, sorted = _sorted;
        int tilesX = _tilesX;
        for (int s = from; s < to; s++)
        {
            int i = sorted[s];
            int x0 = rects[4 * i], y0 = rects[4 * i + 1], x1 = rects[4 * i + 2], y1 = rects[4 * i + 3];
            for (int ty = y0; ty < y1; ty++)
            {
                int row = ty * tilesX;
                for (int tx = x0; tx < x1; tx++) counts[row + tx]++;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Append(int from, int to, int[] cursor)
    {
        int[] rects = _rects, sorted = _sorted, inst = _instances;
        int tilesX = _tilesX;
        for (int s = from; s < to; s++)
        {
            int i = sorted[s];
            int x0 = rects[4 * i], y0 = rects[4 * i + 1], x1 = rects[4 * i + 2], y1 = rects[4 * i + 3];
            for (int ty = y0; ty < y1; ty++)
            {
                int row = ty * tilesX;
                for (int tx = x0; tx < x1; tx++) inst[cursor[row + tx]++] = i;
            }
        }
    }

    private static void Grow<T>(ref T[] array, int length)
    {
        if (array.Length >= length) return;
        array = new T[Math.Max(length, array.Length + array.Length / 2)];
    }
}
