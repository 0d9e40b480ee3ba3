namespace Npga.Live.Pipeline.Reenact;

/// <summary>What drives the avatar in one frame: an expression code and a head rotation.</summary>
/// <param name="ZExp">Expression code z_exp, K floats of the avatar's expression model.</param>
/// <param name="Rotation">
/// Head rotation R_rel, row-major 3×3: the driver's head rotation relative to their rest pose (<see cref="DriverRestPose"/>),
/// a rotation in the view frame with OpenGL axes (x right, y up, z towards the viewer). The identity shows the avatar as it
/// was built (e.g. in its photo's pose); the avatar stage applies it as the avatar's default camera sees it
/// (<see cref="AvatarFrameRenderer.RenderTurned"/>).
/// </param>
/// <param name="Source">Tracked, easing to neutral after the face was lost, or neutral before any face.</param>
/// <param name="SecondsSinceFace">Stream seconds since the face was last tracked (0 when tracked; +∞ before any face).</param>
public sealed record AvatarDrive(float[] ZExp, double[] Rotation, AvatarDriveSource Source, double SecondsSinceFace)
{
    /// <summary>
    /// The driver's gaze relative to their resting gaze (<see cref="GazeNeutral"/>; eye widths, 4 floats), easing to zero
    /// like z_exp when the face is lost; null when the tracker does not read gaze. Read by avatars with a gaze code.
    /// </summary>
    public float[]? Gaze { get; init; }
}
