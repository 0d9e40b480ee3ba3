using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using P = Npga.Live.Rendering.Cpu.ProjectedGaussians;

namespace Npga.Live.Rendering.Cpu;

/// <summary>Which rasterizer kernel runs.</summary>
internal enum SimdPath
{
    /// <summary>The widest the hardware accelerates.</summary>
    Auto,
    /// <summary>One pixel at a time; the plain statement of the math.</summary>
    Scalar,
    /// <summary>8 pixels per vector (AVX2).</summary>
    Vector256,
    /// <summary>16 pixels, a whole tile row, per vector (AVX-512).</summary>
    Vector512,
}

/// <summary>
/// Stage 3 of 3 — rasterization (gsplat's <c>Rasterize</c>, 3DGS's <c>renderCUDA</c>): each 16×16 tile
/// composites its list front to back. For pixel centre p and Gaussian (μ', conic [[a,b],[b,c]], o, colour):
/// <code>
///   d = μ' − p;  power = −½(a·dx² + c·dy²) − b·dx·dy;  skip if power &gt; 0
///   α = min(0.99, o·exp(power));  skip if α &lt; 1/255
///   if T·(1 − α) &lt; 1e−4: the pixel is done (this Gaussian is not added)
///   C += colour·α·T;  h += latent·α·T;  T ← T·(1 − α)
/// and finally C + T·background (latents: h + T·0).
/// </code>
/// One work item is one tile. The vector kernels cut the tile into slots — a row, or half a row, of 16
/// (AVX-512) or 8 (AVX2) pixels — each holding its T, colour sums and active lanes in a small per-worker
/// state buffer, and walk the tile's list once, front to back: each Gaussian is evaluated against the
/// slots of the rows it can reach, a vector of pixels at a time. Rows outside its opacity-aware box, and
/// rows whose slice of the α ≥ 1/255 ellipse misses the slot, are skipped without evaluating (every α
/// there would be below 1/255 anyway); a slot leaves once all its lanes are done, the tile once all its
/// slots are. When the target has latent channels the weights α·T of each slot are kept and the latent
/// image is a small matrix product afterwards (weights [K × pixels] by latents [K × L]), so the Gaussian
/// loop stays the same whatever L is. The scalar kernel states the same rule one pixel at a time.
/// Every pixel depends on its own Gaussians only, so the result is the same bits whatever the thread
/// count or tile order.
/// </summary>
internal sealed class Rasterize : IParallelWork
{
    /// <summary>Transmittance below which a pixel stops.</summary>
    public const float MinTransmittance = 1e-4f;

    /// <summary>Largest α.</summary>
    public const float MaxAlpha = 0.99f;

    /// <summary>A worker's buffers (fixed sizes: nothing depends on how long a tile list is).</summary>
    private sealed class Scratch
    {
        /// <summary>[Slots · 5 · lanes] per slot: T, R, G, B, active mask.</summary>
        public readonly AlignedBuffer State = new();
        /// <summary>[Slots · WeightBatch · lanes] per slot, the non-zero weight vectors α·T not yet composited (latent targets only).</summary>
        public readonly AlignedBuffer Weights = new();
        /// <summary>[Slots · WeightBatch] the Gaussian of each stored weight vector.</summary>
        public int[] WeightIds = [];
        /// <summary>[Slots] stored weight vectors per slot.</summary>
        public int[] WeightCount = new int[Slots];
        /// <summary>[Slots] whether the slot's latent planes already hold a partial sum (a full batch was composited).</summary>
        public bool[] Flushed = new bool[Slots];
        /// <summary>One vector's worth of floats, for partial loads and stores at the image's right edge.</summary>
        public float[] Lane = new float[16];
        /// <summary>[L] the scalar kernel's latent sums for one pixel.</summary>
        public float[] Latent = [];
    }

    /// <summary>Weight vectors a slot keeps before they are composited into the latent planes.</summary>
    private const int WeightBatch = 128;

    /// <summary>How many Gaussians ahead the tile loop prefetches records.</summary>
    private const int PrefetchDistance = 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Prefetch(ref float address)
    {
        if (Sse.IsSupported) Sse.Prefetch0(Unsafe.AsPointer(ref address));
    }

    /// <summary>Most slots a tile has: 16 rows × 2 segments of 8 pixels.</summary>
    private const int Slots = 32;

    private readonly Scratch[] _scratch;
    private readonly SimdPath _path;

    // Per-frame state, set by Prepare (references only: no allocation).
    private ProjectedGaussians _projected = null!;
    private IntersectTile _bins = null!;
    private float[] _planes = [];
    private float[] _latents = [];
    private int _latentDim, _width, _height, _tilesX;
    private float _bgR, _bgG, _bgB;

    /// <summary>A rasterizer for <paramref name="workers"/> threads using <paramref name="path"/>.</summary>
    public Rasterize(int workers, SimdPath path)
    {
        _scratch = new Scratch[workers];
        for (int i = 0; i < workers; i++) _scratch[i] = new Scratch();
        _path = path switch
        {
            SimdPath.Auto => Lanes512.IsSupported ? SimdPath.Vector512 : Lanes256.IsSupported ? SimdPath.Vector256 : SimdPath.Scalar,
            SimdPath.Vector512 when !Lanes512.IsSupported => throw new PlatformNotSupportedException("AVX-512 is not accelerated here"),
            SimdPath.Vector256 when !Lanes256.IsSupported => throw new PlatformNotSupportedException("256-bit vectors are not accelerated here"),
            _ => path,
        };
    }

    /// <summary>The kernel in use.</summary>
    public SimdPath Path => _path;

    /// <summary>Sets the frame's inputs and makes the per-worker buffers (first frame, or first latent target) — on the calling thread, before <see cref="WorkerPool.Run"/>.</summary>
    public void Prepare(ProjectedGaussians projected, IntersectTile bins, RenderTarget target, float[] latents, int tilesX)
    {
        _projected = projected;
        _bins = bins;
        _planes = target.Planes;
        _latentDim = target.LatentChannels;
        _latents = latents;
        _width = target.Width;
        _height = target.Height;
        _tilesX = tilesX;
        var bg = target.Background;
        _bgR = bg[0]; _bgG = bg[1]; _bgB = bg[2];
        foreach (var s in _scratch)
        {
            s.State.EnsureCapacity(Slots * 5 * 16);
            // Slots × lanes = 256 pixels in every kernel.
            if (_latentDim > 0 && s.WeightIds.Length == 0)
            {
                s.Weights.EnsureCapacity(Projection.TileSize * Projection.TileSize * WeightBatch);
                s.WeightIds = new int[Slots * WeightBatch];
            }
            if (s.Latent.Length < _latentDim) s.Latent = new float[_latentDim];
        }
    }

    /// <summary>Drops the frame's references.</summary>
    public void Release()
    {
        _projected = null!;
        _bins = null!;
        _planes = [];
        _latents = [];
    }

    /// <summary>Renders tile <paramref name="tile"/>.</summary>
    public void Execute(int tile, int worker)
    {
        var s = _scratch[worker];
        int start = _bins.TileStart[tile], count = _bins.TileStart[tile + 1] - start;
        switch (_path)
        {
            case SimdPath.Vector512: TileVector<Lanes512, Vector512<float>>(tile, start, count, s); break;
            case SimdPath.Vector256: TileVector<Lanes256, Vector256<float>>(tile, start, count, s); break;
            default: TileScalar(tile, start, count, s); break;
        }
    }

    /// <summary>
    /// One tile with vectors of <c>TL.Count</c> pixels: the tile is cut into slots (row, segment of
    /// <c>TL.Count</c> pixels), each with its T, colour sums and active-lane mask kept in the worker's state
    /// buffer (L1-resident). The Gaussians are walked front to back, each applied only to the slots of the
    /// rows its opacity-aware box reaches and whose row slice of its α ≥ 1/255 ellipse meets the slot; a
    /// slot whose lanes are all done is dropped, and the tile ends when every slot is done. Each pixel sees
    /// the same Gaussians in the same order as under the per-pixel rule.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void TileVector<TL, TV>(int tile, int start, int count, Scratch s)
        where TL : struct, ILanes<TV> where TV : struct
    {
        int lanesPerVector = TL.Count;
        int segs = Projection.TileSize / lanesPerVector;
        int x0 = tile % _tilesX * Projection.TileSize, y0 = tile / _tilesX * Projection.TileSize;
        int w = Math.Min(Projection.TileSize, _width - x0), h = Math.Min(Projection.TileSize, _height - y0);
        bool latents = _latentDim > 0;
        const int cap = WeightBatch;

        // State per slot (r·segs + seg): T, R, G, B, active — five vectors.
        ref TV state = ref Unsafe.As<float, TV>(ref s.State.Start);
        TV one = TL.Splat(1f), zero = TL.Zero, iota = TL.Iota;
        ulong live = 0;
        for (int r = 0; r < h; r++)
        {
            for (int seg = 0; seg < segs; seg++)
            {
                int slot = r * segs + seg;
                int lanes = Math.Min(lanesPerVector, w - seg * lanesPerVector);
                ref TV st = ref Unsafe.Add(ref state, slot * 5);
                st = one;
                Unsafe.Add(ref st, 1) = zero;
                Unsafe.Add(ref st, 2) = zero;
                Unsafe.Add(ref st, 3) = zero;
                Unsafe.Add(ref st, 4) = TL.LessThan(iota, TL.Splat(lanes));
                if (lanes > 0) live |= 1UL << slot;
                s.WeightCount[slot] = 0;
                s.Flushed[slot] = false;
            }
        }

        TV minAlpha = TL.Splat(Projection.MinAlpha), maxAlpha = TL.Splat(MaxAlpha), minT = TL.Splat(MinTransmittance);
        ref float records = ref MemoryMarshal.GetArrayDataReference(_projected.Packed);
        ref int ids = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_bins.InstanceIds), start);
        ref float wbuf = ref s.Weights.Start;
        float rowBase = y0 + 0.5f;
        float halfSeg = 0.5f * (lanesPerVector - 1);
        for (int k = 0; k < count && live != 0; k++)
        {
            int id = Unsafe.Add(ref ids, k);
            ref float g = ref Unsafe.Add(ref records, (nint)id * P.Stride);
            // The records are visited in depth order, scattered over the whole array: ask for the one
            // eight ahead now, or every Gaussian starts with a cache miss the out-of-order window can't hide.
            if (k + PrefetchDistance < count) Prefetch(ref Unsafe.Add(ref records, (nint)Unsafe.Add(ref ids, k + PrefetchDistance) * P.Stride));
            // Rows of this tile whose centre lies in the opacity-aware box; elsewhere α < 1/255.
            int r0 = (int)Math.Clamp(MathF.Ceiling(Unsafe.Add(ref g, P.YMin) - rowBase), 0f, 16f);
            int r1 = (int)Math.Clamp(MathF.Floor(Unsafe.Add(ref g, P.YMax) - rowBase), -1f, h - 1);
            if (r1 < r0) continue;
            float u = Unsafe.Add(ref g, P.U), v = Unsafe.Add(ref g, P.V), halfC = Unsafe.Add(ref g, P.HalfC), b2 = Unsafe.Add(ref g, P.B2);
            float slope = Unsafe.Add(ref g, P.SliceSlope), k1 = Unsafe.Add(ref g, P.SliceK1), k2 = Unsafe.Add(ref g, P.SliceK2);
            TV halfA = TL.Splat(Unsafe.Add(ref g, P.HalfA)), log2Opacity = TL.Splat(Unsafe.Add(ref g, P.Log2Opacity));
            TV red = TL.Splat(Unsafe.Add(ref g, P.Red)), green = TL.Splat(Unsafe.Add(ref g, P.Green)), blue = TL.Splat(Unsafe.Add(ref g, P.Blue));
            float dy0 = v - (rowBase + r0);
            for (int seg = 0; seg < segs; seg++)
            {
                float sx = x0 + seg * lanesPerVector + 0.5f;
                float uMid = u - (sx + halfSeg);                 // μ'x − segment middle
                TV dx = TL.Sub(TL.Splat(u - sx), iota);        // μ'x − pixel centre x
                TV quad = TL.Mul(TL.Mul(halfA, dx), dx);        // log2(e)·½A·dx²
                float dy = dy0;                                  // μ'y − pixel centre y
                for (int r = r0; r <= r1; r++, dy -= 1f)
                {
                    int slot = r * segs + seg;
                    if ((live & (1UL << slot)) == 0) continue;
                    // Skip when this row's slice of the α ≥ 1/255 ellipse, centred at u + slope·dy, misses the
                    // segment: gap = distance from the slice centre to the segment, 0 inside.
                    float gap = float.MaxNative(MathF.Abs(uMid + slope * dy) - halfSeg, 0f);
                    if (gap * gap + k2 * dy * dy > k1) continue;
                    // q = −power·log2(e) = log2(e)·(½A·dx² + B·dx·dy + ½C·dy²);  α = min(0.99, 2^(log2 o − q))
                    TV q = TL.Add(TL.Fma(dx, TL.Splat(b2 * dy), quad), TL.Splat(halfC * dy * dy));
                    TV alpha = TL.Min(maxAlpha, TL.Exp2(TL.Sub(log2Opacity, q)));
                    ref TV st = ref Unsafe.Add(ref state, slot * 5);
                    TV T = st, active = Unsafe.Add(ref st, 4);
                    TV ok = TL.And(TL.And(TL.GreaterOrEqual(alpha, minAlpha), TL.GreaterOrEqual(q, zero)), active);
                    TV test = TL.Mul(T, TL.Sub(one, alpha));
                    TV stop = TL.And(TL.LessThan(test, minT), ok);
                    TV take = TL.AndNot(ok, stop);
                    TV wgt = TL.And(TL.Mul(alpha, T), take);
                    Unsafe.Add(ref st, 1) = TL.Fma(wgt, red, Unsafe.Add(ref st, 1));
                    Unsafe.Add(ref st, 2) = TL.Fma(wgt, green, Unsafe.Add(ref st, 2));
                    Unsafe.Add(ref st, 3) = TL.Fma(wgt, blue, Unsafe.Add(ref st, 3));
                    st = TL.Select(take, test, T);
                    active = TL.AndNot(active, stop);
                    Unsafe.Add(ref st, 4) = active;
                    if (!TL.Any(active)) live &= ~(1UL << slot);
                    if (latents && TL.Any(take))
                    {
                        int n = s.WeightCount[slot]++;
                        TL.Store(wgt, ref Unsafe.Add(ref wbuf, (slot * cap + n) * lanesPerVector));
                        s.WeightIds[slot * cap + n] = id;
                        if (n + 1 == cap) FlushLatents<TL, TV>(s, tile, slot, segs);
                    }
                }
            }
        }

        // Out: C + T·background, and the latent planes.
        int plane = _width * _height;
        ref float planes = ref MemoryMarshal.GetArrayDataReference(_planes);
        TV bgR = TL.Splat(_bgR), bgG = TL.Splat(_bgG), bgB = TL.Splat(_bgB);
        for (int r = 0; r < h; r++)
        {
            for (int seg = 0; seg < segs; seg++)
            {
                int lanes = Math.Min(lanesPerVector, w - seg * lanesPerVector);
                if (lanes <= 0) continue;
                int slot = r * segs + seg;
                ref TV st = ref Unsafe.Add(ref state, slot * 5);
                int o = (y0 + r) * _width + x0 + seg * lanesPerVector;
                WriteLanes<TL, TV>(TL.Fma(st, bgR, Unsafe.Add(ref st, 1)), ref Unsafe.Add(ref planes, o), lanes, s.Lane);
                WriteLanes<TL, TV>(TL.Fma(st, bgG, Unsafe.Add(ref st, 2)), ref Unsafe.Add(ref planes, plane + o), lanes, s.Lane);
                WriteLanes<TL, TV>(TL.Fma(st, bgB, Unsafe.Add(ref st, 3)), ref Unsafe.Add(ref planes, 2 * plane + o), lanes, s.Lane);
                if (latents)
                    CompositeLatents<TL, TV>(s, slot * cap, s.WeightCount[slot], ref Unsafe.Add(ref planes, 3 * plane + o), plane, lanes, s.Flushed[slot]);
            }
        }
    }

    /// <summary>Latent planes of one segment: h[l] = Σ_k w_k·latent[id_k, l], eight channels per sweep over the weights.</summary>
    private void CompositeLatents<TL, TV>(Scratch s, int first, int nw, ref float dst, int plane, int lanes, bool accumulate)
        where TL : struct, ILanes<TV> where TV : struct
    {
        int L = _latentDim;
        ref float lat = ref MemoryMarshal.GetArrayDataReference(_latents);
        int stride = TL.Count;
        ref float wbuf = ref Unsafe.Add(ref s.Weights.Start, first * stride);
        ref int ids = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(s.WeightIds), first);
        int l = 0;
        for (; l + 8 <= L; l += 8)
            Block8<TL, TV>(s, nw, ref Unsafe.Add(ref dst, l * plane), plane, lanes, accumulate, ref Unsafe.Add(ref lat, l), L, ref wbuf, ref ids, l == 0);
        for (; l < L; l++)
        {
            TV a = accumulate ? ReadLanes<TL, TV>(ref Unsafe.Add(ref dst, l * plane), lanes, s.Lane) : TL.Zero;
            for (int k = 0; k < nw; k++)
                a = TL.Fma(TL.Load(ref Unsafe.Add(ref wbuf, k * stride)), TL.Splat(Unsafe.Add(ref lat, (nint)Unsafe.Add(ref ids, k) * L + l)), a);
            WriteLanes<TL, TV>(a, ref Unsafe.Add(ref dst, l * plane), lanes, s.Lane);
        }
    }

    /// <summary>Eight latent channels of one slot: a[j] (+)= Σ_k w_k·h[id_k, j], the weights loaded once per k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block8<TL, TV>(Scratch s, int nw, ref float dst, int plane, int lanes, bool accumulate,
        ref float lat, int L, ref float wbuf, ref int ids, bool prefetch)
        where TL : struct, ILanes<TV> where TV : struct
    {
        int stride = TL.Count;
        TV a0 = TL.Zero, a1 = TL.Zero, a2 = TL.Zero, a3 = TL.Zero, a4 = TL.Zero, a5 = TL.Zero, a6 = TL.Zero, a7 = TL.Zero;
        if (accumulate)
        {
            a0 = ReadLanes<TL, TV>(ref dst, lanes, s.Lane);
            a1 = ReadLanes<TL, TV>(ref Unsafe.Add(ref dst, plane), lanes, s.Lane);
            a2 = ReadLanes<TL, TV>(ref Unsafe.Add(ref dst, 2 * plane), lanes, s.Lane);
            a3 = ReadLanes<TL, TV>(ref Unsafe.Add(ref dst, 3 * plane), lanes, s.Lane);
            a4 = ReadLanes<TL, TV>(ref Unsafe.Add(ref dst, 4 * plane), lanes, s.Lane);
            a5 = ReadLanes<TL, TV>(ref Unsafe.Add(ref dst, 5 * plane), lanes, s.Lane);
            a6 = ReadLanes<TL, TV>(ref Unsafe.Add(ref dst, 6 * plane), lanes, s.Lane);
            a7 = ReadLanes<TL, TV>(ref Unsafe.Add(ref dst, 7 * plane), lanes, s.Lane);
        }
        for (int k = 0; k < nw; k++)
        {
            if (prefetch && k + PrefetchDistance < nw) Prefetch(ref Unsafe.Add(ref lat, (nint)Unsafe.Add(ref ids, k + PrefetchDistance) * L));
            TV wv = TL.Load(ref Unsafe.Add(ref wbuf, k * stride));
            ref float h = ref Unsafe.Add(ref lat, (nint)Unsafe.Add(ref ids, k) * L);
            a0 = TL.Fma(wv, TL.Splat(h), a0);
            a1 = TL.Fma(wv, TL.Splat(Unsafe.Add(ref h, 1)), a1);
            a2 = TL.Fma(wv, TL.Splat(Unsafe.Add(ref h, 2)), a2);
            a3 = TL.Fma(wv, TL.Splat(Unsafe.Add(ref h, 3)), a3);
            a4 = TL.Fma(wv, TL.Splat(Unsafe.Add(ref h, 4)), a4);
            a5 = TL.Fma(wv, TL.Splat(Unsafe.Add(ref h, 5)), a5);
            a6 = TL.Fma(wv, TL.Splat(Unsafe.Add(ref h, 6)), a6);
            a7 = TL.Fma(wv, TL.Splat(Unsafe.Add(ref h, 7)), a7);
        }
        WriteLanes<TL, TV>(a0, ref dst, lanes, s.Lane);
        WriteLanes<TL, TV>(a1, ref Unsafe.Add(ref dst, plane), lanes, s.Lane);
        WriteLanes<TL, TV>(a2, ref Unsafe.Add(ref dst, 2 * plane), lanes, s.Lane);
        WriteLanes<TL, TV>(a3, ref Unsafe.Add(ref dst, 3 * plane), lanes, s.Lane);
        WriteLanes<TL, TV>(a4, ref Unsafe.Add(ref dst, 4 * plane), lanes, s.Lane);
        WriteLanes<TL, TV>(a5, ref Unsafe.Add(ref dst, 5 * plane), lanes, s.Lane);
        WriteLanes<TL, TV>(a6, ref Unsafe.Add(ref dst, 6 * plane), lanes, s.Lane);
        WriteLanes<TL, TV>(a7, ref Unsafe.Add(ref dst, 7 * plane), lanes, s.Lane);
    }

    /// <summary>
    /// Composites a slot's full batch of weight vectors into its latent planes (adding to what an earlier
    /// batch left there) and empties the batch: this bounds the weight buffer however many Gaussians a
    /// pixel sees (low-opacity Gaussians can need thousands to bring T below 1e−4).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FlushLatents<TL, TV>(Scratch s, int tile, int slot, int segs)
        where TL : struct, ILanes<TV> where TV : struct
    {
        int r = slot / segs, seg = slot % segs;
        int x = tile % _tilesX * Projection.TileSize + seg * TL.Count, y = tile / _tilesX * Projection.TileSize + r;
        int plane = _width * _height;
        int lanes = Math.Min(TL.Count, _width - x);
        ref float dst = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_planes), 3 * plane + y * _width + x);
        CompositeLatents<TL, TV>(s, slot * WeightBatch, s.WeightCount[slot], ref dst, plane, lanes, s.Flushed[slot]);
        s.Flushed[slot] = true;
        s.WeightCount[slot] = 0;
    }

    /// <summary>Loads the first <paramref name="lanes"/> floats at <paramref name="src"/>, zeros beyond.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV ReadLanes<TL, TV>(ref float src, int lanes, float[] lane)
        where TL : struct, ILanes<TV> where TV : struct
    {
        if (lanes == TL.Count) return TL.Load(ref src);
        Array.Clear(lane);
        for (int i = 0; i < lanes; i++) lane[i] = Unsafe.Add(ref src, i);
        return TL.Load(ref MemoryMarshal.GetArrayDataReference(lane));
    }

    /// <summary>Stores the first <paramref name="lanes"/> lanes of <paramref name="v"/> (a partial store at the image's right edge).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteLanes<TL, TV>(TV v, ref float dst, int lanes, float[] lane)
        where TL : struct, ILanes<TV> where TV : struct
    {
        if (lanes == TL.Count) { TL.Store(v, ref dst); return; }
        TL.Store(v, ref MemoryMarshal.GetArrayDataReference(lane));
        for (int i = 0; i < lanes; i++) Unsafe.Add(ref dst, i) = lane[i];
    }

    /// <summary>
    /// The scalar kernel: one pixel at a time, the rasterization rule exactly as written in the class
    /// summary (exp from <see cref="MathF.Exp"/>). Used where no vector unit is accelerated and as the
    /// readable statement of what the vector kernels compute.
    /// </summary>
    private void TileScalar(int tile, int start, int count, Scratch s)
    {
        int x0 = tile % _tilesX * Projection.TileSize, y0 = tile / _tilesX * Projection.TileSize;
        int w = Math.Min(Projection.TileSize, _width - x0), h = Math.Min(Projection.TileSize, _height - y0);
        int plane = _width * _height, L = _latentDim;
        float[] records = _projected.Packed, planes = _planes, lat = _latents;
        int[] ids = _bins.InstanceIds;
        Span<float> acc = s.Latent.AsSpan(0, L);
        for (int y = y0; y < y0 + h; y++)
        {
            float py = y + 0.5f;
            for (int x = x0; x < x0 + w; x++)
            {
                float px = x + 0.5f;
                float T = 1f, cr = 0f, cg = 0f, cb = 0f;
                acc.Clear();
                for (int k = 0; k < count; k++)
                {
                    var g = records.AsSpan(ids[start + k] * P.Stride, P.Stride);
                    if (py < g[P.YMin] || py > g[P.YMax]) continue; // α < 1/255 on this row
                    float dx = g[P.U] - px, dy = g[P.V] - py;
                    // q = −power·log2(e), so that e^power = 2^−q
                    float q = dx * (g[P.HalfA] * dx + g[P.B2] * dy) + g[P.HalfC] * dy * dy;
                    if (q < 0f) continue;
                    float alpha = MathF.Min(MaxAlpha, g[P.Opacity] * float.Exp2(-q));
                    if (alpha < Projection.MinAlpha) continue;
                    float test = T * (1f - alpha);
                    if (test < MinTransmittance) break;
                    float wgt = alpha * T;
                    cr += wgt * g[P.Red];
                    cg += wgt * g[P.Green];
                    cb += wgt * g[P.Blue];
                    if (L > 0)
                    {
                        int id = BitConverter.SingleToInt32Bits(g[P.Id]);
                        var hl = lat.AsSpan(id * L, L);
                        for (int l = 0; l < L; l++) acc[l] += wgt * hl[l];
                    }
                    T = test;
                }
                int o = y * _width + x;
                planes[o] = cr + T * _bgR;
                planes[plane + o] = cg + T * _bgG;
                planes[2 * plane + o] = cb + T * _bgB;
                for (int l = 0; l < L; l++) planes[(3 + l) * plane + o] = acc[l];
            }
        }
    }
}
