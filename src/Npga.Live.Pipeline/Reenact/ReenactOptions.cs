namespace Npga.Live.Pipeline.Reenact;

/// <summary>Settings of a <see cref="ReenactPipeline"/>.</summary>
public sealed class ReenactOptions
{
    /// <summary>What every hand-off does when full (default <see cref="HandOffPolicy.Wait"/>: offline, no frame lost).</summary>
    public HandOffPolicy Policy { get; init; } = HandOffPolicy.Wait;

    /// <summary>Frames each hand-off holds, 1 or 2 (default 2).</summary>
    public int Capacity { get; init; } = 2;

    /// <summary>
    /// Time constant τ, seconds of stream time, with which the avatar eases to neutral where the driver's face is lost
    /// (z_exp ← z_exp·e^(−Δt/τ), head rotation angle likewise); default 0.3 s. See <see cref="FaceLossEasing"/>.
    /// </summary>
    public double NeutralTimeConstantS { get; init; } = 0.3;

    /// <summary>
    /// Whether the run keeps every frame's stage timings for <see cref="ReenactSummary.Frames"/> (default true). A live
    /// session runs for hours and keeps its own rolling figures: it turns this off so memory stays flat.
    /// </summary>
    public bool RecordFrameTimings { get; init; } = true;

    /// <summary>
    /// Under <see cref="HandOffPolicy.DropOldest"/>: the track stage takes the next (newest) frame only once the render stage's
    /// hand-off has room, so it tracks no frame the renderer would drop (default false: it tracks every frame it can, and
    /// the newest tracked one wins). Where rendering is the slower stage and both share the cores, the tracker's spare time
    /// goes to rendering instead.
    /// </summary>
    public bool PaceTracking { get; init; }

    /// <summary>Validates the settings.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Capacity is not 1 or 2, or the time constant is not positive and finite.</exception>
    public void Validate()
    {
        if (Capacity is < 1 or > 2) throw new ArgumentOutOfRangeException(nameof(Capacity), Capacity, "a hand-off holds 1 or 2 frames");
        if (!(NeutralTimeConstantS > 0) || !double.IsFinite(NeutralTimeConstantS))
            throw new ArgumentOutOfRangeException(nameof(NeutralTimeConstantS), NeutralTimeConstantS, "the time constant must be a positive number of seconds");
        if (!Enum.IsDefined(Policy)) throw new ArgumentOutOfRangeException(nameof(Policy), Policy, "unknown hand-off policy");
    }
}
