using Npga.Live.Core;
using Npga.Live.Tracking.Expression;
using Xunit.Abstractions;

namespace Npga.Live.AvatarBuilder.Tests;

/// <summary>
/// The photo's camera must put the face mesh back onto the landmarks it was un-posed from: the builder colours each
/// Gaussian from the photo where this camera projects it, so an offset here paints the photo's eyes and lips beside the
/// mesh's eye openings and lip line.
/// </summary>
public sealed class PhotoCameraTests(ITestOutputHelper output)
{
    /// <summary>
    /// A weak-perspective fit of the expression model's canonical face placed as in s9 (the Mona Lisa: 720×1280, the face
    /// in the upper quarter, turned 17°, 1480 px per metre): image = s·R·X + T in the flipped (y-up) pixel frame. The
    /// camera built from the fit reprojects every vertex within a few pixels of its fitted image position.
    /// </summary>
    [Fact]
    public void An_off_centre_face_reprojects_onto_its_weak_perspective_fit()
    {
        var model = ExpressionModel.LoadById(RepoPaths.Models, "mp468-pca-v1");
        var x = model.Canonical;
        double yaw = 17 * Math.PI / 180, pitch = -10 * Math.PI / 180;
        double cy = Math.Cos(yaw), sy = Math.Sin(yaw), cp = Math.Cos(pitch), sp = Math.Sin(pitch);
        // R = Rx(pitch)·Ry(yaw), row-major, head frame → flipped image frame.
        double[] r = [cy, 0, sy, sp * sy, cp, -sp * cy, -cp * sy, sp, cp * cy];
        const double s = 1480;
        var t = (X: 390.5, Y: -287.8, Z: -127.0);
        var camera = PhotoCamera.FromFit(r, s, t, x, 720, 1280, 2.5 * 1280);

        double sum = 0, max = 0;
        int n = x.Length / 3;
        for (int i = 0; i < n; i++)
        {
            var p = (X: (double)x[3 * i], Y: (double)x[3 * i + 1], Z: (double)x[3 * i + 2]);
            double u = s * (r[0] * p.X + r[1] * p.Y + r[2] * p.Z) + t.X;
            double v = -(s * (r[3] * p.X + r[4] * p.Y + r[5] * p.Z) + t.Y);
            var q = PhotoCamera.Project(camera, p);
            double e = Math.Sqrt((q.U - u) * (q.U - u) + (q.V - v) * (q.V - v));
            sum += e;
            max = Math.Max(max, e);
        }
        output.WriteLine($"reprojection error over {n} vertices: mean {sum / n:F2} px, max {max:F2} px; principal point ({camera.Cx:F1}, {camera.Cy:F1})");
        // What remains is perspective across the face's own depth (±4 cm at 2.2 m); with the principal point at the
        // image centre and the depth at the head origin this was 10–22 px for s9.
        Assert.True(sum / n < 1.0, $"mean reprojection error {sum / n:F2} px");
        Assert.True(max < 6.0, $"max reprojection error {max:F2} px");
    }
}
