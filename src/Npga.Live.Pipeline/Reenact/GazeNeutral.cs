namespace Npga.Live.Pipeline.Reenact;

/// <summary>
/// A driver's resting gaze, estimated over their stream, and their gaze relative to it: what an avatar with a gaze code
/// (<see cref="Avatar.AvatarGazeCode"/>) takes, so that a driver at rest shows the avatar's own resting gaze whatever the
/// driver's eyes and the tracker's bias, and their eye movements carry over (both eyes as one, <see cref="Update"/>). The estimate is the mean of the gaze
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

    /// <summary>
    /// Takes one frame's gaze into the estimate and writes the gaze relative to it. A gaze of two eyes (dim 4: the right
    /// eye along, across, the left eye along, across) is written as one gaze for both (conjugate): each axis the mean of
    /// the eyes' relative values, so the avatar's eyes keep their resting convergence. From a webcam the difference between
    /// the two eyes is mostly the tracker's: over d3's clip her eyes' along readings correlate at 0.23 and their half
    /// difference (standard deviation 0.063 eye widths, 95th percentile 0.15) is nearly as large as their common movement
    /// (0.080), which turned the avatar cross-eyed and wall-eyed by turns; d14's at 0.68 (0.036 against 0.080).
    /// </summary>
    /// <param name="gaze">The tracker's gaze, <c>dim</c> floats; a non-finite value leaves the estimate alone and gives 0
    /// there (for two eyes: the other eye's value on that axis, or 0 when both are non-finite).</param>
    /// <param name="timeS">The frame's timestamp, seconds; a time going back counts as no time passing.</param>
    /// <param name="relative"><c>dim</c> floats written: gaze − estimate (the estimate after this frame), both eyes' made one for dim 4.</param>
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
        if (_mean.Length == 4)
            for (int axis = 0; axis < 2; axis++)
            {
                bool right = float.IsFinite(gaze[axis]), left = float.IsFinite(gaze[axis + 2]);
                float both = right && left ? 0.5f * (relative[axis] + relative[axis + 2]) : right ? relative[axis] : relative[axis + 2];
                relative[axis] = relative[axis + 2] = both;
            }
    }

    /// <summary>Forgets the driver: the next gaze starts a new estimate.</summary>
    public void Reset()
    {
        Array.Clear(_mean);
        _first = _last = double.NaN;
    }
}
