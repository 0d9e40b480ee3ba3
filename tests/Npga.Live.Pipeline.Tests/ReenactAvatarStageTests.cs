using Npga.Live.Core.Imaging;
using Npga.Live.Pipeline.Reenact;

namespace Npga.Live.Pipeline.Tests;

/// <summary>
/// The real deform + render stage inside the pipeline, on the axes scene (red +x, green +y, blue +z towards the camera):
/// the tracked rotation, relative to the driver's rest pose, turns the head; the tracked translation is ignored; a lost face
/// eases back to the neutral pose.
/// </summary>
public sealed class ReenactAvatarStageTests
{
    [Fact]
    public async Task TrackedRotationTurnsTheHead_TranslationIsIgnored_LostFaceReturnsToNeutral()
    {
        using var scene = new AxesScene();
        using var stage = AvatarStage.Offline(scene.Package, 128, 128, renderThreads: 1);
        Assert.Equal((128, 128, 15), (stage.Width, stage.Height, stage.ExpressionDim));
        // The driver at rest for 15 frames (their rest pose: the avatar as built), then their head turned 90° about the view's
        // +y for 10 frames (the avatar's +z, blue, swings to the image's right), then 2.5 s without a face.
        double[] ry90 = [0, 0, 1, 0, 1, 0, -1, 0, 0];
        var kept = new Dictionary<long, RgbImage>();
        var sink = new RecordingSink(onWrite: f => { if (f.Index is 10 or 20 or 99) kept[f.Index] = f.Avatar!.Clone(); });
        var pipeline = new ReenactPipeline(new FakeTracker(face: i => i < 25, rotation: ry90, k: 15, rotateFrom: 15), stage);
        var summary = await pipeline.RunAsync(ReenactFakes.Frames(100), sink).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(100, summary.FramesOut);
        Assert.True(summary.Median.Render > 0);

        var atRest = AxesScene.Centroid(kept[10], 2)!.Value;
        Assert.InRange(atRest.X, 60, 68); // at the driver's rest pose: +z faces the camera
        var turned = AxesScene.Centroid(kept[20], 2)!.Value;
        Assert.True(turned.X > 64 + 5, $"blue at {turned}: the head should be turned to the image's right");
        Assert.InRange(turned.Y, 58, 70); // the tracked translation (10 cm right, 5 cm up) is not applied

        var neutral = AxesScene.Centroid(kept[99], 2)!.Value;
        Assert.InRange(neutral.X, 60, 68); // +z faces the camera again
        Assert.InRange(neutral.Y, 60, 68);
        var red = AxesScene.Centroid(kept[99], 0)!.Value;
        Assert.True(red.X > 64 + 5, $"red (+x) back on the image's right: {red}");
    }
}
