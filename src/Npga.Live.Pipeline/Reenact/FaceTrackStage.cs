using Npga.Live.Core.Imaging;
using Npga.Live.Tracking;

namespace Npga.Live.Pipeline.Reenact;

/// <summary>
/// The project's tracker as the track stage of a <see cref="ReenactPipeline"/>: <see cref="FaceTracker"/> (detect → crop →
/// 468 landmarks → smoothing → head pose and z_exp) on each driver frame, with the frame's timestamp driving the smoothing.
/// Owns its tracker. One stream per instance.
/// </summary>
public sealed class FaceTrackStage : ITrackStage, IDisposable
{
    private readonly FaceTracker _tracker;

    /// <summary>Loads the tracker and checks that it fits codes of the avatar's expression model.</summary>
    /// <param name="expectedExpressionModelId">The id the avatar is driven by (its manifest's <c>expression_model.id</c>).</param>
    /// <param name="options">Tracker settings; null for the defaults (one ORT thread per model, smoothing on, the project's expression model).</param>
    /// <exception cref="FileNotFoundException">A tracker model is missing (run scripts/setup.sh).</exception>
    /// <exception cref="InvalidDataException">The tracker fits no codes, or codes of another expression model than the avatar's.</exception>
    public FaceTrackStage(string expectedExpressionModelId, TrackerOptions? options = null)
    {
        _tracker = new FaceTracker(options);
        var id = _tracker.ExpressionModel?.Id;
        if (id != expectedExpressionModelId)
        {
            _tracker.Dispose();
            throw new InvalidDataException(id is null
                ? "the tracker was set up without an expression model, so it yields no codes to drive an avatar"
                : $"the tracker fits codes of {id}; the avatar is driven by {expectedExpressionModelId}");
        }
    }

    /// <summary>Whether the tracker reads the gaze (<see cref="FaceTracker.ReadGaze"/>): for avatars that take it (a gaze
    /// block: eyeballs, or a G that takes the code). Overridden before each frame while <see cref="GazeWanted"/> is set.</summary>
    public bool ReadGaze
    {
        get => _tracker.ReadGaze;
        set => _tracker.ReadGaze = value;
    }

    /// <summary>Asked before each frame whether to read the gaze (e.g. whether the avatar now shown takes it, which a live
    /// session may switch), or null to keep <see cref="ReadGaze"/> as set. Called on the tracking thread.</summary>
    public Func<bool>? GazeWanted { get; set; }

    /// <summary>The tracker's timings of the last frame.</summary>
    public TrackerTimings LastTimings => _tracker.LastTimings;

    /// <summary>Forgets the stream (tracked face, smoothing, neutral estimate), for a new stream on the same models.</summary>
    public void Reset() => _tracker.Reset();

    /// <inheritdoc />
    public TrackResult Track(VideoFrame frame)
    {
        if (GazeWanted is { } wanted) _tracker.ReadGaze = wanted();
        return _tracker.Track(frame.Image, frame.Index, frame.Time.TotalSeconds);
    }

    /// <inheritdoc />
    public void Dispose() => _tracker.Dispose();
}
