using Npga.Live.Tracking;
using Npga.Live.Tracking.Landmarks;

namespace Npga.Live.Pipeline.Reenact;

/// <summary>
/// Expression fidelity measured inline, as the observer of a <see cref="ReenactPipeline"/>: each written avatar frame
/// whose driver frame had a tracked face is tracked again by a second, landmarks-only and unsmoothed
/// <see cref="FaceTracker"/> (<see cref="ExpressionTransfer.ReTrackerOptions"/>), and the driver's and the avatar's
/// scale-free measures (<see cref="FaceMeasures"/>: inner-lip distance, eye openness, brow raise) are paired, and the
/// gaze (iris against the eye corners) where the driver's was read.
/// <see cref="Result"/> correlates them over the frames where both faces were found, as
/// <see cref="ExpressionTransfer"/> does for a neutral head pose. Owns its tracker; one stream per instance.
/// </summary>
public sealed class ExpressionFidelityProbe : IReenactObserver, IDisposable
{
    private readonly FaceTracker _avatarTracker;
    private readonly List<FaceMeasures> _driver = [];
    private readonly List<FaceMeasures> _avatar = [];
    private readonly List<float[]> _driverGaze = [], _avatarGaze = [];
    private int _frames;
    private int _driverFaces;

    /// <summary>Loads the landmarks-only tracker that reads the avatar's frames.</summary>
    /// <param name="threads">ORT intra-op threads per tracker model (default 1).</param>
    /// <exception cref="FileNotFoundException">A tracker model is missing (run scripts/setup.sh).</exception>
    public ExpressionFidelityProbe(int threads = 1) =>
        _avatarTracker = new FaceTracker(ExpressionTransfer.ReTrackerOptions(threads));

    /// <inheritdoc />
    public void Observe(ReenactFrame frame)
    {
        _frames++;
        if (frame.Track is not { Face: true, LandmarksPx: { } driver } || frame.Avatar is null) return;
        _driverFaces++;
        _avatarTracker.ReadGaze = frame.Track.Gaze is not null; // the avatar's gaze is read when the driver's was
        var avatar = _avatarTracker.Track(frame.Avatar, frame.Index, frame.TimeS);
        if (!avatar.Face || avatar.LandmarksPx is null) return;
        _driver.Add(FaceMeasures.From(driver));
        _avatar.Add(FaceMeasures.From(avatar.LandmarksPx));
        if (frame.Track.Gaze is { } dg && avatar.Gaze is { } ag)
        {
            _driverGaze.Add(dg);
            _avatarGaze.Add(ag);
        }
    }

    /// <summary>
    /// The measures so far: <see cref="ExpressionTransferResult.Frames"/> frames observed, of which
    /// <see cref="ExpressionTransferResult.DriverFaces"/> had the driver's face, of which
    /// <see cref="ExpressionTransferResult.AvatarFaces"/> had the avatar's face re-tracked (the pairs correlated; a
    /// correlation is NaN with fewer than 3 pairs or no variance). Read it after the run.
    /// </summary>
    public ExpressionTransferResult Result => ExpressionTransferResult.Correlate(_frames, _driverFaces, _driver.ToArray(), _avatar.ToArray(),
        _driverGaze.Count > 0 ? _driverGaze.ToArray() : null, _avatarGaze.Count > 0 ? _avatarGaze.ToArray() : null);

    /// <inheritdoc />
    public void Dispose() => _avatarTracker.Dispose();
}
