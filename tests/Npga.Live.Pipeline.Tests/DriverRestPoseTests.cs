using Npga.Live.Core.Gaussians;
using Npga.Live.Pipeline.Reenact;
using Npga.Live.Tracking.Expression;

namespace Npga.Live.Pipeline.Tests;

/// <summary>Relative head motion: <see cref="DriverRestPose"/> and <see cref="Camera.WorldRotationFromView"/>.</summary>
public class DriverRestPoseTests
{
    private static double[] AxisAngle(double x, double y, double z, double deg)
    {
        double n = Math.Sqrt(x * x + y * y + z * z), a = deg * Math.PI / 180, c = Math.Cos(a), s = Math.Sin(a), k = 1 - c;
        x /= n; y /= n; z /= n;
        return [c + x * x * k, x * y * k - z * s, x * z * k + y * s, y * x * k + z * s, c + y * y * k, y * z * k - x * s, z * x * k - y * s, z * y * k + x * s, c + z * z * k];
    }

    private static double[] Mul(double[] a, double[] b)
    {
        var c = new double[9];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                c[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
        return c;
    }

    private static PoseExpression Pose(double[] r) => new(r, [0, 0, -0.5], 900, new float[3], 1);

    private static void AssertClose(double[] expected, double[] actual, double tol)
    {
        for (int i = 0; i < 9; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= tol, $"entry {i}: {expected[i]} vs {actual[i]}");
    }

    [Fact]
    public void TheRestIsTheMeanOfTheFirstFrames_AndLaterTurnsAreRelativeToIt()
    {
        // A driver looking 12° down at their webcam, with ±2° of jitter in the first half second.
        var rest = AxisAngle(1, 0, 0, -12);
        var est = new DriverRestPose(restFrames: 4);
        var jitter = new[] { AxisAngle(0, 1, 0, 2), AxisAngle(0, 1, 0, -2), AxisAngle(1, 0, 0, 2), AxisAngle(1, 0, 0, -2) };
        foreach (var j in jitter) est.Relative(Pose(Mul(j, rest)));
        AssertClose(rest, est.RestRotation, 2e-3); // the mean of ±2° pairs about the same axis
        // Later frames do not move the rest: a 20° turn to the side, in the camera frame, comes out as that turn.
        var turn = AxisAngle(0, 1, 0, 20);
        var rel = est.Relative(Pose(Mul(turn, est.RestRotation))).Rotation;
        AssertClose(turn, rel, 1e-9);
        AssertClose([1, 0, 0, 0, 1, 0, 0, 0, 1], est.Relative(Pose(est.RestRotation)).Rotation, 1e-9); // at rest: no turn
        // The code and translation pass through; a reset forgets the rest.
        var p = Pose(turn);
        var q = est.Relative(p);
        Assert.Same(p.ZExp, q.ZExp);
        Assert.Equal(p.Translation, q.Translation);
        est.Reset();
        AssertClose([1, 0, 0, 0, 1, 0, 0, 0, 1], est.RestRotation, 0);
        AssertClose([1, 0, 0, 0, 1, 0, 0, 0, 1], est.Relative(Pose(turn)).Rotation, 1e-12);
    }

    [Fact]
    public void QuaternionSignsDoNotCancel()
    {
        // Rotations near 180° have quaternions with w near 0, whose signs flip between neighbours; the mean must not collapse.
        var est = new DriverRestPose(restFrames: 2);
        est.Relative(Pose(AxisAngle(0, 0, 1, 179)));
        est.Relative(Pose(AxisAngle(0, 0, 1, -179)));
        AssertClose(AxisAngle(0, 0, 1, 180), est.RestRotation, 1e-9);
    }

    [Fact]
    public void AViewRotationTurnsTheHeadAsTheCameraSeesIt()
    {
        // A camera looking at the head from an oblique angle (the photo's camera of a one-shot avatar).
        var cam = Camera.Orbit(256, 256, 2.0, 25, -15, 20);
        var v = AxisAngle(0.3, 1, -0.2, 17);
        var o = cam.WorldRotationFromView(v);
        var moved = cam.WithObjectPose(o, [0, 0, 0]);
        var rng = new Random(5);
        for (int n = 0; n < 20; n++)
        {
            double[] x = [rng.NextDouble() - 0.5, rng.NextDouble() - 0.5, rng.NextDouble() - 0.5];
            // OpenGL view coordinates (x, −y, −z of the OpenCV camera's), before and after.
            double[] Gl(Camera c) => [c.R[0] * x[0] + c.R[1] * x[1] + c.R[2] * x[2] + c.T[0], -(c.R[3] * x[0] + c.R[4] * x[1] + c.R[5] * x[2] + c.T[1]), -(c.R[6] * x[0] + c.R[7] * x[1] + c.R[8] * x[2] + c.T[2])];
            var before = Gl(cam);
            var after = Gl(moved);
            double[] t = [cam.T[0], -cam.T[1], -cam.T[2]]; // the head's centre (world origin) in the view frame
            for (int i = 0; i < 3; i++)
            {
                double expected = v[3 * i] * (before[0] - t[0]) + v[3 * i + 1] * (before[1] - t[1]) + v[3 * i + 2] * (before[2] - t[2]) + t[i];
                Assert.Equal(expected, after[i], 9);
            }
        }
        Assert.Throws<ArgumentException>(() => cam.WorldRotationFromView([1, 0, 0]));
    }

    [Fact]
    public void AddRest_TakesOnlyTheFirstFrames_AndRelativeToIsRTimesR0Transposed()
    {
        var rest = new DriverRestPose(restFrames: 3);
        var down = AxisAngle(1, 0, 0, 12);
        for (int i = 0; i < 3; i++)
        {
            Assert.False(rest.IsComplete);
            rest.AddRest(down);
        }
        Assert.True(rest.IsComplete);
        rest.AddRest(AxisAngle(0, 1, 0, 40)); // after the rest: ignored
        AssertClose(down, rest.RestRotation, 1e-12);
        var turned = Mul(AxisAngle(0, 1, 0, 20), down);
        AssertClose(AxisAngle(0, 1, 0, 20), DriverRestPose.RelativeTo(turned, rest.RestRotation), 1e-12);
        Assert.Throws<ArgumentException>(() => rest.AddRest(new double[8]));
    }
}
