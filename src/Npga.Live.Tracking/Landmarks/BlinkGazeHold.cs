namespace Npga.Live.Tracking.Landmarks;

/// <summary>
/// Holds the gaze through blinks. With the lids shut the Iris model still places an iris, most often low in the eye,
/// and an avatar's eyeballs would roll down and back at every blink. Per frame the eye openness o
/// (<see cref="FaceMeasures.EyeOpen"/>: the lid gap over the corner distance, both eyes' mean) is compared with its running
/// mean ō over the frames read open (their plain mean for the first <see cref="WindowFrames"/>, then exponential with
/// that time constant): below
/// <see cref="ClosedRatio"/>·ō the eyes count as closed and the gaze written is the last one read open. FaceMesh never
/// closes its lids all the way (d14's shut eyes read about 0.55 of her median openness; d6's 1st percentile is 0.59 of
/// hers), hence a ratio to the person's own openness rather than a fixed bound. One stream per instance.
/// </summary>
public sealed class BlinkGazeHold
{
    /// <summary>Eyes whose openness is below this share of their running mean count as closed (0.7).</summary>
    public const double ClosedRatio = 0.7;

    /// <summary>Time constant of the running mean openness, frames (60).</summary>
    public const int WindowFrames = 60;

    private readonly float[] _open = new float[IrisModel.GazeDim];
    private double _meanOpen;
    private int _openFrames;
    private bool _seenOpen;

    /// <summary>Whether the last <see cref="Apply"/> held the gaze (the eyes read closed).</summary>
    public bool Held { get; private set; }

    /// <summary>Forgets the stream: the running openness and the last open gaze.</summary>
    public void Reset()
    {
        _meanOpen = 0;
        _openFrames = 0;
        _seenOpen = false;
        Held = false;
    }

    /// <summary>Replaces <paramref name="gaze"/> by the last gaze read open when the eyes read closed; otherwise keeps it.</summary>
    /// <param name="landmarks">The frame's 468·3 landmarks, image pixels.</param>
    /// <param name="gaze"><see cref="IrisModel.GazeDim"/> floats (<see cref="IrisModel.Gaze"/>), rewritten when held.</param>
    /// <exception cref="ArgumentException"><paramref name="gaze"/> is not <see cref="IrisModel.GazeDim"/> floats.</exception>
    public void Apply(ReadOnlySpan<float> landmarks, Span<float> gaze)
    {
        if (gaze.Length != IrisModel.GazeDim) throw new ArgumentException($"the gaze takes {IrisModel.GazeDim} floats", nameof(gaze));
        double open = FaceMeasures.From(landmarks).EyeOpen;
        Held = _seenOpen && double.IsFinite(open) && open < ClosedRatio * _meanOpen;
        if (Held)
        {
            _open.CopyTo(gaze);
            return;
        }
        if (double.IsFinite(open)) _meanOpen += (open - _meanOpen) / Math.Min(++_openFrames, WindowFrames); // the plain mean until the window fills
        gaze.CopyTo(_open);
        _seenOpen = true;
    }
}
