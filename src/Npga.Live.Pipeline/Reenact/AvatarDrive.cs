namespace Npga.Live.Pipeline.Reenact;

/// <summary>What drives the avatar in one frame: an expression code and a head rotation.</summary>
/// <param name="ZExp">Expression code z_exp, K floats of the avatar's expression model.</param>
/// <param name="Rotation">
/// Head rotation R, row-major 3×3, canonical head frame → world (the tracker's head → camera rotation used as is: the
/// canonical head frame and the tracker's OpenGL camera frame share axes, so R = I is a frontal head).
/// </param>
/// <param name="Source">Tracked, easing to neutral after the face was lost, or neutral before any face.</param>
/// <param name="SecondsSinceFace">Stream seconds since the face was last tracked (0 when tracked; +∞ before any face).</param>
public sealed record AvatarDrive(float[] ZExp, double[] Rotation, AvatarDriveSource Source, double SecondsSinceFace);
