using Npga.Live.Pipeline.Reenact;
using Npga.Live.Tracking.Expression;

namespace Npga.Live.Pipeline.Tests;

/// <summary>Hold and ease to neutral where the face is lost: the decay law, the rotation's path, resuming.</summary>
public sealed class ReenactFaceLossEasingTests
{
    private static PoseExpression Pose(float[] z, double[] r) => new(r, [0, 0, -0.6], 1000, z, 0.1);

    [Fact]
    public void BeforeAnyFace_TheAvatarIsNeutral()
    {
        var e = new FaceLossEasing(4, 0.3);
        var d = e.Next(null, 0.5);
        Assert.Equal(AvatarDriveSource.Neutral, d.Source);
        Assert.Equal(new float[4], d.ZExp);
        Assert.Equal(ReenactFakes.Identity, d.Rotation);
        Assert.True(double.IsPositiveInfinity(d.SecondsSinceFace));
    }

    [Fact]
    public void Tracked_IsPassedThrough_AsACopy()
    {
        var e = new FaceLossEasing(3, 0.3);
        float[] z = [1, -2, 3];
        var r = ReenactFakes.AxisAngle(1, 0, 0, 20);
        var d = e.Next(Pose(z, r), 1.0);
        Assert.Equal(AvatarDriveSource.Tracked, d.Source);
        Assert.Equal(z, d.ZExp);
        Assert.Equal(r, d.Rotation);
        z[0] = 99;
        Assert.Equal(1f, d.ZExp[0]);
    }

    [Fact]
    public void Lost_CodeDecaysExponentially_WithTheTimeConstant()
    {
        const double tau = 0.3;
        var e = new FaceLossEasing(2, tau);
        e.Next(Pose([2, -4], ReenactFakes.Identity), 10.0);
        // Irregular frame times: the decay follows stream time, not frame count.
        double[] times = [10.01, 10.05, 10.3, 10.31, 11.0, 13.0];
        foreach (var t in times)
        {
            var d = e.Next(null, t);
            double a = Math.Exp(-(t - 10.0) / tau);
            Assert.Equal(AvatarDriveSource.Easing, d.Source);
            Assert.Equal(2 * a, d.ZExp[0], 4);
            Assert.Equal(-4 * a, d.ZExp[1], 4);
            Assert.Equal(t - 10.0, d.SecondsSinceFace, 9);
        }
    }

    [Fact]
    public void Lost_RotationTurnsBackToIdentity_AboutItsOwnAxis()
    {
        const double tau = 0.3;
        var e = new FaceLossEasing(1, tau);
        var axis = (X: 0.48, Y: 0.6, Z: 0.64); // unit
        e.Next(Pose([0], ReenactFakes.AxisAngle(axis.X, axis.Y, axis.Z, 40)), 0);
        for (int f = 1; f <= 60; f++)
        {
            double t = f / 30.0;
            var r = e.Next(null, t).Rotation;
            double expected = 40 * Math.Exp(-t / tau);
            Assert.Equal(expected, ReenactFakes.AngleDeg(r), 3);
            if (expected > 1)
            {
                // axis from the skew part: (r21 − r12, r02 − r20, r10 − r01) ∥ axis
                double ax = r[7] - r[5], ay = r[2] - r[6], az = r[3] - r[1], n = Math.Sqrt(ax * ax + ay * ay + az * az);
                Assert.Equal(axis.X, ax / n, 6);
                Assert.Equal(axis.Y, ay / n, 6);
                Assert.Equal(axis.Z, az / n, 6);
            }
            // stays a proper rotation
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                    Assert.Equal(i == j ? 1 : 0, r[i] * r[j] + r[3 + i] * r[3 + j] + r[6 + i] * r[6 + j], 9);
        }
    }

    [Fact]
    public void LargeRotations_TakeTheShortWayHome()
    {
        var e = new FaceLossEasing(1, 0.3);
        e.Next(Pose([0], ReenactFakes.AxisAngle(0, 1, 0, 170)), 0);
        var prev = 170.0;
        for (int f = 1; f < 20; f++)
        {
            var angle = ReenactFakes.AngleDeg(e.Next(null, f / 30.0).Rotation);
            Assert.True(angle < prev, $"frame {f}: {angle}° after {prev}°");
            prev = angle;
        }
    }

    [Fact]
    public void FaceReturns_IsTakenAtOnce_AndTimeGoingBack_DoesNotGrowTheCode()
    {
        var e = new FaceLossEasing(1, 0.3);
        e.Next(Pose([5], ReenactFakes.Identity), 1.0);
        var lost = e.Next(null, 1.3);
        var back = e.Next(null, 1.2); // a timestamp going back counts as no time passing
        Assert.Equal(lost.ZExp[0], back.ZExp[0]);
        var d = e.Next(Pose([-7], ReenactFakes.AxisAngle(0, 0, 1, 10)), 1.4);
        Assert.Equal(AvatarDriveSource.Tracked, d.Source);
        Assert.Equal(-7f, d.ZExp[0]);
        e.Reset();
        Assert.Equal(AvatarDriveSource.Neutral, e.Next(null, 2).Source);
    }

    [Fact]
    public void WrongCodeLength_IsRefused()
    {
        var e = new FaceLossEasing(3, 0.3);
        Assert.Throws<ArgumentException>(() => e.Next(Pose([1, 2], ReenactFakes.Identity), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaceLossEasing(3, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaceLossEasing(0, 0.3));
    }
}
