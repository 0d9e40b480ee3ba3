using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Npga.Live.Refine;

/// <summary>
/// The light screen-space CNN (NPGA eq. 7 as the trainer exports it with <c>--cnn-kernels k,1</c>): rgb = image[:3] +
/// W2 · ReLU(W1 ⊛ image + b1) + b2, a k×k convolution of the 3+L rendered channels into H hidden channels (zero padding)
/// and a 1×1 convolution back to RGB, fused on the CPU: a row of output pixels at a time, <see cref="Vector{T}"/>-wide
/// blocks of pixels along x, the hidden values of a block accumulated in registers eight channels at a time and used by the
/// second convolution straight away (nothing hidden is written to memory), rows split over the cores. The renderer draws into
/// <see cref="Input"/> itself (no border: the first and last block of a row pad their own taps). `npga bench render` times it
/// against ORT on the same frames. Buffers are allocated once.
/// </summary>
public sealed class FusedCnnRefiner : IScreenRefiner
{
    /// <summary>Most hidden channels the fused kernel takes (its accumulators live on the stack).</summary>
    public const int MaxHidden = 32;

    private readonly int _w, _h, _cin, _k, _r, _threads;
    private readonly float[] _input;   // Cin planes of W x H: the renderer draws here
    private readonly float[] _out;     // 3 planes of W x H
    // The weights with the hidden channels padded to groups of 8 (zero weights and biases: ReLU(0) = 0 adds nothing):
    // the k x k layer [groups][Cin·K·K taps][8], its biases [groups·8], the 1 x 1 layer [3][groups·8] and its biases [3].
    private readonly float[] _w1, _b1, _w2, _b2;
    private readonly int _groups, _hiddenPadded;

    private const int BandRows = 8;
    private readonly ParallelOptions _parallel;
    private readonly Action<int> _band;

    /// <summary>Builds the refiner for <paramref name="width"/>×<paramref name="height"/> frames.</summary>
    /// <param name="first">The k×k convolution, 3+L → H (H ≤ <see cref="MaxHidden"/>).</param>
    /// <param name="second">The 1×1 convolution, H → 3.</param>
    /// <param name="width">Frame width, pixels.</param>
    /// <param name="height">Frame height, pixels.</param>
    /// <param name="latentChannels">L, the avatar's latent channels.</param>
    /// <param name="threads">Threads splitting the rows.</param>
    /// <exception cref="ArgumentException">The layers do not chain, or do not take 3+L channels.</exception>
    public FusedCnnRefiner(ConvLayer first, ConvLayer second, int width, int height, int latentChannels, int threads)
    {
        if (first.Cin != 3 + latentChannels) throw new ArgumentException($"the CNN takes {first.Cin} channels, the avatar renders 3 + {latentChannels}");
        if (second.Kernel != 1 || second.Cin != first.Cout || second.Cout != 3 || first.Cout > MaxHidden)
            throw new ArgumentException("the CNN is not k x k -> 1 x 1 to RGB with at most 32 hidden channels");
        (_w, _h) = (width, height);
        (_cin, _k, _r) = (first.Cin, first.Kernel, first.Kernel / 2);
        _threads = Math.Max(1, threads);
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = _threads };
        _band = band =>
        {
            int y1 = Math.Min(_h, (band + 1) * BandRows);
            for (int y = band * BandRows; y < y1; y++) Row(y);
        };
        _input = new float[_cin * width * height];
        _out = new float[3 * width * height];
        int hidden = first.Cout, taps = _cin * _k * _k;
        _groups = (hidden + 7) / 8;
        _hiddenPadded = 8 * _groups;
        _w1 = new float[_groups * taps * 8];
        _b1 = new float[_hiddenPadded];
        _w2 = new float[3 * _hiddenPadded];
        _b2 = [.. second.Bias];
        for (int co = 0; co < hidden; co++)
        {
            _b1[co] = first.Bias[co];
            for (int t = 0; t < taps; t++) _w1[((co / 8) * taps + t) * 8 + co % 8] = first.Weight[co * taps + t];
            for (int c = 0; c < 3; c++) _w2[c * _hiddenPadded + co] = second.Weight[c * hidden + co];
        }
    }

    /// <inheritdoc />
    public double LastMs { get; private set; }

    /// <inheritdoc />
    public float[] Input => _input;

    /// <inheritdoc />
    public ReadOnlySpan<float> Refine()
    {
        long t0 = Stopwatch.GetTimestamp();
        // Bands of rows taken as threads come free (Parallel.For partitions dynamically), not one fixed half per thread: on a
        // machine shared with other work, a thread that is descheduled holds up a few rows, not half the frame.
        Parallel.For(0, (_h + BandRows - 1) / BandRows, _parallel, _band);
        LastMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        return _out;
    }

    /// <summary>
    /// One output row in <see cref="Vector{T}"/>-wide blocks of pixels. A block whose taps stay inside the row reads the input
    /// planes where they are; the first and the last block of a row read their taps from a zero-padded copy of the few values
    /// they need (the convolution's zero border), so that the renderer's planes need no border of their own. Rows narrower than
    /// one vector go pixel by pixel.
    /// </summary>
    private void Row(int y)
    {
        int vc = Vector<float>.Count;
        if (_w < vc)
        {
            for (int x = 0; x < _w; x++) Pixel(x, y);
            return;
        }
        Span<Vector<float>> hid = stackalloc Vector<float>[MaxHidden];
        Span<float> edge = stackalloc float[_cin * _k * (vc + 2 * _r)];
        Block(0, y, hid, edge);
        for (int x = vc; x < _w;)
        {
            if (x + vc + _r <= _w)
            {
                Block(x, y, hid, []);
                x += vc;
                continue;
            }
            int last = Math.Min(x, _w - vc); // may overlap the block before: the same pixels, the same values
            Block(last, y, hid, edge);
            x = last + vc;
        }
    }

    /// <summary>
    /// Pixels x..x+vc−1 of row y. The hidden channels go in groups of eight whose accumulators are locals (registers: a Span of
    /// accumulators would be loaded and stored at every multiply-add); a group's sums are kept for the 1×1 layer, which follows
    /// once all groups are done. With a non-empty <paramref name="edge"/> the taps are read from it, filled here with the
    /// block's input rows and zeros outside the frame; otherwise straight from the input (every tap inside the row).
    /// </summary>
    private void Block(int x, int y, Span<Vector<float>> hid, Span<float> edge)
    {
        int vc = Vector<float>.Count, taps = _cin * _k * _k, n = _w * _h, span = vc + 2 * _r;
        bool padded = !edge.IsEmpty;
        if (padded)
        {
            edge.Clear();
            for (int ci = 0; ci < _cin; ci++)
                for (int ky = 0; ky < _k; ky++)
                {
                    int yy = y + ky - _r;
                    if ((uint)yy >= (uint)_h) continue;
                    int x0 = Math.Max(0, x - _r), x1 = Math.Min(_w, x + vc + _r);
                    _input.AsSpan(ci * n + yy * _w + x0, x1 - x0).CopyTo(edge.Slice((ci * _k + ky) * span + x0 - (x - _r)));
                }
        }
        ref float src = ref (padded ? ref MemoryMarshal.GetReference(edge) : ref MemoryMarshal.GetArrayDataReference(_input));
        ref float w1 = ref MemoryMarshal.GetArrayDataReference(_w1);
        ref float w2 = ref MemoryMarshal.GetArrayDataReference(_w2);
        for (int g = 0; g < _groups; g++)
        {
            ref float wg = ref Unsafe.Add(ref w1, g * taps * 8);
            ref float bg = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_b1), g * 8);
            Vector<float> a0 = new(bg), a1 = new(Unsafe.Add(ref bg, 1)), a2 = new(Unsafe.Add(ref bg, 2)), a3 = new(Unsafe.Add(ref bg, 3)),
                          a4 = new(Unsafe.Add(ref bg, 4)), a5 = new(Unsafe.Add(ref bg, 5)), a6 = new(Unsafe.Add(ref bg, 6)), a7 = new(Unsafe.Add(ref bg, 7));
            int t = 0;
            for (int ci = 0; ci < _cin; ci++)
                for (int ky = 0; ky < _k; ky++)
                {
                    int yy = y + ky - _r;
                    if ((uint)yy >= (uint)_h)
                    {
                        t += _k; // the zero border: these taps add nothing
                        continue;
                    }
                    nuint row = padded ? (nuint)((ci * _k + ky) * span) : (nuint)(ci * n + yy * _w + x - _r);
                    for (int kx = 0; kx < _k; kx++, t++)
                    {
                        var v = Vector.LoadUnsafe(ref src, row + (nuint)kx);
                        ref float wt = ref Unsafe.Add(ref wg, t * 8);
                        a0 = Vector.FusedMultiplyAdd(v, new Vector<float>(wt), a0);
                        a1 = Vector.FusedMultiplyAdd(v, new Vector<float>(Unsafe.Add(ref wt, 1)), a1);
                        a2 = Vector.FusedMultiplyAdd(v, new Vector<float>(Unsafe.Add(ref wt, 2)), a2);
                        a3 = Vector.FusedMultiplyAdd(v, new Vector<float>(Unsafe.Add(ref wt, 3)), a3);
                        a4 = Vector.FusedMultiplyAdd(v, new Vector<float>(Unsafe.Add(ref wt, 4)), a4);
                        a5 = Vector.FusedMultiplyAdd(v, new Vector<float>(Unsafe.Add(ref wt, 5)), a5);
                        a6 = Vector.FusedMultiplyAdd(v, new Vector<float>(Unsafe.Add(ref wt, 6)), a6);
                        a7 = Vector.FusedMultiplyAdd(v, new Vector<float>(Unsafe.Add(ref wt, 7)), a7);
                    }
                }
            int h0 = g * 8;
            hid[h0] = Vector.Max(a0, Vector<float>.Zero); hid[h0 + 1] = Vector.Max(a1, Vector<float>.Zero);
            hid[h0 + 2] = Vector.Max(a2, Vector<float>.Zero); hid[h0 + 3] = Vector.Max(a3, Vector<float>.Zero);
            hid[h0 + 4] = Vector.Max(a4, Vector<float>.Zero); hid[h0 + 5] = Vector.Max(a5, Vector<float>.Zero);
            hid[h0 + 6] = Vector.Max(a6, Vector<float>.Zero); hid[h0 + 7] = Vector.Max(a7, Vector<float>.Zero);
        }
        ref float input = ref MemoryMarshal.GetArrayDataReference(_input);
        for (int c = 0; c < 3; c++)
        {
            var o = new Vector<float>(_b2[c]);
            ref float wc = ref Unsafe.Add(ref w2, c * _hiddenPadded);
            for (int co = 0; co < _hiddenPadded; co++) o = Vector.FusedMultiplyAdd(hid[co], new Vector<float>(Unsafe.Add(ref wc, co)), o);
            nuint at = (nuint)(c * n + y * _w + x);
            Vector.StoreUnsafe(o + Vector.LoadUnsafe(ref input, at), ref MemoryMarshal.GetArrayDataReference(_out), at);
        }
    }

    /// <summary>One output pixel, scalar: the same sums as <see cref="Block"/>'s vectors, on the same weights, the taps outside
    /// the frame zero.</summary>
    private void Pixel(int x, int y)
    {
        Span<float> hid = stackalloc float[_hiddenPadded];
        _b1.CopyTo(hid);
        int t = 0, taps = _cin * _k * _k, n = _w * _h;
        for (int ci = 0; ci < _cin; ci++)
            for (int ky = 0; ky < _k; ky++)
                for (int kx = 0; kx < _k; kx++, t++)
                {
                    int yy = y + ky - _r, xx = x + kx - _r;
                    if ((uint)yy >= (uint)_h || (uint)xx >= (uint)_w) continue;
                    float v = _input[ci * n + yy * _w + xx];
                    for (int co = 0; co < _hiddenPadded; co++)
                        hid[co] = MathF.FusedMultiplyAdd(v, _w1[((co / 8) * taps + t) * 8 + co % 8], hid[co]);
                }
        for (int c = 0; c < 3; c++)
        {
            float o = _b2[c];
            for (int co = 0; co < _hiddenPadded; co++) o = MathF.FusedMultiplyAdd(MathF.Max(hid[co], 0), _w2[c * _hiddenPadded + co], o);
            _out[c * n + y * _w + x] = o + _input[c * n + y * _w + x];
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
