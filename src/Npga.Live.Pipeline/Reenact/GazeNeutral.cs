namespace Npga.Live.Pipeline.Reenact;

/// <summary>
/// A driver's resting gaze, estimated over their stream, and their gaze relative to it: what an avatar with a gaze code
/// (<see cref="Avatar.AvatarGazeCode"/>) takes, so that a driver at rest shows the avatar's own resting gaze whatever the
/// driver's eyes and the tracker's bias, and their eye movements carry over. The estimate is the mean of the gaze
/// (<c>TrackResult.Gaze</c>, eye widths) over the stream's last τ seconds, as an exponential moving average in stream time
/// whose window grows from the first frame to τ: m ← m + (g − m)·Δt / min(τ, t − t₀ + Δt), so the first seconds average
/// all they have seen. The same role as the tracker's neutral adaptation for z_exp. Not thread-safe: one per stream.
/// </summary>
public sealed class GazeNeutral
{
    private readonly double[] _mean;
    private double _first = double.NaN, _last = double.NaN;

    /// <summary>Creates the estimator for gazes of <paramref name="dim"/> values.</summary>
    /// <param name="dim">Values of a gaze (4).</param>
    /// <param name="windowS">τ, seconds of stream time (default 30).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> below 1 or τ not positive and finite.</exception>
    public GazeNeutral(int dim, double windowS = 30)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        if (!(windowS > 0) || !double.IsFinite(windowS)) throw new ArgumentOutOfRangeException(nameof(windowS), windowS, "τ must be a positive number of seconds");
        _mean = new double[dim];
        WindowS = windowS;
    }

    /// <summary>τ, seconds.</summary>
    public double WindowS { get; }

    /// <summary>The current estimate (eye widths); zeros before the first gaze.</summary>
    public ReadOnlySpan<double> Mean => _mean;

    /// <summary>Takes one frame's gaze into the estimate and writes the gaze relative to it.</summary>
    /// <param name="gaze">The tracker's gaze, <c>dim</c> floats; a non-finite value leaves the estimate alone and gives 0 there.</param>
    /// <param name="timeS">The frame's timestamp, seconds; a time going back counts as no time passing.</param>
    /// <param name="relative"><c>dim</c> floats written: gaze − estimate (the estimate after this frame).</param>
    /// <exception cref="ArgumentException">A length is not <c>dim</c>.</exception>
    public void Update(ReadOnlySpan<float> gaze, double timeS, Span<float> relative)
    {
        if (gaze.Length != _mean.Length || relative.Length != _mean.Length) throw new ArgumentException($"a gaze has {_mean.Length} values");
        if (!double.IsFinite(timeS)) timeS = double.IsNaN(_last) ? 0 : _last;
        double a;
        if (double.IsNaN(_first))
        {
            a = 1;
            _first = _last = timeS;
        }
        else
        {
            double dt = Math.Max(0, timeS - _last);
            _last += dt;
            a = dt / Math.Min(WindowS, _last - _first + dt + 1e-12); // n equal steps: 1/n; then Δt/τ
        }
        for (int j = 0; j < _mean.Length; j++)
        {
            if (!float.IsFinite(gaze[j])) { relative[j] = 0; continue; }
            _mean[j] += (gaze[j] - _mean[j]) * a;
            relative[j] = (float)(gaze[j] - _mean[j]);
        }
    }

    /// <summary>Forgets the driver: the next gaze starts a new estimate.</summary>
    public void Reset()
    {
        Array.Clear(_mean);
        _first = _last = double.NaN;
    }
}
