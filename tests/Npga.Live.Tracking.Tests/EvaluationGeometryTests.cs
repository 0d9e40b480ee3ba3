using Npga.Live.Core;
using Npga.Live.Core.Imaging;
using Npga.Live.Media;
using Npga.Live.Tracking.Expression;
using Npga.Live.Tracking.Segmentation;
using Xunit.Abstractions;

namespace Npga.Live.Tracking.Tests;

/// <summary>The evaluation's perspective pose refinement (<see cref="PerspectivePoseRefiner"/>) and the selfie segmenter.</summary>
public sealed class EvaluationGeometryTests(ITestOutputHelper output)
{
    private static readonly ExpressionModel Model = ExpressionModel.LoadById(RepoPaths.Models, TrackerOptions.DefaultExpressionModelId);
    private const double F = 480, Cx = 240, Cy = 240;

    /// <summary>The posed mesh of a code projected by a camera (R, t), as 468·3 landmark values (z = 0).</summary>
    private static float[] Project(double[] v, double[] r, double[] t)
    {
        var lm = new float[468 * 3];
        for (int i = 0; i < 468; i++)
        {
            double x = v[3 * i], y = v[3 * i + 1], z = v[3 * i + 2];
            double xc = r[0] * x + r[1] * y + r[2] * z + t[0];
            double yc = r[3] * x + r[4] * y + r[5] * z + t[1];
            double zc = r[6] * x + r[7] * y + r[8] * z + t[2];
            lm[3 * i] = (float)(F * xc / zc + Cx);
            lm[3 * i + 1] = (float)(F * yc / zc + Cy);
        }
        return lm;
    }

    private static double AngleDeg(double[] a, double[] b)
    {
        double tr = 0;
        for (int i = 0; i < 3; i++)
            for (int k = 0; k < 3; k++) tr += a[3 * i + k] * b[3 * i + k];
        return Math.Acos(Math.Clamp((tr - 1) / 2, -1, 1)) * 180 / Math.PI;
    }

    private static double[] Mul(double[] a, double[] b)
    {
        var c = new double[9];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                c[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
        return c;
    }

    [Fact]
    public void Refine_RecoversAPerturbedPose_AndShrugsOffOutliers()
    {
        var rnd = new Random(4);
        var z = Enumerable.Range(0, Model.K).Select(_ => (float)(rnd.NextDouble() - 0.5)).ToArray();
        var v = PerspectivePoseRefiner.PosedVertices(Model, z);
        // The head turned ~15° and seen from 45 cm, OpenCV axes: the canonical frame's +y up, +z to the viewer → D = diag(1, −1, −1).
        var rTrue = Mul(PerspectivePoseRefiner.Rodrigues(0.1, 0.25, -0.05), [1, 0, 0, 0, -1, 0, 0, 0, -1]);
        double[] tTrue = [0.01, -0.02, 0.45];
        var lm = Project(v, rTrue, tTrue);
        var r0 = Mul(PerspectivePoseRefiner.Rodrigues(0.06, -0.05, 0.04), rTrue); // ~5° off
        double[] t0 = [0.03, -0.01, 0.40];

        var fit = PerspectivePoseRefiner.Refine(v, lm, F, F, Cx, Cy, r0, t0);
        output.WriteLine($"clean: {fit.ErrorBeforePx:F1} -> {fit.ErrorAfterPx:G3} px in {fit.Rounds} rounds, {AngleDeg(fit.Rotation, rTrue):G3}°");
        Assert.True(fit.ErrorBeforePx > 10, $"the start should be off ({fit.ErrorBeforePx} px)");
        Assert.True(fit.ErrorAfterPx < 1e-3, $"error after {fit.ErrorAfterPx} px");
        Assert.True(AngleDeg(fit.Rotation, rTrue) < 1e-3);
        for (int i = 0; i < 3; i++) Assert.Equal(tTrue[i], fit.Translation[i], 6);

        // 25 landmarks moved by 40 px: the Huber loss keeps the pose (least squares would tilt it).
        var bad = (float[])lm.Clone();
        for (int i = 0; i < 25; i++) bad[3 * (i * 17)] += 40;
        var robust = PerspectivePoseRefiner.Refine(v, bad, F, F, Cx, Cy, r0, t0);
        output.WriteLine($"outliers: {robust.ErrorBeforePx:F1} -> {robust.ErrorAfterPx:F2} px, {AngleDeg(robust.Rotation, rTrue):G3}°, "
                         + $"t off by {Math.Abs(robust.Translation[0] - tTrue[0]) * 1000:F2} mm");
        Assert.True(AngleDeg(robust.Rotation, rTrue) < 0.3, $"rotation off by {AngleDeg(robust.Rotation, rTrue)}°");
        Assert.True(Math.Abs(robust.Translation[0] - tTrue[0]) < 0.001);
        Assert.Throws<ArgumentException>(() => PerspectivePoseRefiner.Refine(v, new float[10], F, F, Cx, Cy, r0, t0));
    }

    [Fact]
    public void ResizeBilinear_IsTorchsAlignCornersFalse()
    {
        // torch.nn.functional.interpolate([[0, 1], [2, 3]], size=(4, 4), mode="bilinear", align_corners=False):
        // source coordinates (i + 0.5)/2 − 0.5 = −0.25, 0.25, 0.75, 1.25, clamped to the map.
        var up = SelfieSegmenter.ResizeBilinear([0f, 1f, 2f, 3f], 2, 2, 4, 4);
        float[] xs = [0f, 0.25f, 0.75f, 1f];
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++) Assert.Equal(xs[x] + 2 * xs[y], up[y * 4 + x], 6);
        var same = SelfieSegmenter.ResizeBilinear([0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f], 3, 2, 3, 2);
        Assert.Equal(new[] { 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f }, same);
        Assert.Throws<ArgumentException>(() => SelfieSegmenter.ResizeBilinear([0f], 2, 2, 4, 4));
    }

    [Fact]
    public void Segmenter_FindsThePersonInARealFrame()
    {
        var clip = SharedData.Driving("d6.mp4");
        if (SharedData.Missing(output, clip)) return;
        using var reader = VideoReader.Open(clip!, new VideoReaderOptions { ScaleWidth = SelfieSegmenter.Size, ScaleHeight = SelfieSegmenter.Size });
        Assert.True(reader.TryRead(out var frame));
        using var seg = new SelfieSegmenter();
        var p = seg.Segment(frame.Image);
        Assert.Equal(256 * 256, p.Length);
        Assert.All(p, v => Assert.InRange(v, 0f, 1f));
        double centre = p[128 * 256 + 128], corner = p[5 * 256 + 5];
        double fgShare = p.Count(v => v > 0.5) / (double)p.Length;
        output.WriteLine($"centre {centre:F3}, top-left corner {corner:F3}, foreground {fgShare:P1}, {seg.LastMs:F1} ms");
        Assert.True(centre > 0.9, $"the face at the centre should be foreground ({centre})");
        Assert.True(corner < 0.1, $"the corner should be background ({corner})");
        Assert.InRange(fgShare, 0.15, 0.85);
        Assert.Throws<ArgumentException>(() => seg.Segment(new RgbImage(128, 128)));
    }

    [Fact]
    public void Segmenter_MissingModel_IsAClearError()
    {
        var e = Assert.Throws<FileNotFoundException>(() => new SelfieSegmenter("/nonexistent/selfie.onnx"));
        Assert.Contains("selfie.onnx", e.Message);
    }
}
