using Npga.Live.Core;
using Npga.Live.Core.Imaging;
using Npga.Live.Tracking.Detect;
using Npga.Live.Tracking.Landmarks;
using Xunit.Abstractions;

namespace Npga.Live.Tracking.Tests;

public class FaceTrackerTests(ITestOutputHelper output)
{
    [Fact]
    public void Anchors_FollowTheBlazeFaceLayout()
    {
        using var det = new BlazeFaceDetector(Path.Combine(RepoPaths.Models, "tracker", "blazeface.onnx"));
        var a = det.Anchors;
        Assert.Equal(896 * 2, a.Length);
        Assert.Equal(8, a[0]); Assert.Equal(8, a[1]);       // stride 16, cell (0,0), 2 anchors
        Assert.Equal(8, a[2]); Assert.Equal(24, a[4]);
        Assert.Equal(16, a[1024]); Assert.Equal(16, a[1025]); // stride 32 starts at anchor 512
        Assert.Equal(240, a[^2]); Assert.Equal(240, a[^1]);
    }

    [Fact]
    public void Decode_PlacesABoxAtItsAnchor_AndNmsMergesOverlaps()
    {
        using var det = new BlazeFaceDetector(Path.Combine(RepoPaths.Models, "tracker", "blazeface.onnx"));
        var raw = new float[896 * 16];
        var logits = Enumerable.Repeat(-50f, 896).ToArray();
        foreach (int anchor in new[] { 34, 35 }) // two anchors of the same cell (x=1, y=1 at stride 16): centre (24, 24)
        {
            logits[anchor] = 4;
            raw[anchor * 16 + 2] = 20; raw[anchor * 16 + 3] = 20; // 20x20 box
        }
        // 512x512 image: 2 image px per input px.
        var faces = det.Decode(raw, logits, BlazeFaceDetector.InputToImage(512, 512));
        var f = Assert.Single(faces);
        Assert.Equal(28, f.XMin, 2); Assert.Equal(68, f.XMax, 2);
        Assert.Equal(1 / (1 + Math.Exp(-4)), f.Score, 4);
    }

    [Fact]
    public void RealClips_FaceFoundOnAtLeast98PercentOfFrames()
    {
        var clips = new[] { "d0.mp4", "d3.mp4", "d6.mp4", "d9.mp4", "d14.mp4" }.Select(SharedData.Driving).ToArray();
        if (SharedData.Missing(output, clips)) return;
        using var tracker = new FaceTracker();
        foreach (var clip in clips)
        {
            tracker.Reset();
            int n = 0, found = 0, detections = 0;
            foreach (var f in SharedData.Frames(clip!, i => true))
            {
                var r = tracker.Track(f.Image, f.Index, f.Time.TotalSeconds);
                n++;
                if (r.Face) found++;
                if (r.Detected) detections++;
                if (r.Face)
                {
                    Assert.NotNull(r.Pose);
                    Assert.Equal(tracker.ExpressionModel!.K, r.Pose!.ZExp.Length);
                }
            }
            output.WriteLine($"{Path.GetFileName(clip)}: face in {found}/{n} frames, detector ran {detections} time(s)");
            Assert.True(found >= 0.98 * n, $"{clip}: face found on {found}/{n} frames");
            Assert.True(detections < n / 10, $"{clip}: the detector ran on {detections}/{n} frames; tracking should reuse the landmarks");
        }
    }

    [Fact]
    public void MouthOpenFrames_HaveLargerLipDistanceAndACodeApartFromNeutral()
    {
        var clips = new[] { "d6.mp4", "d3.mp4" }.Select(SharedData.Driving).ToArray();
        if (SharedData.Missing(output, clips)) return;
        using var tracker = new FaceTracker();
        foreach (var clip in clips)
        {
            tracker.Reset();
            var rows = new List<(float Mouth, float[] Z)>();
            foreach (var f in SharedData.Frames(clip!, i => true))
            {
                var r = tracker.Track(f.Image, f.Index, f.Time.TotalSeconds);
                if (r.Face) rows.Add((FaceMeasures.From(r.LandmarksPx!).MouthOpen, r.Pose!.ZExp));
            }
            var sorted = rows.OrderBy(r => r.Mouth).ToList();
            var neutral = sorted.Take(sorted.Count / 5).ToList();
            var open = sorted.Skip(sorted.Count - sorted.Count / 10).ToList();
            int k = rows[0].Z.Length;
            var zn = Enumerable.Range(0, k).Select(j => neutral.Average(r => r.Z[j])).ToArray();
            double Dist(float[] z) => Math.Sqrt(z.Select((v, j) => (v - zn[j]) * (v - zn[j])).Sum());
            double dNeutral = neutral.Average(r => Dist(r.Z)), dOpen = open.Average(r => Dist(r.Z));
            double mNeutral = neutral.Average(r => r.Mouth), mOpen = open.Average(r => r.Mouth);
            output.WriteLine($"{Path.GetFileName(clip)}: inner-lip/eye-corner {mNeutral:F3} (closed 20%) vs {mOpen:F3} (open 10%); |z − z_neutral| {dNeutral:F2} vs {dOpen:F2}");
            Assert.True(mOpen > 4 * mNeutral + 0.05, "mouth-open frames should have a much larger inner-lip distance");
            Assert.True(dOpen > 1.5 * dNeutral, "mouth-open codes should lie clearly apart from the neutral ones");
        }
    }

    [Fact]
    public void SeveralFaces_TheLargestIsTracked_AndTheCountIsReported()
    {
        string?[] clips = [SharedData.Driving("d0.mp4"), SharedData.Driving("d3.mp4")];
        if (SharedData.Missing(output, clips)) return;
        var big = SharedData.Frames(clips[0]!, i => i == 10, 1)[0].Image;   // 512x512
        var other = SharedData.Frames(clips[1]!, i => i == 10, 1)[0].Image; // 512x512, pasted at half size
        var canvas = new RgbImage(768, 512);
        for (int y = 0; y < 512; y++) big.Row(y).CopyTo(canvas.Row(y));
        for (int y = 0; y < 256; y++)
            for (int x = 0; x < 256; x++)
                for (int c = 0; c < 3; c++)
                {
                    int sum = other.Pixels[(2 * y * 512 + 2 * x) * 3 + c] + other.Pixels[(2 * y * 512 + 2 * x + 1) * 3 + c]
                            + other.Pixels[((2 * y + 1) * 512 + 2 * x) * 3 + c] + other.Pixels[((2 * y + 1) * 512 + 2 * x + 1) * 3 + c];
                    canvas.Pixels[((128 + y) * 768 + 512 + x) * 3 + c] = (byte)(sum / 4);
                }
        using var tracker = new FaceTracker();
        var r = tracker.Track(canvas, 0, 0);
        Assert.True(r.Face);
        Assert.Equal(2, r.Faces);
        double meanX = Enumerable.Range(0, 468).Average(i => r.LandmarksPx![3 * i]);
        Assert.True(meanX < 512, $"the tracked face (mean x {meanX:F0}) should be the large one on the left");
    }

    [Fact]
    public void FlatGreyAndNoiseFrames_SayNoFace_AndNothingThrows()
    {
        using var tracker = new FaceTracker();
        var rnd = new Random(5);
        for (int i = 0; i < 20; i++)
        {
            var img = new RgbImage(320, 240);
            if (i % 2 == 0) img.Span.Fill(128); else rnd.NextBytes(img.Span);
            var r = tracker.Track(img, i, i / 30.0);
            Assert.False(r.Face);
            Assert.Null(r.Pose);
            Assert.Null(r.LandmarksPx);
        }
        var tiny = tracker.Track(new RgbImage(1, 1), 99, 5);
        Assert.False(tiny.Face);
    }
}
