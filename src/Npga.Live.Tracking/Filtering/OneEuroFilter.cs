namespace Npga.Live.Tracking.Filtering;

/// <summary>
/// The One Euro filter (Casiez, Roussel and Vogel, CHI 2012) over a vector of channels sharing one
/// clock: a first-order low-pass whose cutoff rises with the signal's speed, so a still signal loses
/// its jitter while a fast one (a mouth opening) is followed with little lag.
/// cutoff = <see cref="MinCutoff"/> + <see cref="Beta"/>·|dx/dt| (Hz), α = 1 / (1 + τ/Δt), τ = 1/(2π·cutoff).
/// Values and speeds are divided by a caller-given scale first (e.g. the face size in pixels), so the
/// parameters hold at any distance from the camera.
/// </summary>
public sealed class OneEuroFilter
{
    private readonly float[] _x;
    private readonly float[] _dx;
    private double _lastTime = double.NaN;

    /// <summary>Creates a filter for <paramref name="channels"/> values.</summary>
    public OneEuroFilter(int channels, double minCutoff = 1.0, double beta = 8.0, double derivativeCutoff = 1.0)
    {
        _x = new float[channels];
        _dx = new float[channels];
        MinCutoff = minCutoff;
        Beta = beta;
        DerivativeCutoff = derivativeCutoff;
    }

    /// <summary>Cutoff frequency at rest, Hz.</summary>
    public double MinCutoff { get; }

    /// <summary>Cutoff increase per unit of normalised speed (scale units per second), Hz·s.</summary>
    public double Beta { get; }

    /// <summary>Cutoff of the speed estimate's own low-pass, Hz.</summary>
    public double DerivativeCutoff { get; }

    /// <summary>Forgets the history: the next value passes through unfiltered.</summary>
    public void Reset() => _lastTime = double.NaN;

    /// <summary>
    /// Filters <paramref name="values"/> in place.
    /// </summary>
    /// <param name="values">One sample per channel; replaced by the filtered values.</param>
    /// <param name="timeSeconds">The sample's time; a time not after the previous one resets the filter.</param>
    /// <param name="scale">Normalising scale (same units as the values), &gt; 0.</param>
    public void Filter(Span<float> values, double timeSeconds, double scale)
    {
        if (values.Length != _x.Length) throw new ArgumentException($"expected {_x.Length} channels, got {values.Length}", nameof(values));
        double dt = timeSeconds - _lastTime;
        if (double.IsNaN(dt) || dt <= 0 || dt > 1.0)
        {
            values.CopyTo(_x);
            Array.Clear(_dx);
            _lastTime = timeSeconds;
            return;
        }
        _lastTime = timeSeconds;
        double inv = 1.0 / Math.Max(scale, 1e-9);
        float ad = (float)Alpha(DerivativeCutoff, dt);
        for (int i = 0; i < values.Length; i++)
        {
            float raw = values[i];
            float speed = (float)((raw - _x[i]) * inv / dt);
            _dx[i] += ad * (speed - _dx[i]);
            double cutoff = MinCutoff + Beta * Math.Abs(_dx[i]);
            float a = (float)Alpha(cutoff, dt);
            _x[i] += a * (raw - _x[i]);
            values[i] = _x[i];
        }
    }

    private static double Alpha(double cutoffHz, double dt)
    {
        double tau = 1.0 / (2 * Math.PI * cutoffHz);
        return 1.0 / (1.0 + tau / dt);
    }
}
