using Npga.Live.Core.Imaging;
using Npga.Live.Tracking;

namespace Npga.Live.Pipeline.Reenact;

/// <summary>
/// One frame on its way through a <see cref="ReenactPipeline"/>: the driver's frame, what the tracker found in it, what
/// drove the avatar and the avatar's image, with the time each stage took. Each stage fills its part before handing the
/// frame on. The avatar image is pooled: the pipeline's hold on it ends when the frame leaves the pipeline (after the
/// observer, or the sink when there is none); to keep it longer, take a hold of your own
/// (<see cref="PooledRgbImage.Hold"/>, then read it only) or copy it.
/// </summary>
public sealed class ReenactFrame
{
    internal ReenactFrame(VideoFrame driver) => Driver = driver;

    /// <summary>The driver's frame as the source gave it (index, timestamp, pixels).</summary>
    public VideoFrame Driver { get; }

    /// <summary>The frame's index in the source (0-based).</summary>
    public long Index => Driver.Index;

    /// <summary>The frame's timestamp, seconds.</summary>
    public double TimeS => Driver.Time.TotalSeconds;

    /// <summary>The tracker's result for the driver's frame (set by the track stage).</summary>
    public TrackResult? Track { get; internal set; }

    /// <summary>What drove the avatar: tracked, easing to neutral or neutral (set by the render stage).</summary>
    public AvatarDrive? Drive { get; internal set; }

    /// <summary>The avatar's frame, the avatar stage's size (set by the render stage; pooled, see the class notes).</summary>
    public RgbImage? Avatar => PooledAvatar?.Image;

    /// <summary>The avatar's frame with its pool hold (set by the render stage; see the class notes).</summary>
    public PooledRgbImage? PooledAvatar { get; internal set; }

    /// <summary>Whether the driver's face was tracked in this frame.</summary>
    public bool FaceFound => Track is { Face: true };

    internal long DecodedAt { get; set; }
    internal double DecodeMs { get; set; }
    internal double TrackMs { get; set; }
    internal double DeformMs { get; set; }
    internal double RenderMs { get; set; }
    internal double RefineMs { get; set; }
    internal double EncodeMs { get; set; }
    internal double MeasureMs { get; set; }
    internal double LatencyMs { get; set; }

    /// <summary>Milliseconds per stage so far (stages not yet run read 0).</summary>
    public ReenactStageMs Timings => new(DecodeMs, TrackMs, DeformMs, RenderMs, RefineMs, EncodeMs, MeasureMs, LatencyMs);
}
