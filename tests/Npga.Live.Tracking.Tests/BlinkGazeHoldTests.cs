using Npga.Live.Tracking.Landmarks;
using Xunit.Abstractions;

namespace Npga.Live.Tracking.Tests;

/// <summary>The gaze held through blinks (<see cref="BlinkGazeHold"/>).</summary>
public class BlinkGazeHoldTests(ITestOutputHelper output)
{
    /// <summary>Landmarks with the outer eye corners 100 px apart and both lid gaps <paramref name="gap"/> px.</summary>
    private static float[] Face(float gap)
    {
        var p = new float[FaceLandmarks.Count * 3];
        void Set(int i, float x, float y) { p[3 * i] = x; p[3 * i + 1] = y; }
        Set(FaceLandmarks.RightEyeOuter, 100, 100);
        Set(FaceLandmarks.LeftEyeOuter, 200, 100);
        Set(FaceLandmarks.RightEyeTop, 125, 100 - gap / 2);
        Set(FaceLandmarks.RightEyeBottom, 125, 100 + gap / 2);
        Set(FaceLandmarks.LeftEyeTop, 175, 100 - gap / 2);
        Set(FaceLandmarks.LeftEyeBottom, 175, 100 + gap / 2);
        return p;
    }

    [Fact]
    public void ShutEyes_RepeatTheLastGazeReadOpen_AndASlowChangeIsFollowed()
    {
        var hold = new BlinkGazeHold();
        float[] g = [0.1f, 0.02f, -0.1f, 0.02f];
        hold.Apply(Face(10), g);
        Assert.False(hold.Held);
        Assert.Equal([0.1f, 0.02f, -0.1f, 0.02f], g);
        float[] blink = [0.05f, 0.2f, -0.05f, 0.2f]; // Iris's guess behind shut lids: low in the eye
        hold.Apply(Face(5), blink); // half the open gap: closed
        Assert.True(hold.Held);
        Assert.Equal([0.1f, 0.02f, -0.1f, 0.02f], blink);
        float[] again = [0.12f, 0.0f, -0.08f, 0.0f];
        hold.Apply(Face(9.5f), again); // open again: read as is
        Assert.False(hold.Held);
        Assert.Equal([0.12f, 0.0f, -0.08f, 0.0f], again);
        // lids lowered slowly (a sleepy driver) stay open: the running mean follows them
        for (int i = 0; i < 400; i++)
        {
            float[] s = [0.1f, 0, -0.1f, 0];
            hold.Apply(Face(10 - 6 * i / 400f), s);
            Assert.False(hold.Held, $"step {i}: a slow lowering read as a blink");
        }
        hold.Reset();
        float[] first = [0.3f, 0.3f, 0.3f, 0.3f];
        hold.Apply(Face(2), first); // nothing seen open yet: nothing to hold
        Assert.False(hold.Held);
        Assert.Throws<ArgumentException>(() => hold.Apply(Face(10), new float[3]));
    }

    /// <summary>d6's frames 300-420, tracked in order with the gaze: the blink at frame 394 (FaceMesh reads its lid gap at
    /// 0.55 of the open one) repeats the gaze read before it, and no frame outside the two blinks (378-383, a shallow one, and
    /// 390-399) is held.</summary>
    [Fact]
    public void OnARealBlink_TheTrackerHoldsTheGaze()
    {
        var clip = SharedData.Driving("d6.mp4");
        if (SharedData.Missing(output, clip)) return;
        var frames = SharedData.Frames(clip!, i => i is >= 300 and <= 420);
        using var tracker = new FaceTracker(new TrackerOptions { ExpressionModel = "", Gaze = true });
        float[]? previous = null;
        var held = new List<long>();
        foreach (var f in frames)
        {
            var r = tracker.Track(f.Image, f.Index, f.Index / 30.0);
            Assert.True(r.Face, $"frame {f.Index}: no face");
            if (previous is not null && r.Gaze!.SequenceEqual(previous)) held.Add(f.Index);
            previous = r.Gaze;
        }
        output.WriteLine($"held: {string.Join(", ", held)}");
        Assert.Contains(394L, held);
        Assert.All(held, i => Assert.True(i is >= 376 and <= 384 or >= 389 and <= 400, $"frame {i} held, outside the blinks at 378-383 and 390-399"));
    }
}
