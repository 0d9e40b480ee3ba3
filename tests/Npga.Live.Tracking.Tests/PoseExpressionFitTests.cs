using Npga.Live.Core;
using Npga.Live.Tracking.Expression;
using Npga.Live.Tracking.Geometry;
using Npga.Live.Media;
using Npga.Live.Tracking.Landmarks;
using Xunit.Abstractions;

namespace Npga.Live.Tracking.Tests;

/// <summary>Pose and code recovery on synthetic landmark sets made from the expression model with a known pose and code,
/// and the code's fidelity to real landmarks.</summary>
public class PoseExpressionFitTests(ITestOutputHelper output)
{
    private static readonly ExpressionModel Model = ExpressionModel.LoadById(RepoPaths.Models, TrackerOptions.DefaultExpressionModelId);

    /// <summary>Landmarks of the model's shape for <paramref name="z"/> (plus a person's <paramref name="identity"/> offset, metres), posed and flipped to image axes.</summary>
    private static float[] Synthesize(float[] z, SimilarityTransform pose, float[]? identity = null)
    {
        var shape = new float[FaceLandmarks.Count * 3];
        Model.Shape(z, shape);
        if (identity is not null)
            for (int i = 0; i < shape.Length; i++) shape[i] += identity[i];
        var flipped = new float[shape.Length];
        pose.Apply(shape, flipped);
        for (int i = 0; i < FaceLandmarks.Count; i++) { flipped[3 * i + 1] = -flipped[3 * i + 1]; flipped[3 * i + 2] = -flipped[3 * i + 2]; }
        return flipped;
    }

    /// <summary>A "person" whose neutral differs from the canonical shape by a fixed per-landmark offset (±2 mm).</summary>
    private static float[] IdentityOffset(Random rnd)
    {
        var offset = new float[FaceLandmarks.Count * 3];
        for (int i = 0; i < offset.Length; i++) offset[i] = (float)((rnd.NextDouble() - 0.5) * 0.004);
        return offset;
    }

    [Theory]
    [InlineData(1, 0.0, 0.0, 0.0)]
    [InlineData(2, 0.3, 0.0, 0.0)]
    [InlineData(3, 0.0, -0.4, 0.1)]
    [InlineData(4, 0.2, 0.3, -0.2)]
    public void RecoversPoseAndCode(int seed, double qx, double qy, double qz)
    {
        var rnd = new Random(seed);
        var z = new float[Model.K];
        for (int k = 0; k < Model.K; k++) z[k] = (float)(rnd.NextDouble() * 3 - 1.5);
        var pose = new SimilarityTransform { S = 1500 };
        pose.SetRotationFromQuaternion(1, qx, qy, qz);
        pose.T[0] = 260; pose.T[1] = -240; pose.T[2] = 30;
        var px = Synthesize(z, pose);
        var fit = new PoseExpressionFitter(Model).Fit(px, fx: 512, cx: 256, cy: 256);
        for (int i = 0; i < 9; i++) Assert.InRange(fit.Rotation[i] - pose.R[i], -0.005, 0.005);
        Assert.InRange(fit.Scale, 1499, 1501);
        // translation in metres: ((tx − cx)/s, (ty + cy)/s, −f/s), within 0.1 mm
        Assert.InRange(fit.Translation[0] - (260 - 256) / 1500.0, -1e-4, 1e-4);
        Assert.InRange(fit.Translation[1] - (-240 + 256) / 1500.0, -1e-4, 1e-4);
        Assert.InRange(fit.Translation[2] - (-512 / 1500.0), -1e-4, 1e-4);
        for (int k = 0; k < Model.K; k++) Assert.True(Math.Abs(z[k] - fit.ZExp[k]) < 0.1, $"z[{k}] = {z[k]:F3}, fitted {fit.ZExp[k]:F3}");
        Assert.True(fit.ResidualMm < 0.2, $"residual {fit.ResidualMm} mm");
    }

    [Fact]
    public void NeutralFace_GivesANearZeroCode()
    {
        var pose = new SimilarityTransform { S = 900 };
        pose.T[0] = 300; pose.T[1] = -200;
        var fit = new PoseExpressionFitter(Model).Fit(Synthesize(new float[Model.K], pose), 640, 320, 240);
        Assert.All(fit.ZExp, v => Assert.True(Math.Abs(v) < 0.05));
    }

    [Fact]
    public void NeutralAdaptation_RemovesAnIdentityOffset()
    {
        var rnd = new Random(11);
        var offset = IdentityOffset(rnd);
        var pose = new SimilarityTransform { S = 1200 };
        pose.T[0] = 256; pose.T[1] = -256;
        var fixedFit = new PoseExpressionFitter(Model);
        var adaptive = new PoseExpressionFitter(Model) { AdaptNeutral = true };
        PoseExpression? a = null, f = null;
        for (int frame = 0; frame < 400; frame++)
        {
            var z = new float[Model.K];
            if (frame % 3 == 0) z[0] = (float)(rnd.NextDouble() * 2); // occasional expressions
            var px = Synthesize(z, pose, offset);
            a = adaptive.Fit(px, 512, 256, 256, a?.ZExp);
            f = fixedFit.Fit(px, 512, 256, 256, f?.ZExp);
            if (frame == 399)
            {
                double na = Math.Sqrt(a.ZExp.Sum(v => v * v) - a.ZExp[0] * a.ZExp[0]);
                double nf = Math.Sqrt(f.ZExp.Sum(v => v * v) - f.ZExp[0] * f.ZExp[0]);
                Assert.True(na < nf / 3, $"identity leak in z: adaptive {na:F3}, fixed {nf:F3}");
            }
        }
    }

    [Fact]
    public void NeutralAdaptation_KeepsAnExpressionHeldAfterTheRestFrames()
    {
        // Half a second at rest, then the mouth opens (z0 = −2, about 11 mm) and stays open for three seconds: the warm-up
        // must learn the identity offset without taking the open mouth for this person's neutral.
        var rnd = new Random(5);
        var offset = IdentityOffset(rnd);
        var pose = new SimilarityTransform { S = 1200 };
        pose.T[0] = 256; pose.T[1] = -256;
        var adaptive = new PoseExpressionFitter(Model) { AdaptNeutral = true };
        PoseExpression? a = null;
        for (int frame = 0; frame < 105; frame++)
        {
            var z = new float[Model.K];
            if (frame >= adaptive.RestFrames) z[0] = -2;
            var px = Synthesize(z, pose, offset);
            a = adaptive.Fit(px, 512, 256, 256, a?.ZExp);
        }
        Assert.InRange(a!.ZExp[0], -2.3, -1.5);
    }

    /// <summary>Fits a synthetic stream: <paramref name="frames"/> frames of person <paramref name="identity"/> with the
    /// code <paramref name="code"/>(frame); returns the last frame's fit.</summary>
    private static PoseExpression Stream(PoseExpressionFitter fitter, float[] identity, int frames, Func<int, float[]> code, PoseExpression? last = null)
    {
        var pose = new SimilarityTransform { S = 1200 };
        pose.T[0] = 256; pose.T[1] = -256;
        for (int frame = 0; frame < frames; frame++)
            last = fitter.Fit(Synthesize(code(frame), pose, identity), 512, 256, 256, last?.ZExp);
        return last!;
    }

    /// <summary>Varied expressions around rest: every third frame the mouth opens by a random amount (z0 ∈ [−1, 1]).</summary>
    private static Func<int, float[]> Chatter(Random rnd) => frame =>
    {
        var z = new float[Model.K];
        if (frame % 3 == 0) z[0] = (float)(rnd.NextDouble() * 2 - 1);
        return z;
    };

    [Fact]
    public void NeutralAdaptation_KeepsAnExpressionHeldForTenSeconds()
    {
        // Two seconds at rest, twenty of chatter, then the mouth opens (z0 = −2, about 11 mm) and stays open for ten
        // seconds at 30 fps. With the steady step decaying the code keeps most of it (−1.68); with a constant step (the
        // old schedule) the neutral walks towards the open mouth and the code closes it by half (−0.96).
        double Held(int decayFrames)
        {
            var identity = IdentityOffset(new Random(5));
            var fitter = new PoseExpressionFitter(Model) { AdaptNeutral = true, SteadyDecayFrames = decayFrames };
            var rest = Stream(fitter, identity, 60, _ => new float[Model.K]);
            var chat = Stream(fitter, identity, 600, Chatter(new Random(6)), rest);
            return Stream(fitter, identity, 300, _ => { var z = new float[Model.K]; z[0] = -2; return z; }, chat).ZExp[0];
        }
        double decaying = Held(new PoseExpressionFitter(Model).SteadyDecayFrames), constant = Held(0);
        output.WriteLine($"z0 after 10 s held at −2: {decaying:F3} (decaying step), {constant:F3} (constant step)");
        Assert.InRange(decaying, -2.3, -1.6);
        Assert.True(constant > -1.5, $"the constant step should fade a held expression (z0 {constant:F3}); the test lost its point");
    }

    [Fact]
    public void RestartAdaptation_TakesANewSittersIdentityIn()
    {
        // One person for a minute, then the face is lost and someone else sits down: three seconds later the new
        // identity must be out of the code, as after a fresh start. Leak = |z| at rest (every component).
        var first = IdentityOffset(new Random(21));
        var second = IdentityOffset(new Random(22));
        double Leak(bool restart)
        {
            var fitter = new PoseExpressionFitter(Model) { AdaptNeutral = true };
            var a = Stream(fitter, first, 1800, Chatter(new Random(23)));
            if (restart) fitter.RestartAdaptation();
            var z = Stream(fitter, second, 90, _ => new float[Model.K], a).ZExp;
            return Math.Sqrt(z.Sum(v => (double)v * v));
        }
        var fresh = new PoseExpressionFitter(Model) { AdaptNeutral = true };
        var zf = Stream(fresh, second, 90, _ => new float[Model.K]).ZExp;
        double freshLeak = Math.Sqrt(zf.Sum(v => (double)v * v)), restarted = Leak(true), kept = Leak(false);
        output.WriteLine($"identity leak |z| 3 s after the switch: restarted {restarted:F3}, not restarted {kept:F3}, fresh stream {freshLeak:F3}");
        Assert.True(restarted < kept / 2, $"restart {restarted:F3} vs {kept:F3}");
        Assert.True(restarted < freshLeak * 1.5 + 0.05, $"restart {restarted:F3} vs a fresh stream {freshLeak:F3}");
    }

    [Fact]
    public void Fitter_RejectsABadWeight()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PoseExpressionFitter(Model, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PoseExpressionFitter(Model, float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PoseExpressionFitter(Model, eyelidWeight: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PoseExpressionFitter(Model, browWeight: float.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PoseExpressionFitter(Model) { SteadyDecayFrames = -1 });
    }

    [Fact]
    public void WeightedEyelids_TheModelsEyesFollowARealClipsBlinks()
    {
        // The driver's eyelid gap read off its tracked landmarks, against the gap of the expression model's shape for the
        // fitted code, turned by the fitted head rotation (both scale-free, FaceMeasures.EyeOpen). With every landmark
        // weighing 1 the code explains the rest of the face first and follows the eyes only loosely; with the neutral
        // adapting at a constant step the slow part of the eyes' motion is taken for the neutral.
        var clip = SharedData.Driving("d6.mp4");
        if (SharedData.Missing(output, clip)) return;
        var landmarks = new List<float[]>();
        int width = 0, height = 0;
        using (var tracker = new FaceTracker(new TrackerOptions { ExpressionModel = "" }))
        using (var reader = VideoReader.Open(clip!))
            while (reader.TryRead(out var f))
            {
                (width, height) = (f.Image.Width, f.Image.Height);
                if (tracker.Track(f.Image, f.Index, f.Time.TotalSeconds) is { Face: true, LandmarksPx: { } l }) landmarks.Add(l.ToArray());
            }
        double Follow(PoseExpressionFitter fitter)
        {
            var shape = new float[FaceLandmarks.Count * 3];
            var turned = new float[shape.Length];
            var rotation = new SimilarityTransform();
            var driver = new List<double>();
            var model = new List<double>();
            PoseExpression? fit = null;
            foreach (var l in landmarks)
            {
                fit = fitter.Fit(l, Math.Max(width, height), width / 2.0, height / 2.0, fit?.ZExp);
                Model.Shape(fit.ZExp, shape);
                fit.Rotation.CopyTo(rotation.R, 0);
                rotation.Apply(shape, turned);
                driver.Add(FaceMeasures.From(l).EyeOpen);
                model.Add(FaceMeasures.From(turned).EyeOpen);
            }
            return Statistics.Pearson(driver, model);
        }
        double weighted = Follow(new PoseExpressionFitter(Model) { AdaptNeutral = true });
        double plain = Follow(new PoseExpressionFitter(Model, eyelidWeight: 1, browWeight: 1) { AdaptNeutral = true });
        double constant = Follow(new PoseExpressionFitter(Model) { AdaptNeutral = true, SteadyDecayFrames = 0 });
        output.WriteLine($"d6, {landmarks.Count} frames with a face: eyelid gap correlation, model vs tracked: {weighted:F3} (eye contours weigh {PoseExpressionFitter.DefaultEyelidWeight}), {plain:F3} (weigh 1), {constant:F3} (constant neutral step)");
        Assert.True(weighted >= 0.9, $"the model's eyes follow the driver's with r = {weighted:F3}");
        Assert.True(weighted > plain + 0.05, $"weighting the eye contours should help: {weighted:F3} vs {plain:F3}");
        Assert.True(weighted > constant + 0.05, $"the decaying neutral step should help: {weighted:F3} vs {constant:F3}");
    }

    [Fact]
    public void Model_IsWellFormed()
    {
        Assert.InRange(Model.K, 4, 64);
        Assert.True(Model.Triangles.Length > 700);
        // Eye and mouth openings are holes: no triangle has all three corners on one opening's contour.
        foreach (var hole in new[] { FaceLandmarks.RightEye, FaceLandmarks.LeftEye, FaceLandmarks.InnerLips })
            Assert.DoesNotContain(Model.Triangles, t => t.All(hole.Contains));
        // Nor does any triangle join the upper and the lower rim of the mouth or an eye (it would stretch across an opened mouth).
        int[][][] rims =
        [
            [[191, 80, 81, 82, 13, 312, 311, 310, 415], [95, 88, 178, 87, 14, 317, 402, 318, 324]],
            [[246, 161, 160, 159, 158, 157, 173], [7, 163, 144, 145, 153, 154, 155]],
            [[466, 388, 387, 386, 385, 384, 398], [249, 390, 373, 374, 380, 381, 382]],
        ];
        foreach (var rim in rims)
            Assert.DoesNotContain(Model.Triangles, t => t.Any(rim[0].Contains) && t.Any(rim[1].Contains));
        // Every rim vertex is in the mesh, and the upper inner lip is not joined past the lower rim to the row below it
        // (such triangles span the mouth: an avatar's lower lip would reach into its opened mouth).
        foreach (var v in FaceLandmarks.InnerLips.Concat(FaceLandmarks.RightEye).Concat(FaceLandmarks.LeftEye))
            Assert.Contains(Model.Triangles, t => t.Contains(v));
        int[] belowLowerRim = [96, 89, 179, 86, 15, 316, 403, 319, 325];
        Assert.DoesNotContain(Model.Triangles, t => t.Any(rims[0][0].Contains) && t.Any(belowLowerRim.Contains));
        // Canonical frame: outer eye corners 89 mm apart along +x, forehead above chin, nose tip in front.
        var c = Model.Canonical;
        Assert.Equal(0.089, c[3 * FaceLandmarks.LeftEyeOuter] - c[3 * FaceLandmarks.RightEyeOuter], 3);
        Assert.True(c[3 * FaceLandmarks.Forehead + 1] > c[3 * FaceLandmarks.Chin + 1]);
        Assert.True(c[3 * FaceLandmarks.NoseTip + 2] > c[3 * FaceLandmarks.LeftEyeOuter + 2]);
    }

    [Fact]
    public void Load_RejectsADamagedModel()
    {
        var dir = Directory.CreateTempSubdirectory("npga-expr-").FullName;
        try
        {
            var p = Path.Combine(dir, "expression_model.json");
            File.WriteAllText(p, "{\"format\":\"npga-expression/1\",\"id\":\"x\",\"K\":2,\"canonical\":[[0,0,0]],\"basis\":[]}");
            var e = Assert.Throws<InvalidDataException>(() => ExpressionModel.Load(dir));
            Assert.Contains("canonical", e.Message);
            File.WriteAllText(p, "not json");
            Assert.Throws<InvalidDataException>(() => ExpressionModel.Load(p));
            Assert.Throws<FileNotFoundException>(() => ExpressionModel.Load(Path.Combine(dir, "nope")));
        }
        finally { Directory.Delete(dir, true); }
    }
}
