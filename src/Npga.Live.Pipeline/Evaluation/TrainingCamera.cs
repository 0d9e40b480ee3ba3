using Npga.Live.Core.Gaussians;
using Npga.Live.Tracking;

namespace Npga.Live.Pipeline.Evaluation;

/// <summary>
/// The camera of a tracked frame as the avatar trainer places it (<c>camera_from_track</c> and <c>Camera.scaled</c> in
/// <c>scripts/training/camera.py</c>): the world is the canonical head frame (the head pose folded into the camera), the
/// extrinsics are the tracker's head pose turned from OpenGL to OpenCV axes, R = D·R_gl, t = D·t_gl with D = diag(1, −1, −1),
/// and the intrinsics are the tracker's (f = max(W, H), principal point at the image centre, unless the track says
/// otherwise).
/// </summary>
public static class TrainingCamera
{
    /// <summary>
    /// The camera of <paramref name="track"/> in pixels of the source video (<paramref name="videoWidth"/>×<paramref name="videoHeight"/>).
    /// </summary>
    /// <param name="track">A tracked frame with a pose (<see cref="TrackResult.Pose"/>); its <see cref="TrackResult.Intrinsics"/>
    /// (fx, fy, cx, cy in source pixels) are used when present.</param>
    /// <param name="videoWidth">Source width W, pixels.</param>
    /// <param name="videoHeight">Source height H, pixels.</param>
    /// <exception cref="ArgumentException">The frame has no pose, or the sizes are below 1.</exception>
    public static Camera FromTrack(TrackResult track, int videoWidth, int videoHeight)
    {
        if (track.Pose is not { } pose) throw new ArgumentException($"frame {track.Frame} has no head pose", nameof(track));
        if (videoWidth < 1 || videoHeight < 1) throw new ArgumentException("the video size must be at least 1x1");
        double f0 = Math.Max(videoWidth, videoHeight);
        var k = track.Intrinsics is { Length: 4 } i ? i : [f0, f0, videoWidth / 2.0, videoHeight / 2.0];
        var rgl = pose.Rotation;
        var tgl = pose.Translation;
        double[] r = [rgl[0], rgl[1], rgl[2], -rgl[3], -rgl[4], -rgl[5], -rgl[6], -rgl[7], -rgl[8]];
        double[] t = [tgl[0], -tgl[1], -tgl[2]];
        return new Camera(videoWidth, videoHeight, k[0], k[1], k[2], k[3], r, t);
    }

    /// <summary>
    /// The same view resampled to <paramref name="width"/>×<paramref name="height"/> (<c>Camera.scaled</c>): intrinsics scaled per
    /// axis (fx, cx by width/W; fy, cy by height/H; pixel edges aligned), extrinsics unchanged. Unlike
    /// <see cref="Camera.Resized"/> it does not keep the vertical field of view when the aspect changes.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A side is below 1.</exception>
    public static Camera Scaled(Camera camera, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        double sx = (double)width / camera.Width, sy = (double)height / camera.Height;
        return camera with
        {
            Width = width, Height = height, Fx = camera.Fx * sx, Fy = camera.Fy * sy, Cx = camera.Cx * sx, Cy = camera.Cy * sy,
            R = (double[])camera.R.Clone(), T = (double[])camera.T.Clone(),
        };
    }
}
