using System.Text.Json.Nodes;
using Npga.Live.Avatar.Deform;
using Npga.Live.Core.Gaussians;

namespace Npga.Live.Avatar.Tests;

/// <summary>The eyeballs (<see cref="AvatarEyes"/>, the manifest's <c>eyes</c> block).</summary>
[Collection("avatar fixtures")]
public sealed class EyesTests(AvatarFixture fx)
{
    private const double Radius = 0.011, Width = 0.028;
    private static readonly double[] RightCentre = [-0.03, 0.02, 0.08], LeftCentre = [0.03, 0.02, 0.08];

    private static AvatarEyeRig Rig(int[] right, double[] rightWeights, int[] left, double[] leftWeights) => new()
    {
        RadiusM = Radius, MaxTilt = 0.7,
        Eyes =
        [
            new AvatarEyeball { Centre = RightCentre, WidthM = Width, Members = right, Weights = rightWeights },
            new AvatarEyeball { Centre = LeftCentre, WidthM = Width, Members = left, Weights = leftWeights },
        ],
    };

    private static readonly AvatarGazeCode Gaze = new() { Dim = 4, Mean = [0, 0, 0, 0], Std = [0.01, 0.01, 0.01, 0.01], Clip = 5, G = false };

    /// <summary>Gaussians 0, 1: the right eye's front point (weights 1 and 0.5); 2: the left eye's front point; 3: not a member.</summary>
    private static GaussianCloud FrontPoints()
    {
        var cloud = new GaussianCloud(4, 0, 1, 0);
        double[][] at = [[RightCentre[0], RightCentre[1], RightCentre[2] + Radius], [RightCentre[0], RightCentre[1], RightCentre[2] + Radius],
            [LeftCentre[0], LeftCentre[1], LeftCentre[2] + Radius], [0, 0, 0.1]];
        for (var i = 0; i < 4; i++)
            for (var d = 0; d < 3; d++) cloud.Means[3 * i + d] = (float)at[i][d];
        return cloud;
    }

    [Fact]
    public void TheEyeballsFrontPointMovesByTheIrisOffset_ScaledByItsWeight()
    {
        var eyes = new AvatarEyes(Rig([0, 1], [1, 0.5], [2], [1]), Gaze, FrontPoints());
        Assert.Equal([0, 1, 2], eyes.Members.ToArray());
        // right eye: 2 std along (towards the person's left: +x), −1 std across (towards the brow: +y); left eye straight
        eyes.Turn([2f, -1f, 0f, 0f]);
        double dx = Width * 0.02, dy = Width * 0.01;
        var o = eyes.Offsets;
        Assert.Equal(dx, o[0], 1e-6);
        Assert.Equal(dy, o[1], 1e-6);
        var nz = Math.Sqrt(1 - (dx * dx + dy * dy) / (Radius * Radius));
        Assert.Equal(Radius * (nz - 1), o[2], 1e-6);
        // weight 0.5: half the offset across the image plane
        Assert.Equal(dx / 2, o[3], 1e-6);
        Assert.Equal(dy / 2, o[4], 1e-6);
        // the left eye, looking straight: no offset, the identity rotation
        Assert.Equal([0f, 0f, 0f], o[6..9]);
        Assert.Equal([1f, 0f, 0f, 0f], eyes.Rotations[8..12]);
        // the rotation takes +z to the front point's new direction
        var q = eyes.Rotations;
        var (w, x, y, z) = ((double)q[0], (double)q[1], (double)q[2], (double)q[3]);
        Assert.Equal(1, w * w + x * x + y * y + z * z, 1e-6);
        double[] front = [2 * (x * z + w * y), 2 * (y * z - w * x), 1 - 2 * (x * x + y * y)]; // R(q)·(0,0,1)
        Assert.Equal(dx / Radius, front[0], 1e-5);
        Assert.Equal(dy / Radius, front[1], 1e-5);

        // a gaze far off the scale stops at max_tilt: |offset across the image| = 0.7 r
        eyes.Turn([5f, 0f, 0f, 0f]);
        eyes.Turn([5000f, 0f, 0f, 0f]);
        Assert.Equal(0.7 * Radius, Math.Sqrt(o[0] * o[0] + o[1] * o[1]), 1e-6);
        Assert.Throws<ArgumentException>(() => eyes.Turn([1f, 2f]));
    }

    [Fact]
    public void DynamicsTurnsTheMembersOnly_InTheWorldFrame_AndNotWithoutAGazeCode()
    {
        var dir = Fixtures.Make(Path.Combine(fx.Root, "eyes"), "--n", "400", "--hidden", "16", "--layers", "2", "--seed", "6", "--no-cnn", "--eyes");
        var package = AvatarPackage.Load(dir);
        Assert.NotNull(package.Manifest.Eyes);
        Assert.Equal(Fixtures.K, package.Manifest.GCodeDim); // G does not take the gaze: the eyes alone do
        Assert.Equal(Fixtures.K + 4, package.Manifest.CodeDim);
        using var dyn = new AvatarDynamics(package);
        var (r, q) = Reference.AxisAngle(0.2, 1, 0, 0.3);
        double[] t = [0.01, 0, 0.5];
        var z = Reference.RandomCode(Fixtures.K, seed: 9, scale: 2);
        float[] gaze = [2f, -1.5f, -2.5f, 1f];

        var plain = dyn.CreatePosedCloud();
        dyn.Pose(z, r, t, plain);
        var ahead = dyn.CreatePosedCloud();
        dyn.Pose([.. z, 0, 0, 0, 0], r, t, ahead);
        Assert.Equal(plain.Means, ahead.Means);
        Assert.Equal(plain.Rotations, ahead.Rotations);

        var turned = dyn.CreatePosedCloud();
        dyn.Pose([.. z, .. gaze], r, t, turned);
        var eyes = new AvatarEyes(package.Manifest.Eyes!, package.Manifest.Gaze!, package.Canonical);
        eyes.Turn(gaze);
        var members = eyes.Members.ToArray();
        Assert.True(members.Length > 20, $"the fixture's eyes hold {members.Length} Gaussians");
        var isMember = new bool[package.Canonical.Count];
        foreach (var i in members) isMember[i] = true;
        for (var i = 0; i < isMember.Length; i++)
        {
            if (isMember[i]) continue;
            for (var d = 0; d < 3; d++) Assert.Equal(ahead.Means[3 * i + d], turned.Means[3 * i + d]);
            for (var d = 0; d < 4; d++) Assert.Equal(ahead.Rotations[4 * i + d], turned.Rotations[4 * i + d]);
        }
        var moved = 0.0;
        for (var j = 0; j < members.Length; j++)
        {
            var i = members[j];
            for (var d = 0; d < 3; d++)
            {
                // the offset is canonical; the head pose carries it into the world: Δμ_world = R·Δμ
                var expected = r[3 * d] * eyes.Offsets[3 * j] + r[3 * d + 1] * eyes.Offsets[3 * j + 1] + r[3 * d + 2] * eyes.Offsets[3 * j + 2];
                Assert.Equal(expected, turned.Means[3 * i + d] - ahead.Means[3 * i + d], 1e-6);
            }
            moved = Math.Max(moved, Math.Abs(turned.Means[3 * i] - ahead.Means[3 * i]));
            // q_world = q(R) ⊗ q_eye ⊗ q_p, and ahead's is q(R) ⊗ q_p
            Rotation.Multiply((float)q[0], (float)q[1], (float)q[2], (float)q[3], eyes.Rotations[4 * j], eyes.Rotations[4 * j + 1], eyes.Rotations[4 * j + 2], eyes.Rotations[4 * j + 3],
                out var hw, out var hx, out var hy, out var hz);
            Rotation.Multiply((float)q[0], (float)-q[1], (float)-q[2], (float)-q[3], ahead.Rotations[4 * i], ahead.Rotations[4 * i + 1], ahead.Rotations[4 * i + 2], ahead.Rotations[4 * i + 3],
                out var pw, out var px, out var py, out var pz);
            Rotation.Multiply(hw, hx, hy, hz, pw, px, py, pz, out var ew, out var ex, out var ey, out var ez);
            Assert.Equal(ew, turned.Rotations[4 * i], 1e-5);
            Assert.Equal(ex, turned.Rotations[4 * i + 1], 1e-5);
            Assert.Equal(ey, turned.Rotations[4 * i + 2], 1e-5);
            Assert.Equal(ez, turned.Rotations[4 * i + 3], 1e-5);
        }
        Assert.True(moved > 1e-4, $"the gaze moved the eyes by at most {moved} m");
    }

    [Fact]
    public void AnEyesBlockThatCannotWork_IsRefusedAtLoad()
    {
        var dir = Fixtures.Make(Path.Combine(fx.Root, "eyes-bad"), "--n", "300", "--hidden", "16", "--layers", "2", "--seed", "7", "--no-cnn", "--eyes");
        Assert.NotNull(AvatarPackage.Load(dir).Manifest.Eyes);
        foreach (var (edit, words) in new (Action<JsonObject>, string)[]
                 {
                     (m => m.Remove("gaze"), "gaze"),
                     (m => m.Remove("eyes"), "neither G"),
                     (m => m["eyes"]!["eyes"]![0]!["members"]![0] = 300, "Gaussian 300"),
                     (m => m["eyes"]!["eyes"]![0]!["members"]![0] = -1, "Gaussian -1"),
                     (m => m["eyes"]!["eyes"]![0]!["weights"]![0] = 0.0, "weight"),
                     (m => m["eyes"]!["eyes"]![1]!["members"]![0] = m["eyes"]!["eyes"]![0]!["members"]![0]!.GetValue<int>(), "twice"),
                     (m => ((JsonArray)m["eyes"]!["eyes"]!).RemoveAt(1), "2 (right, left)"),
                     (m => m["eyes"]!["max_tilt"] = 1.0, "max_tilt"),
                     (m => m["eyes"]!["radius_m"] = 0.0, "radius_m"),
                     (m => m["eyes"]!["eyes"]![1]!["centre"] = new JsonArray(0.0, 0.1), "centre"),
                 })
        {
            var copy = Fixtures.CopyOf(dir, fx.Root);
            Fixtures.EditManifest(copy, edit);
            var e = Assert.Throws<AvatarFormatException>(() => AvatarPackage.Load(copy));
            Assert.Contains(words, e.Message);
        }
    }
}
