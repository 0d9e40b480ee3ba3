using Npga.Live.Core.Imaging;
using Npga.Live.Tracking;

namespace Npga.Live.Cli.Commands;

/// <summary>
/// Draws a <see cref="TrackResult"/> onto its frame (<see cref="Canvas"/>): landmarks as yellow dots, the iris centres (when
/// the gaze was read) as larger cyan dots, head axes x red, y green,
/// z blue (5 cm), and a label at the top left: the frame index and the head's yaw, pitch and roll in degrees, or "no face"
/// beside a red cross.
/// </summary>
internal static class TrackOverlay
{
    public static void Draw(RgbImage img, TrackResult r)
    {
        int text = Math.Max(8, Math.Min(img.Width, img.Height) / 40);
        if (!r.Face || r.LandmarksPx is null)
        {
            Canvas.Line(img, 0, 0, img.Width - 1, img.Height - 1, 255, 0, 0, 3);
            Canvas.Line(img, img.Width - 1, 0, 0, img.Height - 1, 255, 0, 0, 3);
            Canvas.Text(img, $"frame {r.Frame}: no face", text / 2, 1.5 * text, text, 255, 255, 255);
            return;
        }
        int dot = Math.Max(1, Math.Min(img.Width, img.Height) / 400);
        for (int i = 0; i < r.LandmarksPx.Length / 3; i++)
            Canvas.Dot(img, r.LandmarksPx[3 * i], r.LandmarksPx[3 * i + 1], dot, 255, 230, 0);
        if (r.Gaze is { } gaze)
        {
            Span<float> iris = stackalloc float[4];
            Npga.Live.Tracking.Landmarks.IrisModel.IrisCentres(r.LandmarksPx, gaze, iris);
            for (int e = 0; e < 2; e++) Canvas.Dot(img, iris[2 * e], iris[2 * e + 1], 2 * dot + 1, 0, 230, 255);
        }
        if (r.Pose is not { } p || r.Intrinsics is not { } k)
        {
            Canvas.Text(img, $"frame {r.Frame}", text / 2, 1.5 * text, text, 255, 255, 255);
            return;
        }
        var (yaw, pitch, roll) = Angles(p.Rotation);
        Canvas.Text(img, $"frame {r.Frame}  yaw {yaw:+0;-0} pitch {pitch:+0;-0} roll {roll:+0;-0}", text / 2, 1.5 * text, text, 255, 255, 255);
        // Image position of a head-frame point X: flipped = s·R·X + T, image = (flipped.x, −flipped.y),
        // with T = (t0·s + cx, t1·s − cy) (see PoseExpressionFitter).
        double s = p.Scale, tx = p.Translation[0] * s + k[2], ty = p.Translation[1] * s - k[3];
        (double X, double Y) Project(double x, double y, double z)
        {
            var R = p.Rotation;
            double fx = s * (R[0] * x + R[1] * y + R[2] * z) + tx, fy = s * (R[3] * x + R[4] * y + R[5] * z) + ty;
            return (fx, -fy);
        }
        var o = Project(0, 0, 0);
        int w = Math.Max(2, Math.Min(img.Width, img.Height) / 200);
        var ax = Project(0.05, 0, 0); Canvas.Line(img, o.X, o.Y, ax.X, ax.Y, 255, 40, 40, w);
        var ay = Project(0, 0.05, 0); Canvas.Line(img, o.X, o.Y, ay.X, ay.Y, 40, 255, 40, w);
        var az = Project(0, 0, 0.05); Canvas.Line(img, o.X, o.Y, az.X, az.Y, 60, 120, 255, w);
    }

    /// <summary>Yaw (about y), pitch (about x), roll (about z) in degrees of R = Ry·Rx·Rz (row-major, OpenGL axes).</summary>
    private static (double Yaw, double Pitch, double Roll) Angles(double[] R)
    {
        double pitch = Math.Asin(Math.Clamp(-R[5], -1, 1));
        double yaw = Math.Atan2(R[2], R[8]);
        double roll = Math.Atan2(R[3], R[4]);
        return (yaw * 180 / Math.PI, pitch * 180 / Math.PI, roll * 180 / Math.PI);
    }
}
