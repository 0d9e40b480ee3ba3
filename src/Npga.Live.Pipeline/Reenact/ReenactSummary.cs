using Npga.Live.Core;

namespace Npga.Live.Pipeline.Reenact;

/// <summary>What a finished (or cancelled) <see cref="ReenactPipeline"/> run did.</summary>
public sealed class ReenactSummary
{
    /// <summary>Frames taken from the source.</summary>
    public required long FramesIn { get; init; }

    /// <summary>Frames the sink wrote (= <see cref="FramesIn"/> under <see cref="HandOffPolicy.Wait"/>).</summary>
    public required long FramesOut { get; init; }

    /// <summary>Frames in which the driver's face was tracked.</summary>
    public required long FacesFound { get; init; }

    /// <summary>Tracked frames without a face (the avatar held its state and eased to neutral).</summary>
    public required long FramesWithoutFace { get; init; }

    /// <summary>Frames dropped before each stage's hand-off (DropOldest only; all zero under Wait).</summary>
    public required IReadOnlyDictionary<ReenactStage, long> DroppedBefore { get; init; }

    /// <summary>All frames dropped by the hand-offs before the sink.</summary>
    public long Dropped => DroppedBefore.Where(kv => kv.Key != ReenactStage.Measure).Sum(kv => kv.Value);

    /// <summary>Whether the run was cancelled before the source ended: reading stopped early and the output holds the frames done.</summary>
    public required bool Cancelled { get; init; }

    /// <summary>Wall-clock seconds from the start of the run until the sink was completed.</summary>
    public required double WallSeconds { get; init; }

    /// <summary>Frames out per wall-clock second.</summary>
    public double Fps => WallSeconds > 0 ? FramesOut / WallSeconds : 0;

    /// <summary>Milliseconds per stage of every frame that left the pipeline, in the order they left it.</summary>
    public required IReadOnlyList<ReenactStageMs> Frames { get; init; }

    /// <summary>Median milliseconds per stage over <see cref="Frames"/> (NaN when there are none).</summary>
    public ReenactStageMs Median => new(
        MedianOf(f => f.Decode), MedianOf(f => f.Track), MedianOf(f => f.Deform), MedianOf(f => f.Render),
        MedianOf(f => f.Refine), MedianOf(f => f.Encode), MedianOf(f => f.Measure), MedianOf(f => f.Latency));

    private double MedianOf(Func<ReenactStageMs, double> pick) => Statistics.Median(Frames.Select(pick));
}
