using System.Text.Json.Nodes;
using Npga.Live.Avatar.Deform;

namespace Npga.Live.Avatar.Tests;

/// <summary>An avatar whose G takes a gaze code after z_exp (<see cref="AvatarManifest.Gaze"/>).</summary>
[Collection("avatar fixtures")]
public sealed class GazeCodeTests(AvatarFixture fx)
{
    private static readonly double[] Identity = [1, 0, 0, 0, 1, 0, 0, 0, 1];
    private const int GazeDim = 4;

    private string MakeGazeFixture(string name) => Fixtures.Make(Path.Combine(fx.Root, name), "--n", "150", "--hidden", "16", "--layers", "2",
        "--seed", "5", "--no-cnn", "--gaze-dim", $"{GazeDim}", "--weights-json", Path.Combine(fx.Root, name + "-weights.json"));

    [Fact]
    public void GTakesTheGazeCodeAfterZExp_AndFDoesNot()
    {
        var dir = MakeGazeFixture("gaze");
        var w = FixtureWeights.Load(Path.Combine(fx.Root, "gaze-weights.json"));
        var package = AvatarPackage.Load(dir);
        Assert.Equal(Fixtures.K + GazeDim, package.Manifest.CodeDim);
        using var dyn = new AvatarDynamics(package);
        Assert.Equal(GazeDim, dyn.GazeDim);
        var posed = dyn.CreatePosedCloud();
        var (r, q) = Reference.AxisAngle(0.2, 0, 1, 0);
        double[] t = [0, 0, 0.5];
        var z = Reference.RandomCode(Fixtures.K, seed: 9, scale: 2);
        var gaze = Reference.RandomCode(GazeDim, seed: 10, scale: 3);
        float[] code = [.. z, .. gaze];

        dyn.Pose(code, r, t, posed);
        var expected = Reference.Pose(w, package.Canonical, z, r, q, t, gCode: code);
        Reference.AssertCloudsClose(expected, posed, abs: 2e-5, rel: 1e-5);

        // K values: the gaze code is zeros, the avatar's average gaze.
        var atZero = dyn.CreatePosedCloud();
        dyn.Pose(z, r, t, atZero);
        Reference.AssertCloudsClose(Reference.Pose(w, package.Canonical, z, r, q, t, gCode: [.. z, .. new float[GazeDim]]), atZero, abs: 2e-5, rel: 1e-5);
        Assert.True(Reference.MaxAbsDiff(atZero.Means, posed.Means) > 1e-6, "the gaze code moved nothing");

        Assert.Throws<ArgumentException>(() => dyn.Pose(new float[Fixtures.K + 1], Identity, [0, 0, 0], posed));
    }

    [Fact]
    public void EncodeDividesTheRelativeGazeByTheSpread_AndClips()
    {
        var spec = new AvatarGazeCode { Dim = 2, Mean = [0.1, -0.1], Std = [0.05, 0.02], Clip = 5 };
        var code = new float[2];
        spec.Encode([0.05f, -0.5f], code);
        Assert.Equal(1f, code[0], 1e-5f);
        Assert.Equal(-5f, code[1]); // −25 clipped
        spec.Encode([], code);
        Assert.Equal([0f, 0f], code);
        spec.Encode([float.NaN, 0.01f], code);
        Assert.Equal(0f, code[0]);
        Assert.Throws<ArgumentException>(() => spec.Encode([1f], code));
    }

    [Fact]
    public void AtRestTheEyesAreNotCrossed_WhateverTheTrainingClipsMeanGaze()
    {
        // d6's mean gaze: both irises 0.14 eye widths towards the nose (she crosses her eyes often in the clip).
        var d6 = new AvatarGazeCode { Dim = 4, Mean = [0.152, 0.083, -0.135, 0.029], Std = [0.052, 0.044, 0.059, 0.049], Clip = 5 };
        var rest = d6.RestGaze();
        Assert.Equal(0.5 * (0.152 - 0.135) + AvatarGazeCode.MaxRestVergence, rest[0], 12); // common direction kept, convergence limited
        Assert.Equal(0.5 * (0.152 - 0.135) - AvatarGazeCode.MaxRestVergence, rest[2], 12);
        Assert.Equal([0.083, 0.029], new[] { rest[1], rest[3] }); // up-down kept
        var code = new float[4];
        d6.Encode([], code); // no gaze read: the resting gaze
        Assert.Equal((float)((rest[0] - 0.152) / 0.052), code[0], 1e-5f);
        Assert.True(code[0] < -2 && code[2] > 1.5, $"the eyes are not turned out of their crossed mean: {string.Join(", ", code)}");
        Assert.Equal(0f, code[1]);
        var moved = new float[4];
        d6.Encode([0.01f, 0.02f, 0.01f, 0.02f], moved); // a driver's glance carries over on top of the rest
        Assert.Equal(0.01f / 0.052f, moved[0] - code[0], 1e-5f);
        Assert.Equal(0.02f / 0.044f, moved[1] - code[1], 1e-5f);

        // A mean within the limit (d14's) is the resting gaze as it is; so is a one-eye or G-only gaze of another size.
        var d14 = new AvatarGazeCode { Dim = 4, Mean = [0.008, -0.048, -0.002, -0.026], Std = [0.078, 0.025, 0.092, 0.025], Clip = 5 };
        Assert.Equal(d14.Mean, d14.RestGaze());
        d14.Encode([], code);
        Assert.Equal(new float[4], code);
        // Eyes turned apart on average are brought to parallel.
        var apart = new AvatarGazeCode { Dim = 4, Mean = [-0.05, 0, 0.05, 0], Std = [0.05, 0.05, 0.05, 0.05], Clip = 5 };
        Assert.Equal([0.0, 0.0, 0.0, 0.0], apart.RestGaze());
    }

    [Fact]
    public void AGazeBlockTheNetworksDoNotTake_OrOutOfRange_IsRefusedAtLoad()
    {
        // G without a gaze input, manifest saying it has one: the contract check names G's z_exp width.
        var plain = Fixtures.CopyOf(fx.Full, fx.Root);
        Fixtures.EditManifest(plain, m => m["gaze"] = Block(std: 0.05));
        var e = Assert.Throws<AvatarFormatException>(() => AvatarPackage.Load(plain));
        Assert.Contains("G", e.Message);

        var dir = MakeGazeFixture("gaze-bad");
        foreach (var edit in new Action<JsonObject>[]
                 {
                     m => m["gaze"]!["std"] = new JsonArray(0.05, 0.0, 0.05, 0.05),
                     m => m["gaze"]!["mean"] = new JsonArray(0.1, 0.2),
                     m => m["gaze"]!["clip"] = -1,
                     m => m["gaze"]!["dim"] = 0,
                 })
        {
            var copy = Fixtures.CopyOf(dir, fx.Root);
            Fixtures.EditManifest(copy, edit);
            var error = Assert.Throws<AvatarFormatException>(() => AvatarPackage.Load(copy));
            Assert.Contains("gaze", error.Message);
        }
        // The same networks without the manifest's gaze block: G's input is wider than K.
        var dropped = Fixtures.CopyOf(dir, fx.Root);
        Fixtures.EditManifest(dropped, m => m.Remove("gaze"));
        Assert.Throws<AvatarFormatException>(() => AvatarPackage.Load(dropped));
    }

    private static JsonObject Block(double std) => new()
    {
        ["dim"] = GazeDim, ["mean"] = new JsonArray(0.1, 0.1, -0.1, 0.1), ["std"] = new JsonArray(std, std, std, std), ["clip"] = 5.0,
    };
}
