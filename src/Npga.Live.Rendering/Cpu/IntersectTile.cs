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
/// All arrays are kept between frames and grow to capacity; nothing is allocated after warm-up.
/// </summary>
internal sealed class IntersectTile
{
    private uint[] _keys = [], _keyScratch = [];
    private int[] _sorted = [], _valueScratch = [];
    private readonly int[] _histogram = new int[RadixSort.HistogramLength];
    private int[] _tileStart = [], _cursor = [];
    private int[] _instances = [];

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
        Tiles = tiles;
        Grow(ref _keys, n); Grow(ref _keyScratch, n); Grow(ref _sorted, n); Grow(ref _valueScratch, n);
        Grow(ref _tileStart, tiles + 1); Grow(ref _cursor, tiles);

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

        // 2. Count instances per tile and prefix-sum them into ranges.
        Span<int> start = _tileStart.AsSpan(0, tiles + 1);
        start.Clear();
        for (int s = 0; s < visible; s++)
        {
            int i = _sorted[s];
            int x0 = rects[4 * i], y0 = rects[4 * i + 1], x1 = rects[4 * i + 2], y1 = rects[4 * i + 3];
            for (int ty = y0; ty < y1; ty++)
            {
                int row = ty * tilesX;
                for (int tx = x0; tx < x1; tx++) start[row + tx]++;
            }
        }
        int total = 0, maxPerTile = 0;
        for (int t = 0; t < tiles; t++)
        {
            int c = start[t];
            if (c > maxPerTile) maxPerTile = c;
            start[t] = total;
            _cursor[t] = total;
            total += c;
        }
        start[tiles] = total;
        Instances = total;
        MaxPerTile = maxPerTile;

        // 3. Scatter in depth order: each tile's list comes out front to back.
        Grow(ref _instances, total);
        int[] inst = _instances, cursor = _cursor;
        for (int s = 0; s < visible; s++)
        {
            int i = _sorted[s];
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
