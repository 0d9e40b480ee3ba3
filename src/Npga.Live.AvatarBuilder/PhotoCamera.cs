using Npga.Live.Core.Gaussians;
using Npga.Live.Tracking.Expression;

namespace Npga.Live.AvatarBuilder;

/// <summary>
/// The camera of a photo, estimated from the tracker's weak-perspective fit (image ≈ s·R·X + T in the flipped,
/// y-up pixel frame; see <see cref="PoseExpressionFitter"/>): a pinhole with focal length f whose principal point is
/// the head origin's image (Tx, −Ty) and whose distance puts the face's mean depth at d = f/s, so that it reproduces
/// the fit on the face itself. In OpenCV axes (the renderer's), world = canonical head frame: R_cv = diag(1, −1, −1)·R,
/// t_cv = (0, 0, f/s − mean_i (R_cv·X_i)_z) over the face mesh X.
/// A long focal length (the default 2.5·max(W, H), a ≈23° view of the photo's long side) keeps perspective
/// mild, as a weak-perspective fit assumes.
/// </summary>
/// <remarks>
/// The principal point is placed on the face rather than at the image centre, and the depth is taken at the face
/// rather than at the head origin (the canonical origin lies ≈10 cm behind the face): with the image centre and the
/// origin's depth, the face of s9 (Mona Lisa, in the upper third of a 720×1280 painting) reprojected 10–22 px above its
/// own landmarks (5% magnification about a principal point 260 px below the eyes), so the painted eyes and lips were
/// coloured onto Gaussians an eye's height below the mesh's eye openings and lip line. With this camera the face mesh
/// reprojects onto its landmarks within 0.44 px on average (max 3.9 px). A weak-perspective fit sees the face along the
/// optical axis, which is what a principal point on the face states.
/// </remarks>
internal static class PhotoCamera
{
    /// <summary>
    /// The camera of the photo from the fit's rotation <paramref name="rotation"/> (3×3 row-major, head → flipped image
    /// frame), scale <paramref name="scale"/> (pixels per metre), translation <paramref name="translation"/> (flipped
    /// pixels: u = Tx, v = −Ty for the head origin) and the face mesh <paramref name="face"/> (468×3, metres, canonical
    /// head frame) it placed.
    /// </summary>
    public static Camera FromFit(double[] rotation, double scale, (double X, double Y, double Z) translation, float[] face, int width, int height, double focalPx)
    {
        var r = rotation;
        double[] rcv = [r[0], r[1], r[2], -r[3], -r[4], -r[5], -r[6], -r[7], -r[8]];
        double depth = 0;
        int n = face.Length / 3;
        for (int i = 0; i < n; i++) depth += rcv[6] * face[3 * i] + rcv[7] * face[3 * i + 1] + rcv[8] * face[3 * i + 2];
        depth /= n;
        double[] tcv = [0, 0, focalPx / scale - depth];
        return new Camera(width, height, focalPx, focalPx, translation.X, -translation.Y, rcv, tcv);
    }

    /// <summary>Pixel position (continuous, centres at +½) and depth of a world point.</summary>
    public static (double U, double V, double Z) Project(Camera c, (double X, double Y, double Z) p)
    {
        var r = c.R;
        double x = r[0] * p.X + r[1] * p.Y + r[2] * p.Z + c.T[0];
        double y = r[3] * p.X + r[4] * p.Y + r[5] * p.Z + c.T[1];
        double z = r[6] * p.X + r[7] * p.Y + r[8] * p.Z + c.T[2];
        return (c.Fx * x / z + c.Cx, c.Fy * y / z + c.Cy, z);
    }

    /// <summary>The world-space ray through pixel (u, v): origin (camera centre) and unit direction.</summary>
    public static ((double X, double Y, double Z) O, (double X, double Y, double Z) D) Ray(Camera c, double u, double v)
    {
        double dx = (u - c.Cx) / c.Fx, dy = (v - c.Cy) / c.Fy;
        var r = c.R;
        // world direction = Rᵀ·(dx, dy, 1)
        var d = GaussianBuffer.Normalize((r[0] * dx + r[3] * dy + r[6], r[1] * dx + r[4] * dy + r[7], r[2] * dx + r[5] * dy + r[8]));
        return (c.Center, d);
    }

    /// <summary>Metres that <paramref name="px"/> photo pixels span at the head origin's distance from the camera.</summary>
    public static double MetresAtHead(Camera c, double px)
    {
        var o = c.Center;
        return px * Math.Sqrt(o.X * o.X + o.Y * o.Y + o.Z * o.Z) / c.Fx;
    }

    /// <summary>
    /// Whether the photo sees the front of a surface at <paramref name="p"/> with outward normal <paramref name="n"/> (head
    /// frame): cos of the angle between n and the direction to the camera above 0.05. The head proxy's samples the photo
    /// sees are coloured from its rays; the others are drawn by the back-of-head and hidden-side parts.
    /// </summary>
    public static bool SeesFront(Camera c, (double X, double Y, double Z) p, (double X, double Y, double Z) n)
    {
        var o = c.Center;
        return GaussianBuffer.Dot(n, GaussianBuffer.Normalize((o.X - p.X, o.Y - p.Y, o.Z - p.Z))) > 0.05;
    }

    /// <summary>
    /// A square camera of <paramref name="size"/> pixels looking at the same scene as <paramref name="photo"/> but
    /// cropped to the square of side <paramref name="cropSide"/> photo pixels centred at (<paramref name="centerU"/>,
    /// <paramref name="centerV"/>): the same rays, resampled.
    /// </summary>
    public static Camera Crop(Camera photo, double centerU, double centerV, double cropSide, int size)
    {
        double k = size / cropSide;
        return photo with
        {
            Width = size, Height = size, Fx = photo.Fx * k, Fy = photo.Fy * k,
            Cx = (photo.Cx - (centerU - cropSide / 2)) * k, Cy = (photo.Cy - (centerV - cropSide / 2)) * k,
        };
    }
}
