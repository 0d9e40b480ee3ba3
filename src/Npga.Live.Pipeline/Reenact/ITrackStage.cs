using Npga.Live.Core.Imaging;
using Npga.Live.Tracking;

namespace Npga.Live.Pipeline.Reenact;

/// <summary>The track stage of a <see cref="ReenactPipeline"/>: the driver's frame → face found or not, head pose and code.</summary>
public interface ITrackStage
{
    /// <summary>Tracks one frame. Called on the pipeline's track thread, frames in stream order (some skipped under
    /// <see cref="HandOffPolicy.DropOldest"/>).</summary>
    /// <param name="frame">The driver's frame.</param>
    /// <returns>The result; with no face, <see cref="TrackResult.Face"/> is false and no code is given.</returns>
    TrackResult Track(VideoFrame frame);
}
