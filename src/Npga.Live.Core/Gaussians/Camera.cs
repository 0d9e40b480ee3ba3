namespace Npga.Live.Core.Gaussians;

/// <summary>
/// A pinhole camera in the convention of the 3DGS reference renderer (OpenCV axes: x right, y down,
/// z forward, looking along +z): a world point X maps to camera coordinates x_c = R·X + t, then to
/// pixels u = fx·x_c/z_c + cx, v = fy·y_c/z_c + cy (pixel centres at +0.5; image origin at the top-left
/// corner of the top-left pixel).
/// </summary>
/// <param name="Width">Image width, pixels.</param>
/// <param name="Height">Image height, pixels.</param>
/// <param name="Fx">Focal length x, pixels.</param>
/// <param name="Fy">Focal length y, pixels.</param>
/// <param name="Cx">Principal point x, pixels.</param>
/// <param name="Cy">Principal point y, pixels.</param>
/// <param name="R">World-to-camera rotation, row-major 3×3.</param>
/// <param name="T">World-to-camera translation, metres.</param>
public sealed record Camera(int Width, int Height, double Fx, double Fy, double Cx, double Cy, double[] R, double[] T)
{
    /// <summary>Near plane: Gaussians whose centre is closer than this (metres) are culled, as in 3DGS (0.2).</summary>
    public double Near { get; init; } = 0.01;

    /// <summary>
    /// A camera at distance <paramref name="distance"/> (metres) from the world origin on its +z axis,
    /// looking back at the origin, turned round the origin by <paramref name="yawDeg"/> (about +y, positive
    /// = the camera moves to the subject's left) and <paramref name="pitchDeg"/> (about +x, positive = the
    /// camera moves up), with vertical field of view <paramref name="fovYDeg"/>. World axes are the
    /// canonical head frame's (+y up, +z out of the face), so yaw = pitch = 0 sees the face frontally.
    /// </summary>
    public static Camera Orbit(int width, int height, double distance, double yawDeg, double pitchDeg, double fovYDeg)
    {
        double yaw = yawDeg * Math.PI / 180, pitch = pitchDeg * Math.PI / 180;
        // Camera position on the sphere.
        double px = distance * Math.Cos(pitch) * Math.Sin(yaw);
        double py = distance * Math.Sin(pitch);
        double pz = distance * Math.Cos(pitch) * Math.Cos(yaw);
        // Camera axes in world coordinates: forward towards the origin, down = −up orthogonalised.
        double fx = -px / distance, fy = -py / distance, fz = -pz / distance;
        // right = forward × worldUp(0,1,0), normalised; (OpenCV: x right, y down, z forward)
        double rx = fy * 0 - fz * 1, ry = fz * 0 - fx * 0, rz = fx * 1 - fy * 0;
        double rn = Math.Sqrt(rx * rx + ry * ry + rz * rz);
        rx /= rn; ry /= rn; rz /= rn;
        // down = forward × right
        double dx = fy * rz - fz * ry, dy = fz * rx - fx * rz, dz = fx * ry - fy * rx;
        var r = new[] { rx, ry, rz, dx, dy, dz, fx, fy, fz };
        var t = new[] { -(rx * px + ry * py + rz * pz), -(dx * px + dy * py + dz * pz), -(fx * px + fy * py + fz * pz) };
        double f = 0.5 * height / Math.Tan(fovYDeg * Math.PI / 360);
        return new Camera(width, height, f, f, width / 2.0, height / 2.0, r, t);
    }
}
