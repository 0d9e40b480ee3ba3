using System.Text.Json.Nodes;
using Npga.Live.Avatar.Deform;
using Npga.Live.Core.Gaussians;

namespace Npga.Live.Avatar.Tests;

/// <summary>The upper lids (<see cref="AvatarLids"/>, the manifest's <c>lids</c> block).</summary>
[Collection("avatar fixtures")]
public sealed class LidsTests(AvatarFixture fx)
{
    private const double Rho = 0.012;
    private static readonly double[] RightCentre = [-0.03, 0.02, 0.08], LeftCentre = [0.03, 0.02, 0.08];

    /// <summary>Lid lines 28 mm wide: the upper 6 mm above the centre at the middle, the lower 3 mm below; the gap is 8.8 mm
    /// plus 1 mm per unit of z_exp's first component, open at 8.8 mm, shut at 4.4.</summary>
    private static AvatarLid Lid(double[] centre, int[] cap)
    {
        double x = centre[0], y = centre[1];
        var gapB = new double[15];
        gapB[0] = 1;
        return new AvatarLid
        {
            GapAMm = 8.8, GapBMm = gapB, OpenMm = 8.8, ShutMm = 4.4,
            LineX = [x - 0.014, x, x + 0.014], LineUpperY = [y, y + 0.006, y], LineLowerY = [y, y - 0.003, y], Cap = cap,
        };
    }

    private static AvatarLidRig Rig(int[] rightCap, int[] leftCap) => new()
    {
        CapRhoM = Rho, FadeM = 0.0004, ClosureMin = -0.25, Eyes = [Lid(RightCentre, rightCap), Lid(LeftCentre, leftCap)],
    };

    private static AvatarEyeRig Eyes(int[] right, int[] left) => new()
    {
        RadiusM = 0.011, MaxTilt = 0.7,
        Eyes =
        [
            new AvatarEyeball { Centre = RightCentre, WidthM = 0.028, Members = right, Weights = [.. right.Select(_ => 1.0)] },
            new AvatarEyeball { Centre = LeftCentre, WidthM = 0.028, Members = left, Weights = [.. left.Select(_ => 1.0)] },
        ],
    };

    /// <summary>0: the right cap's point at the upper lid line's elevation, mid-eye; 1: a cap point beyond the lines' span;
    /// 2, 3: right eyeball points 4 mm above and 2 mm below the centre; 4: the left cap's mid point.</summary>
    private static GaussianCloud Points()
    {
        var cloud = new GaussianCloud(5, 0, 1, 0);
        var top = Math.Asin(0.006 / Rho);
        double[][] at =
        [
            [RightCentre[0], RightCentre[1] + Rho * Math.Sin(top), RightCentre[2] + Rho * Math.Cos(top)],
            [RightCentre[0] + 0.02, RightCentre[1] + 0.005, RightCentre[2] + 0.01],
            [RightCentre[0], RightCentre[1] + 0.004, RightCentre[2] + 0.011],
            [RightCentre[0], RightCentre[1] - 0.002, RightCentre[2] + 0.011],
            [LeftCentre[0], LeftCentre[1] + Rho * Math.Sin(top), LeftCentre[2] + Rho * Math.Cos(top)],
        ];
        for (var i = 0; i < at.Length; i++)
            for (var d = 0; d < 3; d++) cloud.Means[3 * i + d] = (float)at[i][d];
        return cloud;
    }

    private static float[] Code(float first)
    {
        var z = new float[15];
        z[0] = first;
        return z;
    }

    [Fact]
    public void ShutTheCapReachesTheLowerLid_AndTheEyeballFadesAboveTheCapsEdge()
    {
        var lids = new AvatarLids(Rig([0, 1], [4]), Eyes([2, 3], []), Points());
        Assert.Equal([0, 1, 4], lids.Cap.ToArray());

        // open (gap 8.8 mm): closure 0, nothing turns; the edge is the upper lid line, above both eyeball points
        lids.Close(Code(0), default);
        Assert.Equal(0, lids.Closure[0], 1e-9);
        Assert.All(lids.CapOffsets, v => Assert.Equal(0f, v, 1e-7f));
        Assert.Equal(Math.Log(1 - Sigmoid((0.004 - 0.006) / 0.0004) + 1e-4), lids.BallFade[0], 1e-5);
        Assert.True(lids.BallFade[1] > -1e-4, $"the point 2 mm below the centre faded by {lids.BallFade[1]} with the eye open");

        // shut (gap 4.4 mm): the cap's mid point turns from the upper lid line down to the lower one (y 3 mm below the centre)
        lids.Close(Code(-4.4f), default);
        Assert.Equal(1, lids.Closure[0], 1e-6);
        var o = lids.CapOffsets;
        var top = Math.Asin(0.006 / Rho);
        Assert.Equal(0f, o[0]);
        Assert.Equal(-0.003 - 0.006, o[1], 1e-6);
        Assert.Equal(Rho * Math.Cos(Math.Asin(-0.003 / Rho)) - Rho * Math.Cos(top), o[2], 1e-6);
        var alpha = top - Math.Asin(-0.003 / Rho);
        Assert.Equal(Math.Cos(alpha / 2), lids.CapRotations[0], 1e-6);
        Assert.Equal(Math.Sin(alpha / 2), lids.CapRotations[1], 1e-6);
        Assert.Equal([0f, 0f, 0f], o[3..6]); // beyond the lid lines' span the lid does not close
        Assert.Equal(o[1], o[7], 1e-7); // the left eye, as shut, alike
        // the edge is the lower lid line: the point 4 mm up is under the cap, the one 2 mm down 1 mm above the edge
        Assert.Equal(Math.Log(1 - Sigmoid((0.004 + 0.003) / 0.0004) + 1e-4), lids.BallFade[0], 1e-3);
        Assert.Equal(Math.Log(1 - Sigmoid((-0.002 + 0.003) / 0.0004) + 1e-4), lids.BallFade[1], 1e-3);

        // half shut: the edge at 7.8 degrees (y 1.6 mm): the point 4 mm up fades, the one 2 mm down does not
        lids.Close(Code(-2.2f), default);
        Assert.Equal(0.5, lids.Closure[0], 1e-6);
        Assert.True(lids.BallFade[0] < -4, $"the point above the edge: {lids.BallFade[0]}");
        Assert.True(lids.BallFade[1] > -1e-3, $"the point below the edge: {lids.BallFade[1]}");
        // the eyeball's turn moves its points under the edge: 4 mm down, the upper point no longer fades
        lids.Close(Code(-2.2f), [0f, -0.004f, 0f, 0f, 0f, 0f]);
        Assert.True(lids.BallFade[0] > -0.05, $"the turned point below the edge: {lids.BallFade[0]}");

        // past shut stays shut; wide open turns the cap up by at most a quarter of its closing angle
        lids.Close(Code(-20f), default);
        Assert.Equal(1, lids.Closure[0], 1e-9);
        lids.Close(Code(20f), default);
        Assert.Equal(-0.25, lids.Closure[1], 1e-9);
        Assert.True(lids.CapOffsets[1] > 0, "a wide-open eye lifts the cap");
        Assert.Throws<ArgumentException>(() => lids.Close(new float[14], default));
        Assert.Throws<ArgumentException>(() => lids.Close(Code(0), new float[3]));
    }

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));

    [Fact]
    public void DynamicsClosesTheLids_AndLeavesTheOtherGaussiansAlone()
    {
        var dir = Fixtures.Make(Path.Combine(fx.Root, "lids"), "--n", "600", "--hidden", "16", "--layers", "2", "--seed", "6", "--no-cnn", "--eyes", "--lids");
        var noLids = Fixtures.CopyOf(dir, fx.Root);
        Fixtures.EditManifest(noLids, m => m.Remove("lids"));
        var package = AvatarPackage.Load(dir);
        Assert.NotNull(package.Manifest.Lids);
        Assert.Contains("lids", package.ToString());
        using var dyn = new AvatarDynamics(package);
        using var plainDyn = new AvatarDynamics(AvatarPackage.Load(noLids));
        var (r, _) = Reference.AxisAngle(0.2, 1, 0, 0.3);
        double[] t = [0.01, 0, 0.5];
        // a code that shuts the right eye: gap = a + b.z = shut
        var lid = package.Manifest.Lids!.Eyes[0];
        var b = lid.GapBMm;
        var scale = (lid.ShutMm - lid.GapAMm) / b.Sum(v => v * v);
        float[] z = [.. b.Select(v => (float)(scale * v)), 1f, -0.5f, 0f, 0f];

        var closed = dyn.CreatePosedCloud();
        dyn.Pose(z, r, t, closed);
        var plain = plainDyn.CreatePosedCloud();
        plainDyn.Pose(z, r, t, plain);

        var eyes = new AvatarEyes(package.Manifest.Eyes!, package.Manifest.Gaze!, package.Canonical);
        eyes.Turn(z.AsSpan(15));
        var lids = new AvatarLids(package.Manifest.Lids!, package.Manifest.Eyes!, package.Canonical);
        lids.Close(z.AsSpan(0, 15), eyes.Offsets);
        Assert.Equal(1, lids.Closure[0], 1e-4);
        var rig = new HashSet<int>([.. eyes.Members.ToArray(), .. lids.Cap.ToArray()]);
        for (var i = 0; i < package.Canonical.Count; i++)
        {
            if (rig.Contains(i)) continue;
            for (var d = 0; d < 3; d++) Assert.Equal(plain.Means[3 * i + d], closed.Means[3 * i + d]);
            Assert.Equal(plain.OpacityLogits[i], closed.OpacityLogits[i]);
        }
        var members = eyes.Members.ToArray();
        for (var j = 0; j < members.Length; j++)
            Assert.Equal(plain.OpacityLogits[members[j]] + lids.BallFade[j], closed.OpacityLogits[members[j]], 1e-5);
        var moved = lids.Cap.ToArray().Max(i => Math.Abs(closed.Means[3 * i + 1] - plain.Means[3 * i + 1]));
        Assert.True(moved > 1e-3, $"shutting moved the right cap by at most {moved} m");
    }

    [Fact]
    public void ALidsBlockThatCannotWork_IsRefusedAtLoad()
    {
        var dir = Fixtures.Make(Path.Combine(fx.Root, "lids-bad"), "--n", "400", "--hidden", "16", "--layers", "2", "--seed", "7", "--no-cnn", "--eyes", "--lids");
        Assert.NotNull(AvatarPackage.Load(dir).Manifest.Lids);
        foreach (var (edit, words) in new (Action<JsonObject>, string)[]
                 {
                     (m => { m.Remove("eyes"); m["gaze"]!["g"] = true; }, "lids need the eyes block"),
                     (m => m["lids"]!["eyes"]![0]!["cap"]![0] = 400, "Gaussian 400"),
                     (m => m["lids"]!["eyes"]![0]!["cap"]![0] = m["eyes"]!["eyes"]![0]!["members"]![0]!.GetValue<int>(), "an eyeball's"),
                     (m => m["lids"]!["eyes"]![1]!["cap"]![0] = m["lids"]!["eyes"]![0]!["cap"]![0]!.GetValue<int>(), "twice"),
                     (m => ((JsonArray)m["lids"]!["eyes"]![0]!["gap_b_mm"]!).RemoveAt(0), "K = 15"),
                     (m => m["lids"]!["eyes"]![0]!["shut_mm"] = 9.0, "above shut_mm"),
                     (m => m["lids"]!["eyes"]![1]!["line_x"]![1] = -1.0, "ascend"),
                     (m => ((JsonArray)m["lids"]!["eyes"]![1]!["line_upper_y"]!).RemoveAt(0), "same number"),
                     (m => m["lids"]!["closure_min"] = 0.5, "closure_min"),
                     (m => m["lids"]!["cap_rho_m"] = 0.0, "cap_rho_m"),
                     (m => ((JsonArray)m["lids"]!["eyes"]!).RemoveAt(1), "2 (right, left)"),
                 })
        {
            var copy = Fixtures.CopyOf(dir, fx.Root);
            Fixtures.EditManifest(copy, edit);
            var e = Assert.Throws<AvatarFormatException>(() => AvatarPackage.Load(copy));
            Assert.Contains(words, e.Message);
        }
    }
}
