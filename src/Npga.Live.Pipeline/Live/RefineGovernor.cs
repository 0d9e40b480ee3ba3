namespace Npga.Live.Pipeline.Live;

/// <summary>When a live session runs the avatar's screen-space CNN (NPGA eq. 7).</summary>
public enum RefineMode
{
    /// <summary>The CNN runs while frames keep within the frame period (<see cref="RefineGovernor"/>).</summary>
    Auto,

    /// <summary>The CNN always runs (when the avatar has one).</summary>
    On,

    /// <summary>The CNN never runs: the raw render is the frame.</summary>
    Off,
}

/// <summary>
/// Decides, frame by frame, whether a live session's CNN runs (<see cref="RefineMode.Auto"/>): adaptive quality, as a
/// video call lowers its resolution when the encoder falls behind. A trained avatar's raw render is fitted by training
/// too (NPGA eq. 10 scores both the render and the CNN's output); on the default avatar's held-out frames the CNN adds
/// 0.06 dB (21.44 → 21.50 dB inside the head mask, SSIM 0.788 both) while it and its latent channels cost about 40% of
/// the frame on 2 CPU cores (docs/BENCHMARKS.md). Rules, on the deform + render + refine time of each frame:
/// <list type="bullet">
/// <item>on → off when the median of the last <c>window</c> frames exceeds the budget (the output frame period); the
/// CNN's cost is then learnt as that median minus the median of the first full window without it;</item>
/// <item>off → on, at least <c>holdSeconds</c> after the switch, when the median without the CNN plus its learnt cost
/// is at most <c>resumeFraction</c> of the budget; and, every <c>probeSeconds</c> while off, once as a probe when the
/// median without it is under <c>resumeFraction</c> of the budget (the cost learnt under another load may be stale): a
/// probe that runs late goes off again after one window.</item>
/// </list>
/// Deterministic (times are passed in); not thread-safe (the render thread owns it).
/// </summary>
public sealed class RefineGovernor
{
    private readonly double _budgetMs, _resume, _holdS, _probeS;
    private readonly double[] _ring, _sorted;
    private int _count, _next;
    private double _lastSwitchS = double.NegativeInfinity;
    private double? _onMedianMs;

    /// <summary>Creates a governor with the CNN on.</summary>
    /// <param name="budgetMs">The frame budget, ms (e.g. 1000 / output fps); positive.</param>
    /// <param name="window">Frames per median, at least 3.</param>
    /// <param name="resumeFraction">Headroom the CNN must leave to come back: its frames must fit in this fraction of the budget; (0, 1].</param>
    /// <param name="holdSeconds">Least time between a switch off and a switch back on, seconds.</param>
    /// <param name="probeSeconds">How long the CNN stays off before a probe, seconds.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value outside its range.</exception>
    public RefineGovernor(double budgetMs, int window = 15, double resumeFraction = 0.8, double holdSeconds = 3, double probeSeconds = 30)
    {
        if (!(budgetMs > 0) || double.IsInfinity(budgetMs)) throw new ArgumentOutOfRangeException(nameof(budgetMs), budgetMs, "the budget must be a positive number of ms");
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 3);
        if (!(resumeFraction > 0 && resumeFraction <= 1)) throw new ArgumentOutOfRangeException(nameof(resumeFraction), resumeFraction, "must lie in (0, 1]");
        if (!(holdSeconds >= 0) || !(probeSeconds >= holdSeconds)) throw new ArgumentOutOfRangeException(nameof(probeSeconds), probeSeconds, "need 0 <= hold <= probe seconds");
        (_budgetMs, _resume, _holdS, _probeS) = (budgetMs, resumeFraction, holdSeconds, probeSeconds);
        _ring = new double[window];
        _sorted = new double[window];
    }

    /// <summary>Whether the next frame should run the CNN.</summary>
    public bool Enabled { get; private set; } = true;

    /// <summary>The CNN's learnt cost per frame, ms (its frames' median minus those without it), once known.</summary>
    public double? CnnCostMs { get; private set; }

    /// <summary>How many times the CNN was switched off and on.</summary>
    public int Switches { get; private set; }

    /// <summary>
    /// Takes one frame's time and returns <see cref="Enabled"/> for the next frame.
    /// </summary>
    /// <param name="frameMs">The frame's deform + render + refine time, ms; a non-finite or negative value is ignored.</param>
    /// <param name="cnnRan">Whether that frame ran the CNN (a frame rendered before a switch took effect is ignored).</param>
    /// <param name="nowSeconds">A monotonic clock, seconds.</param>
    public bool Observe(double frameMs, bool cnnRan, double nowSeconds)
    {
        if (!double.IsFinite(frameMs) || frameMs < 0 || cnnRan != Enabled) return Enabled;
        _ring[_next] = frameMs;
        _next = (_next + 1) % _ring.Length;
        if (_count < _ring.Length) _count++;
        if (_count < _ring.Length) return Enabled;
        double median = Median();
        if (Enabled)
        {
            if (median > _budgetMs)
            {
                _onMedianMs = median;
                Switch(false, nowSeconds);
            }
        }
        else
        {
            if (_onMedianMs is { } on)
            {
                CnnCostMs = Math.Max(0, on - median);
                _onMedianMs = null;
            }
            double since = nowSeconds - _lastSwitchS;
            bool fits = CnnCostMs is { } cost && since >= _holdS && median + cost <= _resume * _budgetMs;
            bool probe = since >= _probeS && median <= _resume * _budgetMs;
            if (fits || probe) Switch(true, nowSeconds);
        }
        return Enabled;
    }

    private void Switch(bool enabled, double nowSeconds)
    {
        Enabled = enabled;
        _lastSwitchS = nowSeconds;
        _count = _next = 0;
        Switches++;
    }

    private double Median()
    {
        _ring.CopyTo(_sorted, 0);
        Array.Sort(_sorted);
        int n = _sorted.Length;
        return n % 2 == 1 ? _sorted[n / 2] : 0.5 * (_sorted[n / 2 - 1] + _sorted[n / 2]);
    }
}
