using Npga.Live.Core.Imaging;
using Npga.Live.Tracking;

namespace Npga.Live.Pipeline.Evaluation;

/// <summary>Settings of an <see cref="AvatarEvaluator"/>.</summary>
public sealed record EvaluationOptions
{
    /// <summary>First frame scored (0-based frame number of the video, as the trainer's <c>frame</c> array).</summary>
    public long FromFrame { get; init; }

    /// <summary>Last frame scored (inclusive), or null for the video's last.</summary>
    public long? ToFrame { get; init; }

    /// <summary>
    /// First frame the tracker sees (default 0, as <c>npga track</c> in the trainer's data preparation). The tracker is a
    /// stream filter: its per-person neutral estimate (which z_exp is measured from), its landmark smoothing and its crop all
    /// depend on the frames before, so the codes of frame N match the trainer's only when the tracker ran from the same
    /// start. Frames from here to <see cref="FromFrame"/> − 1 are tracked but not scored. Clamped to at most FromFrame.
    /// </summary>
    public long TrackFrom { get; init; }

    /// <summary>Run the avatar's screen-space CNN (when it has one).</summary>
    public bool UseCnn { get; init; } = true;

    /// <summary>Threads splatting each frame (default: every core).</summary>
    public int? RenderThreads { get; init; }

    /// <summary>Tracker settings; null for the defaults (those of <c>npga track</c>).</summary>
    public TrackerOptions? Tracker { get; init; }

    /// <summary>Path of selfie.onnx; null for <c>models/tracker/selfie.onnx</c>.</summary>
    public string? SegmentationModel { get; init; }
}

/// <summary>
/// One video frame at the three sizes the evaluation reads it in, all decoded from the same stream position.
/// </summary>
/// <param name="Index">0-based frame number in decode order.</param>
/// <param name="Time">Presentation timestamp (drives the tracker's smoothing).</param>
/// <param name="Source">The frame at the video's own size (tracked).</param>
/// <param name="Frame">The frame at the evaluation size W×H (<see cref="AvatarEvaluator.Width"/>, <see cref="AvatarEvaluator.Height"/>),
/// resampled as the trainer decodes it (GStreamer <c>videoscale method=bilinear2</c>): the ground truth.</param>
/// <param name="Segmentation">The frame at 256×256, resampled alike: the segmenter's input.</param>
public sealed record EvaluationInput(long Index, TimeSpan Time, RgbImage Source, RgbImage Frame, RgbImage Segmentation);

/// <summary>The evaluation cannot be done with these inputs (a frame range outside the video, no face in the range); the
/// message says which.</summary>
public sealed class EvaluationException(string message) : Exception(message);
