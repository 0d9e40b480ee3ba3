using System.Diagnostics;
using System.Numerics;

namespace Npga.Live.Refine;

/// <summary>
/// The light screen-space CNN (NPGA eq. 7 as the trainer exports it with <c>--cnn-kernels k,1</c>): rgb = image[:3] +
/// W2 · ReLU(W1 ⊛ image + b1) + b2, a k×k convolution of the 3+L rendered channels into H hidden channels (zero padding)
/// and a 1×1 convolution back to RGB, fused on the CPU: a row of output pixels at a time, <see cref="Vector{T}"/>-wide
/// blocks of pixels along x, the H hidden values of a block kept in registers from the first convolution to the second
/// (nothing hidden is ever written out), rows split over the cores. Through ORT the same network took 13.6 ms at 512×512
/// on this 2-core machine; see docs/TRAINING.md for this refiner's figure. Buffers are allocated once; <see cref="Refine"/>
/// allocates nothing.
/// </summary>
public sealed class FusedCnnRefiner : IScreenRefiner
{
    /// <summary>Most hidden channels the fused kernel takes (its accumulators live on the stack).</summary>
    public const int MaxHidden = 32;

    private readonly ConvLayer _c1, _c2;
    private readonly int _w, _h, _cin, _hidden, _k, _r, _pw, _ph, _threads;
    private readonly float[] _padded;  // Cin planes of (W + 2r) x (H + 2r), zero border
    private readonly float[] _out;     // 3 planes of W x H
    private readonly float[] _w1;      // [Cin][K][K][H]: the hidden channels' weights of one tap, contiguous

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
        (_c1, _c2, _w, _h) = (first, second, width, height);
        (_cin, _hidden, _k, _r) = (first.Cin, first.Cout, first.Kernel, first.Kernel / 2);
        (_pw, _ph, _threads) = (width + 2 * _r, height + 2 * _r, Math.Max(1, threads));
        _padded = new float[_cin * _pw * _ph];
        _out = new float[3 * width * height];
        _w1 = new float[_cin * _k * _k * _hidden];
        for (int co = 0; co < _hidden; co++)
            for (int ci = 0; ci < _cin; ci++)
                for (int t = 0; t < _k * _k; t++)
                    _w1[(ci * _k * _k + t) * _hidden + co] = first.Weight[(co * _cin + ci) * _k * _k + t];
    }

    /// <inheritdoc />
    public double LastMs { get; private set; }

    /// <inheritdoc />
    public ReadOnlySpan<float> Refine(ReadOnlySpan<float> planes)
    {
        int n = _w * _h;
        if (planes.Length != _cin * n) throw new ArgumentException($"the CNN input needs {_cin * n} floats ([1,{_cin},{_h},{_w}]), got {planes.Length}", nameof(planes));
        long t0 = Stopwatch.GetTimestamp();
        for (int c = 0; c < _cin; c++)
            for (int y = 0; y < _h; y++)
                planes.Slice(c * n + y * _w, _w).CopyTo(_padded.AsSpan(c * _pw * _ph + (y + _r) * _pw + _r, _w));
        int chunk = (_h + _threads - 1) / _threads;
        Parallel.For(0, _threads, new ParallelOptions { MaxDegreeOfParallelism = _threads }, part =>
        {
            int y1 = Math.Min(_h, (part + 1) * chunk);
            for (int y = part * chunk; y < y1; y++) Row(y);
        });
        LastMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        return _out;
    }

    /// <summary>One output row: vector blocks of pixels, then the row's remainder pixel by pixel.</summary>
    private void Row(int y)
    {
        int vc = Vector<float>.Count, x = 0;
        Span<Vector<float>> acc = stackalloc Vector<float>[MaxHidden];
        for (; x + vc <= _w; x += vc)
        {
            for (int co = 0; co < _hidden; co++) acc[co] = new Vector<float>(_c1.Bias[co]);
            for (int ci = 0; ci < _cin; ci++)
            {
                int plane = ci * _pw * _ph;
                for (int ky = 0; ky < _k; ky++)
                {
                    int row = plane + (y + ky) * _pw + x;
                    for (int kx = 0; kx < _k; kx++)
                    {
                        var v = new Vector<float>(_padded, row + kx);
                        int wo = ((ci * _k + ky) * _k + kx) * _hidden;
                        for (int co = 0; co < _hidden; co++) acc[co] = Vector.FusedMultiplyAdd(v, new Vector<float>(_w1[wo + co]), acc[co]);
                    }
                }
            }
            for (int c = 0; c < 3; c++)
            {
                var o = new Vector<float>(_c2.Bias[c]);
                for (int co = 0; co < _hidden; co++) o = Vector.FusedMultiplyAdd(Vector.Max(acc[co], Vector<float>.Zero), new Vector<float>(_c2.Weight[c * _hidden + co]), o);
                int at = c * _w * _h + y * _w + x;
                (o + new Vector<float>(_padded, c * _pw * _ph + (y + _r) * _pw + _r + x)).CopyTo(_out, at);
            }
        }
        for (; x < _w; x++) Pixel(x, y);
    }

    /// <summary>One output pixel, scalar: the same sums as <see cref="Row"/>'s vectors.</summary>
    private void Pixel(int x, int y)
    {
        Span<float> hid = stackalloc float[MaxHidden];
        for (int co = 0; co < _hidden; co++) hid[co] = _c1.Bias[co];
        for (int ci = 0; ci < _cin; ci++)
            for (int ky = 0; ky < _k; ky++)
                for (int kx = 0; kx < _k; kx++)
                {
                    float v = _padded[ci * _pw * _ph + (y + ky) * _pw + x + kx];
                    int wo = ((ci * _k + ky) * _k + kx) * _hidden;
                    for (int co = 0; co < _hidden; co++) hid[co] = MathF.FusedMultiplyAdd(v, _w1[wo + co], hid[co]);
                }
        for (int c = 0; c < 3; c++)
        {
            float o = _c2.Bias[c];
            for (int co = 0; co < _hidden; co++) o = MathF.FusedMultiplyAdd(MathF.Max(hid[co], 0), _c2.Weight[c * _hidden + co], o);
            _out[c * _w * _h + y * _w + x] = o + _padded[c * _pw * _ph + (y + _r) * _pw + _r + x];
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
