using Npga.Live.Avatar;
using Npga.Live.Avatar.Tests;
using Npga.Live.Core.Imaging;
using Npga.Live.Pipeline.Reenact;
using Npga.Live.Tracking.Expression;

namespace Npga.Live.Pipeline.Tests;

/// <summary>The gaze's way from the tracker to an avatar's G: the driver's resting gaze, the easing, the code.</summary>
public sealed class GazeTests
{
    [Fact]
    public void GazeNeutral_AveragesWhatItHasSeen_ThenForgetsBeyondItsWindow()
    {
        var n = new GazeNeutral(1, windowS: 2);
        var rel = new float[1];
        n.Update([0.3f], 0, rel);
        Assert.Equal(0f, rel[0]); // the first gaze is the rest
        n.Update([0.1f], 0.1, rel);
        Assert.Equal(0.2, n.Mean[0], 5); // two equal steps: their mean
        Assert.Equal(-0.1f, rel[0], 5);
        n.Update([0.2f], 0.2, rel);
        Assert.Equal(0.2, n.Mean[0], 5);
        // Then an exponential window of 2 s: after 10 s at 0.5 the rest has followed it (e^-5 of the old rest is left).
        for (int i = 3; i <= 102; i++) n.Update([0.5f], 0.1 * i, rel);
        Assert.InRange(n.Mean[0], 0.49, 0.5);
        // A frame at the same time moves nothing; a non-finite value is 0 and leaves the rest alone.
        double m = n.Mean[0];
        n.Update([0.9f], 10.2, rel);
        Assert.Equal(m, n.Mean[0]);
        n.Update([float.NaN], 10.3, rel);
        Assert.Equal(0f, rel[0]);
        Assert.Equal(m, n.Mean[0]);
        n.Reset();
        n.Update([-1f], 11, rel);
        Assert.Equal(-1, n.Mean[0], 5);
        Assert.Throws<ArgumentException>(() => n.Update([1f, 2f], 12, rel));
    }

    [Fact]
    public void GazeNeutral_MovesBothEyesAsOne_SoTheTrackersDifferenceBetweenThemDoesNotCrossTheAvatarsEyes()
    {
        var n = new GazeNeutral(4, windowS: 100);
        var rel = new float[4];
        n.Update([0.10f, 0.02f, -0.10f, 0.04f], 0, rel); // the rest
        Assert.Equal(new float[4], rel);
        // The right eye read 0.06 further right, the left 0.02 left: a glance of 0.02 right, and 0.04 of noise crossing them.
        n.Update([0.16f, 0.02f, -0.12f, 0.04f], 1, rel);
        var estimate = n.Mean.ToArray();
        float along = 0.5f * ((0.16f - (float)estimate[0]) + (-0.12f - (float)estimate[2]));
        Assert.Equal(along, rel[0], 5);
        Assert.Equal(along, rel[2], 5);
        Assert.True(along > 0.005f, $"the common glance is lost: {along}");
        Assert.Equal(rel[1], rel[3]);
        // One eye unread on an axis: the other eye's value serves both.
        n.Update([float.NaN, 0.05f, -0.05f, float.NaN], 2, rel);
        Assert.Equal(rel[0], rel[2]);
        Assert.Equal((float)(-0.05 - n.Mean[2]), rel[0], 5);
        Assert.Equal((float)(0.05 - n.Mean[1]), rel[3], 5);
        // Other sizes are left per value.
        var one = new GazeNeutral(2, windowS: 100);
        var r2 = new float[2];
        one.Update([0f, 0f], 0, r2);
        one.Update([1f, -1f], 1, r2);
        Assert.True(r2[0] > 0 && r2[1] < 0);
    }

    [Fact]
    public void FaceLossEasing_GivesTheGazeRelativeToTheRest_AndEasesItToZero()
    {
        var e = new FaceLossEasing(2, 0.3);
        var pose = new PoseExpression(ReenactFakes.Identity, [0, 0, -0.6], 1000, [1, 2], 0.1);
        Assert.Null(e.Next(pose, 0).Gaze); // the tracker read no gaze
        var d0 = e.Next(pose, 0.1, [0.2f, 0.1f, -0.2f, 0.1f]);
        Assert.Equal(new float[4], d0.Gaze); // the first gaze is the rest
        var d1 = e.Next(pose, 0.2, [0.3f, 0.1f, -0.1f, 0.1f]);
        Assert.Equal(0.05f, d1.Gaze![0], 5); // rest (0.2 + 0.3) / 2
        var lost = e.Next(null, 0.2 + 0.3);
        Assert.Equal(AvatarDriveSource.Easing, lost.Source);
        Assert.Equal(0.05f * MathF.Exp(-1), lost.Gaze![0], 4);
        e.Reset();
        Assert.Null(e.Next(null, 1).Gaze);
    }

    [Fact]
    public void TheRenderer_EncodesTheRelativeGaze_AsTheWholeCodeWouldBe()
    {
        var dir = Directory.CreateTempSubdirectory("npga-gaze-").FullName;
        try
        {
            Fixtures.Make(dir, "--n", "300", "--seed", "4", "--no-cnn", "--gaze-dim", "4");
            var package = AvatarPackage.Load(dir);
            var spec = package.Manifest.Gaze!;
            using var r = AvatarFrameRenderer.OnCpu(package, 64, 64, renderThreads: 1);
            float[] z = [.. Enumerable.Range(0, Fixtures.K).Select(i => 0.3f * MathF.Sin(i))];
            float[] rel = [0.05f, -0.1f, 0.02f, 0.5f]; // the last clips at 5σ (σ = 0.05)
            var a = new RgbImage(64, 64);
            r.Render(z, [], [], r.BaseCamera, a, rel);
            var code = new float[4];
            spec.Encode(rel, code);
            var rest = spec.RestGaze(); // the fixture's mean crosses the eyes: the rest uncrosses them
            float[] expected = [.. Enumerable.Range(0, 4).Select(j => (float)Math.Clamp((rel[j] + rest[j] - spec.Mean[j]) / spec.Std[j], -5, 5))];
            Assert.Equal(expected, code.Select(v => MathF.Round(v, 4)).ToArray(), (x, y) => MathF.Abs(x - y) < 1e-3f);
            Assert.Equal(5f, code[3]);
            var b = new RgbImage(64, 64);
            r.Render([.. z, .. code], [], [], r.BaseCamera, b);
            Assert.Equal(b.Pixels, a.Pixels);
            var c = new RgbImage(64, 64);
            r.Render(z, [], [], r.BaseCamera, c); // no gaze read: the avatar's resting gaze
            Assert.NotEqual(c.Pixels, a.Pixels);
            Assert.Throws<ArgumentException>(() => r.Render([.. z, .. code], [], [], r.BaseCamera, b, rel));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
