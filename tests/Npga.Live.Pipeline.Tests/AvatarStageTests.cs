using Npga.Live.Avatar;
using Npga.Live.Core;
using Npga.Live.Core.Imaging;
using Npga.Live.Pipeline.Live;
using Npga.Live.Pipeline.Reenact;
using Npga.Live.Tracking.Landmarks;
using Npga.Live.Tracking;

namespace Npga.Live.Pipeline.Tests;

/// <summary>The live avatar stage with the shipped default avatar: what the viewer controls changes the frame as it should.</summary>
public class AvatarStageTests
{
    private static readonly AvatarPackage Default = AvatarPackage.Load(Path.Combine(RepoPaths.Models, "avatars", "default"));

    private static readonly ExpressionPresets Presets =
        ExpressionPresets.Load(Path.Combine(RepoPaths.Models, "expression", TrackerOptions.DefaultExpressionModelId, "presets.json"));

    private static AvatarDrive Neutral(int k) => new(new float[k], [1, 0, 0, 0, 1, 0, 0, 0, 1], AvatarDriveSource.Tracked, 0);

    [Fact]
    public void The_orbit_turns_the_head_and_the_pad_opens_the_mouth()
    {
        var controls = new LiveControls();
        using var stage = new AvatarStage(Default, "default", 256, 256, controls, Presets, _ => throw new KeyNotFoundException());
        var drive = Neutral(stage.ExpressionDim);
        var front = new RgbImage(256, 256);
        stage.Render(drive, front);

        controls.SetView(30, 0);
        var turned = new RgbImage(256, 256);
        stage.Render(drive, turned);
        // Orbiting the camera 30° round the head: the tracker sees the head turned by about that much.
        using var tracker = new FaceTracker(new TrackerOptions { Smoothing = false });
        double Yaw(RgbImage img)
        {
            tracker.Reset();
            var r = tracker.Track(img, 0, 0).Pose!.Rotation;
            return Math.Atan2(r[2], r[8]) * 180 / Math.PI;
        }
        double turn = Math.Abs(Yaw(turned) - Yaw(front));
        Assert.InRange(turn, 20, 40);

        controls.SetView(0, 0);
        controls.SetExpression([0, 0, 1, 0], 1); // the "open mouth" corner, pad only
        var open = new RgbImage(256, 256);
        stage.Render(drive, open);
        float MouthOpen(RgbImage img)
        {
            tracker.Reset();
            var t = tracker.Track(img, 0, 0);
            Assert.True(t.Face, "no face found in the avatar frame");
            return FaceMeasures.From(t.LandmarksPx!).MouthOpen;
        }
        float closedMouth = MouthOpen(front), openMouth = MouthOpen(open);
        Assert.True(openMouth > closedMouth + 0.03f, $"the open-mouth preset did not open the mouth ({closedMouth:F3} -> {openMouth:F3})");

        controls.SetExpression([0, 0, 1, 0], 0); // mix 0: tracked only, the pad has no say
        var mixedOut = new RgbImage(256, 256);
        stage.Render(drive, mixedOut);
        Assert.Equal(front.Span.ToArray(), mixedOut.Span.ToArray());
    }

    [Fact]
    public void A_failed_avatar_switch_keeps_the_current_avatar_and_says_why()
    {
        var controls = new LiveControls();
        using var stage = new AvatarStage(Default, "default", 128, 128, controls, Presets,
            id => id == "same" ? Default : throw new AvatarFormatException("/x/avatar.json", "manifest file is missing"));
        var drive = Neutral(stage.ExpressionDim);
        var img = new RgbImage(128, 128);
        controls.RequestAvatar("broken");
        stage.Render(drive, img);
        Assert.Equal("default", stage.AvatarId);
        Assert.Contains("manifest file is missing", stage.LastSwitchError);
        controls.RequestAvatar("same");
        stage.Render(drive, img);
        Assert.Equal("same", stage.AvatarId);
        Assert.Null(stage.LastSwitchError);
    }

    [Fact]
    public void The_tracker_reads_the_gaze_while_the_avatar_shown_takes_it()
    {
        var root = Directory.CreateTempSubdirectory("npga-takes-gaze-").FullName;
        try
        {
            var plain = AvatarPackage.Load(Avatar.Tests.Fixtures.Make(Path.Combine(root, "plain"), "--n", "300", "--seed", "4", "--no-cnn"));
            var eyes = AvatarPackage.Load(Avatar.Tests.Fixtures.Make(Path.Combine(root, "eyes"), "--n", "300", "--seed", "4", "--no-cnn", "--eyes"));
            var controls = new LiveControls();
            using var stage = new AvatarStage(plain, "plain", 64, 64, controls, null, id => id == "eyes" ? eyes : plain);
            using var tracker = new FaceTrackStage(plain.Manifest.ExpressionModel.Id) { GazeWanted = () => stage.TakesGaze };
            var frame = new VideoFrame(0, TimeSpan.Zero, new RgbImage(64, 64));
            var img = new RgbImage(64, 64);
            Assert.False(stage.TakesGaze);
            tracker.Track(frame);
            Assert.False(tracker.ReadGaze);

            controls.RequestAvatar("eyes");
            stage.Render(Neutral(stage.ExpressionDim), img);
            Assert.Equal("eyes", stage.AvatarId);
            Assert.True(stage.TakesGaze);
            tracker.Track(frame);
            Assert.True(tracker.ReadGaze);

            controls.RequestAvatar("plain");
            stage.Render(Neutral(stage.ExpressionDim), img);
            tracker.Track(frame);
            Assert.False(tracker.ReadGaze);
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }
}
