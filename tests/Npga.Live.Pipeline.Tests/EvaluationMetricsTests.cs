using Npga.Live.Core.Imaging;
using Npga.Live.Pipeline.Evaluation;
using Npga.Live.Tracking;
using Npga.Live.Tracking.Expression;

namespace Npga.Live.Pipeline.Tests;

/// <summary>The evaluation's metrics (<see cref="ImageQuality"/>), head mask and camera placement, against analytic values and
/// against values computed by the trainer's own code (scripts/training/losses.py, torch).</summary>
public sealed class EvaluationMetricsTests
{
    /// <summary>A deterministic W×H RGB pattern in [0, 1]: ((x·kx + y·ky + c·kc) mod m) / (m − 1).</summary>
    private static float[] Pattern(int w, int h, int kx, int ky, int kc, int m)
    {
        var v = new float[w * h * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                    v[3 * (y * w + x) + c] = ((x * kx + y * ky + c * kc) % m) / (float)(m - 1);
        return v;
    }

    private static byte[] Box(int w, int h, int x0, int x1, int y0, int y1)
    {
        var m = new byte[w * h];
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++) m[y * w + x] = 1;
        return m;
    }

    [Fact]
    public void IdenticalImages_HaveSsimOne_AndInfinitePsnr()
    {
        var a = Pattern(31, 17, 7, 13, 5, 17);
        var map = ImageQuality.SsimMap(a, a, 31, 17);
        Assert.All(map, v => Assert.Equal(1.0, v, 6));
        Assert.Equal(double.PositiveInfinity, ImageQuality.Psnr(a, a));
        Assert.Equal(1.0, ImageQuality.Ssim(a, a, 31, 17, Box(31, 17, 2, 9, 3, 12)), 6);
    }

    [Fact]
    public void KnownNoise_GivesTheAnalyticPsnr()
    {
        // ±0.05 on every value: MSE = 0.0025, PSNR = 10·log10(1/0.0025) = 26.0206 dB.
        const int w = 40, h = 30;
        var a = new float[w * h * 3];
        var b = new float[w * h * 3];
        for (int i = 0; i < a.Length; i++) { a[i] = 0.5f; b[i] = i % 2 == 0 ? 0.55f : 0.45f; }
        Assert.Equal(10 * Math.Log10(1 / 0.0025), ImageQuality.Psnr(a, b), 4);
    }

    [Fact]
    public void TheMask_SelectsThePixelsScored()
    {
        const int w = 20, h = 10;
        var a = new float[w * h * 3];
        var b = new float[w * h * 3];
        // Error 0.1 in the left half only.
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w / 2; x++)
                for (int c = 0; c < 3; c++) b[3 * (y * w + x) + c] = 0.1f;
        var left = Box(w, h, 0, w / 2, 0, h);
        var right = Box(w, h, w / 2, w, 0, h);
        Assert.Equal(20.0, ImageQuality.Psnr(a, b, left), 4);                    // MSE 0.01
        Assert.Equal(double.PositiveInfinity, ImageQuality.Psnr(a, b, right));
        Assert.Equal(10 * Math.Log10(1 / 0.005), ImageQuality.Psnr(a, b), 4);     // half the pixels wrong
        Assert.True(double.IsNaN(ImageQuality.Psnr(a, b, new byte[w * h])));
        Assert.True(double.IsNaN(ImageQuality.Ssim(a, b, w, h, new byte[w * h])));
        Assert.True(ImageQuality.Ssim(a, b, w, h, right) > ImageQuality.Ssim(a, b, w, h, left));
    }

    [Fact]
    public void Ssim_MatchesTheTrainersSsimMap()
    {
        // Reference values: scripts/training/losses.py ssim_map / masked_psnr (torch, float64) on the same patterns.
        const int w = 20, h = 15;
        var a = Pattern(w, h, 7, 13, 5, 17);
        var b = Pattern(w, h, 3, 11, 2, 19);
        var map = ImageQuality.SsimMap(a, b, w, h);
        var mask = Box(w, h, 5, 17, 3, 11);
        Assert.Equal(0.22225184575606718, ImageQuality.MaskedMean(map), 5);
        Assert.Equal(-0.013121584702542004, ImageQuality.MaskedMean(map, mask), 5);
        Assert.Equal(0.63695346677936, map[0], 5);
        Assert.Equal(-0.10309383831379017, map[7 * w + 9], 5);
        Assert.Equal(7.104160373917932, ImageQuality.Psnr(a, b, mask), 4);
        Assert.Equal(7.456487137643487, ImageQuality.Psnr(a, b), 4);
    }

    [Fact]
    public void ToUnitFloats_DividesBy255()
    {
        var img = new RgbImage(2, 1, [0, 51, 255, 1, 2, 3]);
        Assert.Equal(new[] { 0f, 0.2f, 1f, 1 / 255f, 2 / 255f, 3 / 255f }, ImageQuality.ToUnitFloats(img));
    }

    [Fact]
    public void HeadMask_IsForegroundAboveTheChinLine()
    {
        const int w = 8, h = 100;
        var fg = new float[w * h];
        Array.Fill(fg, 0.9f);
        fg[10 * w + 3] = 0.5f; // not above the threshold
        var lm = new float[468 * 3];
        lm[3 * HeadMask.Chin + 1] = 100; // source pixels; the evaluation image is half as tall
        lm[3 * HeadMask.Forehead + 1] = 40;
        var mask = HeadMask.Build(fg, w, h, lm, 0.5);
        // chin 50, forehead 20: limit 50 + 0.1·30 = 53, so rows 0..52 (centres 0.5..52.5).
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                Assert.Equal(y <= 52 && !(y == 10 && x == 3) ? 1 : 0, mask[y * w + x]);
    }

    [Fact]
    public void HeadMask_KeepsOnlyTheLargestPartOfTheForeground()
    {
        // the d14 case: a head and, apart from it, a bottle the segmentation also calls foreground
        const int w = 12, h = 20;
        var fg = new float[w * h];
        for (int y = 2; y < 12; y++)
            for (int x = 1; x < 6; x++) fg[y * w + x] = 0.9f; // head, 50 pixels
        for (int y = 4; y < 8; y++)
            for (int x = 8; x < 11; x++) fg[y * w + x] = 0.9f; // bottle, 12 pixels
        fg[12 * w + 6] = 0.9f; // touches the head's corner only diagonally: 8-connected, so it stays
        var lm = new float[468 * 3];
        lm[3 * HeadMask.Chin + 1] = 30;
        lm[3 * HeadMask.Forehead + 1] = 0;
        var mask = HeadMask.Build(fg, w, h, lm, 0.5); // limit 15 + 1.5: rows 0..15
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                bool head = y is >= 2 and < 12 && x is >= 1 and < 6 || (y == 12 && x == 6);
                Assert.True(head == (mask[y * w + x] == 1), $"pixel ({x}, {y})");
            }

        // equal parts: the one met first in raster order (scipy.ndimage.label's numbering, as the trainer's)
        var two = new byte[] { 1, 0, 1, 0, 0, 0 };
        HeadMask.KeepLargestComponent(two, 3, 2);
        Assert.Equal(new byte[] { 1, 0, 0, 0, 0, 0 }, two);
        var none = new byte[6];
        HeadMask.KeepLargestComponent(none, 3, 2);
        Assert.All(none, b => Assert.Equal(0, b));
        Assert.Throws<ArgumentException>(() => HeadMask.KeepLargestComponent(new byte[5], 3, 2));
    }

    [Fact]
    public void TrainingCamera_TurnsTheTrackerPoseToOpenCvAxes_AndScalesPerAxis()
    {
        var track = new TrackResult
        {
            Frame = 3, Face = true, Intrinsics = [640, 640, 320, 240],
            Pose = new PoseExpression([1, 0, 0, 0, 1, 0, 0, 0, 1], [0.01, 0.02, -0.5], 1000, new float[15], 0),
        };
        var cam = TrainingCamera.FromTrack(track, 640, 480);
        Assert.Equal(new double[] { 1, 0, 0, 0, -1, 0, 0, 0, -1 }, cam.R);
        Assert.Equal(new[] { 0.01, -0.02, 0.5 }, cam.T);
        Assert.Equal((640.0, 640.0, 320.0, 240.0), (cam.Fx, cam.Fy, cam.Cx, cam.Cy));
        var s = TrainingCamera.Scaled(cam, 320, 160);
        Assert.Equal((320, 160), (s.Width, s.Height));
        Assert.Equal((320.0, 160.0, 80.0), (s.Fx, s.Cx, s.Cy));
        Assert.Equal(640.0 / 3, s.Fy, 9);
        Assert.Equal(cam.R, s.R);
        // Without intrinsics in the track: f = max(W, H), principal point at the centre.
        var plain = TrainingCamera.FromTrack(new TrackResult { Face = true, Pose = track.Pose }, 640, 480);
        Assert.Equal((640.0, 640.0, 320.0, 240.0), (plain.Fx, plain.Fy, plain.Cx, plain.Cy));
        Assert.Throws<ArgumentException>(() => TrainingCamera.FromTrack(new TrackResult { Face = false }, 640, 480));
    }
}
