using Npga.Live.Core.Gaussians;
using Npga.Live.Tracking.Expression;

namespace Npga.Live.AvatarBuilder;

/// <summary>
/// The camera of a photo, estimated from the tracker's weak-perspective fit (image ≈ s·R·X + T in the flipped,
/// y-up pixel frame; see <see cref="PoseExpressionFitter"/>): a pinhole with focal length f placed at depth d = f/s
/// from the head, so that it reproduces the fit at the head's depth. In OpenCV axes (the renderer's), world =
/// canonical head frame: R_cv = diag(1, −1, −1)·R and t_cv = ((Tx − cx)/s, (−Ty − cy)/s, f/s).
/// A long focal length (the default 2.5·max(W, H), a ≈23° view of the photo's long side) keeps perspective
/// mild, as a weak-perspective fit assumes.
/// </summary>
internal static class PhotoCamera
{
    public static Camera FromFit(PoseExpression pose, int width, int height, double focalPx)
    {
        double s = pose.Scale, cx = width / 2.0, cy = height / 2.0;
        // PoseExpressionFitter reports t = ((Tx − cx)/s, (Ty + cy)/s, −f/s) for its own focal length; recover T.
        double tx = pose.Translation[0] * s + cx, ty = pose.Translation[1] * s - cy;
        var r = pose.Rotation;
        double[] rcv = [r[0], r[1], r[2], -r[3], -r[4], -r[5], -r[6], -r[7], -r[8]];
        double[] tcv = [(tx - cx) / s, (-ty - cy) / s, focalPx / s];
        return new Camera(width, height, focalPx, focalPx, cx, cy, rcv, tcv);
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
