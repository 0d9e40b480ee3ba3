using System.Collections.Concurrent;
using Npga.Live.Core.Imaging;
using Npga.Live.Pipeline.Reenact;
using Npga.Live.Tracking;
using Npga.Live.Tracking.Expression;

namespace Npga.Live.Pipeline.Tests;

/// <summary>Stand-in stages for pipeline tests: no models, just bookkeeping and optional delays.</summary>
internal static class ReenactFakes
{
    public static readonly double[] Identity = [1, 0, 0, 0, 1, 0, 0, 0, 1];

    /// <summary><paramref name="count"/> tiny frames at <paramref name="fps"/>, optionally paced; then the source ends (or throws).</summary>
    public static IEnumerable<VideoFrame> Frames(int count, double fps = 30, int delayMs = 0, int throwAfter = -1, OverlapProbe? probe = null)
    {
        for (int i = 0; i < count; i++)
        {
            if (i == throwAfter) throw new InvalidDataException($"decode error at frame {i}");
            if (delayMs > 0) OverlapProbe.Sleep(probe, delayMs);
            var img = new RgbImage(4, 4);
            img.Pixels[0] = (byte)i;
            yield return new VideoFrame(i, TimeSpan.FromSeconds(i / fps), img);
        }
    }

    /// <summary>A rotation of <paramref name="deg"/> degrees about the unit axis (x, y, z), row-major.</summary>
    public static double[] AxisAngle(double x, double y, double z, double deg)
    {
        double a = deg * Math.PI / 180, c = Math.Cos(a), s = Math.Sin(a), t = 1 - c;
        return [t * x * x + c, t * x * y - s * z, t * x * z + s * y,
                t * x * y + s * z, t * y * y + c, t * y * z - s * x,
                t * x * z - s * y, t * y * z + s * x, t * z * z + c];
    }

    /// <summary>Angle of a rotation matrix, degrees.</summary>
    public static double AngleDeg(double[] r) => Math.Acos(Math.Clamp((r[0] + r[4] + r[8] - 1) / 2, -1, 1)) * 180 / Math.PI;
}

/// <summary>A tracker that finds a face where <c>face(index)</c> says so, with code [index, 1, −1, 0, …] (K floats) and a fixed rotation.</summary>
internal sealed class FakeTracker(Func<long, bool>? face = null, double[]? rotation = null, int delayMs = 0, int throwAt = -1, int k = 3, long rotateFrom = 0, OverlapProbe? probe = null) : ITrackStage
{
    public int Calls;

    public TrackResult Track(VideoFrame frame)
    {
        Calls++;
        if (frame.Index == throwAt) throw new InvalidOperationException("tracker failure");
        if (delayMs > 0) OverlapProbe.Sleep(probe, delayMs);
        if (face is not null && !face(frame.Index))
            return new TrackResult { Frame = frame.Index, TimeS = frame.Time.TotalSeconds, Face = false };
        var code = new float[k];
        code[0] = frame.Index;
        if (k > 2) { code[1] = 1; code[2] = -1; }
        // The head is at rest (identity) before frame rotateFrom, then turned by rotation.
        var pose = new PoseExpression(frame.Index >= rotateFrom ? rotation ?? ReenactFakes.Identity : ReenactFakes.Identity, [0.1, 0.05, -0.6], 1000, code, 0.1);
        return new TrackResult { Frame = frame.Index, TimeS = frame.Time.TotalSeconds, Face = true, Confidence = 1, Faces = 1, Pose = pose };
    }
}

/// <summary>An avatar stage that records each drive and writes the frame's code into the first pixel.</summary>
internal sealed class FakeAvatar(int delayMs = 0, OverlapProbe? probe = null) : IAvatarStage
{
    public readonly ConcurrentQueue<AvatarDrive> Drives = new();

    public int Width => 8;
    public int Height => 6;
    public int ExpressionDim => 3;

    public AvatarFrameTimings Render(AvatarDrive drive, RgbImage output)
    {
        if (delayMs > 0) OverlapProbe.Sleep(probe, delayMs);
        Drives.Enqueue(drive);
        output.Span.Clear();
        output.Pixels[0] = (byte)drive.ZExp[0];
        return new AvatarFrameTimings(1, 0, 0.5, 0.25, 0.25, 0.5, 0, delayMs);
    }
}

/// <summary>A sink that records frame indices (and, optionally, is slow or fails).</summary>
internal sealed class RecordingSink(int delayMs = 0, int throwAt = -1, Action<ReenactFrame>? onWrite = null, OverlapProbe? probe = null) : IReenactSink
{
    public readonly List<long> Indices = [];
    public readonly List<byte> FirstPixels = [];
    public int Completions;
    public readonly TaskCompletionSource Completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Write(ReenactFrame frame)
    {
        if (Indices.Count == throwAt) throw new IOException("disk full (fake)");
        if (delayMs > 0) OverlapProbe.Sleep(probe, delayMs);
        Assert.NotNull(frame.Track);
        Assert.NotNull(frame.Drive);
        Assert.NotNull(frame.Avatar);
        Indices.Add(frame.Index);
        FirstPixels.Add(frame.Avatar!.Pixels[0]);
        onWrite?.Invoke(frame);
    }

    public void Complete()
    {
        Completions++;
        Completed.TrySetResult();
    }
}

/// <summary>An observer that records the indices it saw.</summary>
internal sealed class RecordingObserver : IReenactObserver
{
    public readonly List<long> Indices = [];

    public void Observe(ReenactFrame frame)
    {
        Assert.NotNull(frame.Avatar);
        Indices.Add(frame.Index);
    }
}

/// <summary>Counts how many stand-in stages are inside their delay at once: more than one means the stages overlapped in time,
/// a fact that, unlike a wall-clock bound, a loaded machine cannot change.</summary>
internal sealed class OverlapProbe
{
    private int _now, _max;

    /// <summary>The most stages seen inside their delay at the same moment.</summary>
    public int Max => Volatile.Read(ref _max);

    /// <summary>Sleeps <paramref name="ms"/>, counted by <paramref name="probe"/> when there is one.</summary>
    public static void Sleep(OverlapProbe? probe, int ms)
    {
        if (probe is null) { Thread.Sleep(ms); return; }
        int now = Interlocked.Increment(ref probe._now);
        for (int seen = Volatile.Read(ref probe._max); now > seen; seen = Volatile.Read(ref probe._max))
            if (Interlocked.CompareExchange(ref probe._max, now, seen) == seen) break;
        try { Thread.Sleep(ms); }
        finally { Interlocked.Decrement(ref probe._now); }
    }
}
