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
    public double Near { get; init; } = 0.2;

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

    /// <summary>
    /// The same camera for an output of <paramref name="width"/>×<paramref name="height"/> pixels: the focal
    /// lengths scale uniformly by height/<see cref="Height"/> (the vertical field of view is kept) and the
    /// principal point keeps its offset from the image centre, scaled alike. Extrinsics are unchanged.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A side is below 1.</exception>
    public Camera Resized(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        double s = (double)height / Height;
        return this with
        {
            Width = width, Height = height, Fx = Fx * s, Fy = Fy * s,
            Cx = width / 2.0 + (Cx - Width / 2.0) * s, Cy = height / 2.0 + (Cy - Height / 2.0) * s,
        };
    }

    /// <summary>
    /// The camera moved round the world origin (the head's centre) on a sphere: by <paramref name="yawDeg"/>
    /// about the world +y axis and <paramref name="pitchDeg"/> about the world +x axis (positive pitch = the
    /// camera moves up, positive yaw = it moves towards +x, the subject's left). With Q the orbit rotation the
    /// new extrinsics are R' = R·Qᵀ and t' = t (the centre moves to Q·C, its distance to the origin kept).
    /// </summary>
    public Camera Orbited(double yawDeg, double pitchDeg)
    {
        double a = yawDeg * Math.PI / 180, b = pitchDeg * Math.PI / 180;
        // Q = Ry(a)·Rx(−b): pitch first (about x; −b so that positive pitch lifts the camera), then yaw.
        double ca = Math.Cos(a), sa = Math.Sin(a), cb = Math.Cos(-b), sb = Math.Sin(-b);
        double[] ry = [ca, 0, sa, 0, 1, 0, -sa, 0, ca];
        double[] rx = [1, 0, 0, 0, cb, -sb, 0, sb, cb];
        var q = Mul(ry, rx);
        return this with { R = Mul(R, Transpose(q)), T = (double[])T.Clone() };
    }

    /// <summary>
    /// Folds a rigid object pose into the extrinsics: rendering an object given in its own frame with the
    /// returned camera equals rendering the object moved by x_world = <paramref name="rotation"/>·x +
    /// <paramref name="translation"/> with this camera (R' = R·R_obj, t' = R·t_obj + t). Used to place the
    /// head: the Gaussians stay in the canonical head frame, so their SH colours are evaluated for the view
    /// direction in that frame, as they were trained.
    /// </summary>
    /// <param name="rotation">Row-major 3×3 rotation.</param>
    /// <param name="translation">Metres.</param>
    public Camera WithObjectPose(ReadOnlySpan<double> rotation, ReadOnlySpan<double> translation)
    {
        if (rotation.Length != 9 || translation.Length != 3) throw new ArgumentException("rotation needs 9 values and translation 3");
        var ro = rotation.ToArray();
        var t = new double[3];
        for (int i = 0; i < 3; i++)
            t[i] = R[3 * i] * translation[0] + R[3 * i + 1] * translation[1] + R[3 * i + 2] * translation[2] + T[i];
        return this with { R = Mul(R, ro), T = t };
    }

    /// <summary>
    /// The world-frame object rotation that turns the head by <paramref name="viewRotation"/> as this camera sees it:
    /// <paramref name="viewRotation"/> is a rotation in the camera's view frame with OpenGL axes (x right, y up, z towards
    /// the viewer; the tracker's camera frame), about the world origin (the head's centre). With F = diag(1, −1, −1) (OpenGL ↔
    /// OpenCV axes) the result is O = Rᵀ·F·V·F·R, so that rendering with <see cref="WithObjectPose"/>(O, 0) gives the
    /// extrinsics R·O = F·V·F·R: the head's orientation in the view frame is left-multiplied by V. Used to transfer a
    /// driver's head motion, measured in the driver's camera, to an avatar seen through its own camera.
    /// </summary>
    /// <param name="viewRotation">Row-major 3×3 rotation V in the view frame.</param>
    /// <returns>Row-major 3×3 rotation O in the world frame.</returns>
    /// <exception cref="ArgumentException"><paramref name="viewRotation"/> does not hold 9 values.</exception>
    public double[] WorldRotationFromView(ReadOnlySpan<double> viewRotation)
    {
        if (viewRotation.Length != 9) throw new ArgumentException("the rotation needs 9 values", nameof(viewRotation));
        // F·V·F flips the signs of the entries that mix x with y or z.
        double[] fvf =
        [
            viewRotation[0], -viewRotation[1], -viewRotation[2],
            -viewRotation[3], viewRotation[4], viewRotation[5],
            -viewRotation[6], viewRotation[7], viewRotation[8],
        ];
        return Mul(Transpose(R), Mul(fvf, R));
    }

    /// <summary>The camera centre in world coordinates, −Rᵀ·t (metres).</summary>
    public (double X, double Y, double Z) Center =>
        (-(R[0] * T[0] + R[3] * T[1] + R[6] * T[2]), -(R[1] * T[0] + R[4] * T[1] + R[7] * T[2]), -(R[2] * T[0] + R[5] * T[1] + R[8] * T[2]));

    private static double[] Mul(double[] a, double[] b)
    {
        var c = new double[9];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                c[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
        return c;
    }

    private static double[] Transpose(double[] a) => [a[0], a[3], a[6], a[1], a[4], a[7], a[2], a[5], a[8]];
}
