using System.Diagnostics;
using Npga.Live.Core.Imaging;
using Npga.Live.Pipeline.Reenact;
using Xunit.Abstractions;

namespace Npga.Live.Pipeline.Tests;

/// <summary>
/// The reenactment pipeline's plumbing with stand-in stages: every frame kept under Wait, newest frame wins under
/// DropOldest, stages overlap, cancellation drains and completes, failures stop it promptly, lost faces ease to neutral.
/// Every test bounds its wait, so a hang fails instead of stalling the run.
/// </summary>
public sealed class ReenactPipelineTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Wait_DeliversEveryFrameInOrder_ThroughASlowSink(int capacity)
    {
        var sink = new RecordingSink(delayMs: 3);
        var observer = new RecordingObserver();
        var pipeline = new ReenactPipeline(new FakeTracker(), new FakeAvatar(), new ReenactOptions { Policy = HandOffPolicy.Wait, Capacity = capacity });
        var summary = await pipeline.RunAsync(ReenactFakes.Frames(60), sink, observer).WaitAsync(Limit);
        Assert.Equal(Enumerable.Range(0, 60).Select(i => (long)i), sink.Indices);
        Assert.Equal(sink.Indices, observer.Indices);
        Assert.Equal(Enumerable.Range(0, 60).Select(i => (byte)i), sink.FirstPixels); // each frame's own code reached its own image
        Assert.Equal(1, sink.Completions);
        Assert.Equal((60L, 60L, 60L, 0L, 0L), (summary.FramesIn, summary.FramesOut, summary.FacesFound, summary.FramesWithoutFace, summary.Dropped));
        Assert.False(summary.Cancelled);
        Assert.Equal(60, summary.Frames.Count);
        Assert.True(summary.Median.Encode >= 2.5, $"encode median {summary.Median.Encode} ms");
        Assert.Equal(1.5, summary.Median.Deform, 6); // F + G + compose of the fake timings
        Assert.Equal(1.0, summary.Median.Render, 6); // project + bin/sort + rasterize
        Assert.True(summary.Fps > 0);
    }

    [Fact]
    public async Task Stages_RunOnTheirOwnThreads_AndOverlap()
    {
        // Four stages of 15 ms each: one after the other 60 frames take 3.6 s; as a pipeline about 0.9 s. Overlap is asserted
        // as stages being inside their delays at the same moment, which a loaded machine cannot undo; a serial run can never
        // take less than the sum of the delays.
        const int n = 60, ms = 15;
        var probe = new OverlapProbe();
        var pipeline = new ReenactPipeline(new FakeTracker(delayMs: ms, probe: probe), new FakeAvatar(delayMs: ms, probe: probe));
        var clock = Stopwatch.StartNew();
        var summary = await pipeline.RunAsync(ReenactFakes.Frames(n, delayMs: ms, probe: probe), new RecordingSink(delayMs: ms, probe: probe)).WaitAsync(Limit);
        double serial = 4.0 * n * ms / 1000;
        output.WriteLine($"{n} frames in {clock.Elapsed.TotalSeconds:F2} s (one after the other: {serial:F2} s), {summary.Fps:F1} fps, " +
                         $"up to {probe.Max} stages busy at once");
        Assert.Equal(n, summary.FramesOut);
        Assert.True(probe.Max >= 2, $"no two stages ever ran at the same time (max {probe.Max})");
        Assert.True(clock.Elapsed.TotalSeconds < serial, $"no faster than one after the other: {clock.Elapsed.TotalSeconds:F2} s");
    }

    [Fact]
    public async Task DropOldest_NewestFrameWins_UnderASlowStage()
    {
        var sink = new RecordingSink();
        var pipeline = new ReenactPipeline(new FakeTracker(), new FakeAvatar(delayMs: 10), new ReenactOptions { Policy = HandOffPolicy.DropOldest, Capacity = 1 });
        var summary = await pipeline.RunAsync(ReenactFakes.Frames(300, delayMs: 1), sink).WaitAsync(Limit);
        output.WriteLine($"in {summary.FramesIn}, out {summary.FramesOut}, dropped before track {summary.DroppedBefore[ReenactStage.Track]}, " +
                         $"render {summary.DroppedBefore[ReenactStage.Render]}, encode {summary.DroppedBefore[ReenactStage.Encode]}, median latency {summary.Median.Latency:F1} ms");
        Assert.Equal(300, summary.FramesIn);
        Assert.True(summary.Dropped > 0, "a 10 ms stage fed every ~1 ms must drop frames");
        Assert.Equal(summary.FramesIn, summary.FramesOut + summary.Dropped);
        Assert.Equal(summary.FramesOut, sink.Indices.Count);
        Assert.Equal(299, sink.Indices[^1]); // the newest frame is never the one dropped
        Assert.True(sink.Indices.Zip(sink.Indices.Skip(1)).All(p => p.First < p.Second), "frames stay in order");
        // Bounded latency, with a bound a growing queue would break but far above what load has done: had the 10 ms stage
        // queued every frame read in ~0.3 s, frame 299 would leave ~300 x 10 ms after the run began, ~2.7 s after it was read.
        // A fixed bound of 100 ms failed once under a 2-core CI machine's parallel test load (one frame out, 231 ms).
        const double queueAll = 300 * 10.0;
        Assert.True(summary.Frames[^1].Latency < 0.5 * queueAll,
            $"latency stays bounded: frame 299 left {summary.Frames[^1].Latency:F1} ms after it was read (median {summary.Median.Latency:F1} ms)");
        Assert.Equal(1, sink.Completions);
    }

    /// <summary>
    /// PaceTracking: a fast tracker (1 ms) before a slow renderer (10 ms), fed every ~1 ms, tracks about as many frames as the
    /// renderer draws (each one the newest it was handed), not every frame it could: without pacing it tracks most of them
    /// and the render hand-off drops the rest.
    /// </summary>
    [Fact]
    public async Task PaceTracking_TracksOnlyWhatTheRendererTakes()
    {
        async Task<(int Calls, ReenactSummary Summary, List<long> Out)> Run(bool pace)
        {
            var tracker = new FakeTracker(delayMs: 1);
            var sink = new RecordingSink();
            var pipeline = new ReenactPipeline(tracker, new FakeAvatar(delayMs: 10),
                new ReenactOptions { Policy = HandOffPolicy.DropOldest, Capacity = 1, PaceTracking = pace });
            var summary = await pipeline.RunAsync(ReenactFakes.Frames(300, delayMs: 1), sink).WaitAsync(Limit);
            return (tracker.Calls, summary, sink.Indices.ToList());
        }

        var paced = await Run(true);
        var free = await Run(false);
        output.WriteLine($"paced: tracked {paced.Calls}, out {paced.Summary.FramesOut}, dropped before render {paced.Summary.DroppedBefore[ReenactStage.Render]}, " +
                         $"before encode {paced.Summary.DroppedBefore[ReenactStage.Encode]}; " +
                         $"free: tracked {free.Calls}, out {free.Summary.FramesOut}, dropped before render {free.Summary.DroppedBefore[ReenactStage.Render]}");
        Assert.Equal(300, paced.Summary.FramesIn);
        Assert.Equal(0, paced.Summary.DroppedBefore[ReenactStage.Render]); // nothing tracked is thrown away
        // tracked = rendered (+ the one in flight at the end); what the encode hand-off drops was rendered too
        var rendered = paced.Summary.FramesOut + paced.Summary.DroppedBefore[ReenactStage.Encode];
        Assert.InRange(paced.Calls, rendered, rendered + 2);
        Assert.True(free.Calls > 2 * free.Summary.FramesOut, $"without pacing the tracker tracked {free.Calls} for {free.Summary.FramesOut} out");
        Assert.Equal(299, paced.Out[^1]); // the last frame still comes out
        Assert.True(paced.Out.Zip(paced.Out.Skip(1)).All(p => p.First < p.Second), "frames stay in order");
    }

    /// <summary>
    /// Pooled driver frames (a live receiver's, <see cref="VideoFrame.Release"/>): every frame read is handed back exactly
    /// once, those written only after the sink is done with them, those dropped by a hand-off too, as live runs it (newest
    /// wins, tracking paced).
    /// </summary>
    [Fact]
    public async Task PooledDriverFrames_AreReleasedOnce_AfterTheirLastUse_OrWhenDropped()
    {
        var released = new System.Collections.Concurrent.ConcurrentDictionary<RgbImage, int>();
        IEnumerable<VideoFrame> Pooled()
        {
            foreach (var f in ReenactFakes.Frames(300, delayMs: 1))
                yield return f with { Release = image => released.AddOrUpdate(image, 1, (_, n) => n + 1) };
        }
        int writtenAfterRelease = 0;
        var sink = new RecordingSink(onWrite: f => { if (released.ContainsKey(f.Driver.Image)) Interlocked.Increment(ref writtenAfterRelease); });
        var pipeline = new ReenactPipeline(new FakeTracker(delayMs: 1), new FakeAvatar(delayMs: 10),
            new ReenactOptions { Policy = HandOffPolicy.DropOldest, Capacity = 1, PaceTracking = true });
        var summary = await pipeline.RunAsync(Pooled(), sink).WaitAsync(Limit);
        output.WriteLine($"in {summary.FramesIn}, out {summary.FramesOut}, dropped {summary.Dropped}, released {released.Count}");
        Assert.True(summary.Dropped > 0, "a 10 ms renderer fed every ~1 ms drops frames");
        Assert.Equal(0, writtenAfterRelease);
        Assert.Equal(summary.FramesIn, released.Count); // written or dropped, each is handed back
        Assert.All(released.Values, n => Assert.Equal(1, n));
    }

    [Fact]
    public async Task Cancellation_StopsReading_DrainsWhatIsInFlight_AndCompletesTheSink()
    {
        using var cts = new CancellationTokenSource();
        var sink = new RecordingSink(delayMs: 5, onWrite: f => { if (f.Index == 10) cts.Cancel(); });
        var pipeline = new ReenactPipeline(new FakeTracker(), new FakeAvatar(delayMs: 5));
        var summary = await pipeline.RunAsync(ReenactFakes.Frames(100_000), sink, null, cts.Token).WaitAsync(Limit);
        output.WriteLine($"cancelled after frame 10: read {summary.FramesIn}, written {summary.FramesOut}");
        Assert.True(summary.Cancelled);
        Assert.Equal(1, sink.Completions);
        Assert.Equal(summary.FramesIn, summary.FramesOut); // nothing read was lost
        Assert.InRange(summary.FramesOut, 11, 30);          // only what was in flight: 3 hand-offs of 2 and the stages
        Assert.Equal(Enumerable.Range(0, (int)summary.FramesOut).Select(i => (long)i), sink.Indices);
    }

    [Fact]
    public async Task FailingSink_StopsEveryStagePromptly_AndIsNotCompleted()
    {
        var sink = new RecordingSink(throwAt: 5);
        var pipeline = new ReenactPipeline(new FakeTracker(), new FakeAvatar(delayMs: 2));
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<ReenactException>(() => pipeline.RunAsync(ReenactFakes.Frames(100_000), sink).WaitAsync(Limit));
        output.WriteLine($"{clock.ElapsedMilliseconds} ms: {e.Stage}: {e.Message}");
        Assert.Equal(ReenactStage.Encode, e.Stage);
        Assert.IsType<IOException>(e.InnerException);
        Assert.False(e.SinkCompleted);
        Assert.Equal(0, sink.Completions);
        Assert.Equal(5, sink.Indices.Count);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
        Assert.True(pipeline.Progress.FramesRead < 100, "reading stopped");
    }

    [Fact]
    public async Task FailingSource_KeepsWhatWasRead_CompletesTheSink_ThenReports()
    {
        var sink = new RecordingSink();
        var pipeline = new ReenactPipeline(new FakeTracker(), new FakeAvatar());
        var e = await Assert.ThrowsAsync<ReenactException>(() => pipeline.RunAsync(ReenactFakes.Frames(100, throwAfter: 12), sink).WaitAsync(Limit));
        Assert.Equal(ReenactStage.Decode, e.Stage);
        Assert.IsType<InvalidDataException>(e.InnerException);
        Assert.True(e.SinkCompleted);
        Assert.Equal(1, sink.Completions);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (long)i), sink.Indices);
    }

    [Fact]
    public async Task SinkFailingWhileDrainingAfterASourceFailure_IsReported_AndNothingHangs()
    {
        // The source fails at frame 12 while the slow sink is still at about frame 4; the sink then fails at its 8th frame.
        var sink = new RecordingSink(delayMs: 20, throwAt: 8);
        var pipeline = new ReenactPipeline(new FakeTracker(), new FakeAvatar());
        var e = await Assert.ThrowsAsync<ReenactException>(() => pipeline.RunAsync(ReenactFakes.Frames(100, throwAfter: 12), sink).WaitAsync(Limit));
        Assert.Equal(ReenactStage.Encode, e.Stage); // the failure that decides the output's fate
        Assert.False(e.SinkCompleted);
        Assert.Equal(0, sink.Completions);
    }

    [Fact]
    public async Task FailingTracker_IsReportedAsTheTrackStage()
    {
        var pipeline = new ReenactPipeline(new FakeTracker(throwAt: 3), new FakeAvatar());
        var e = await Assert.ThrowsAsync<ReenactException>(() => pipeline.RunAsync(ReenactFakes.Frames(1000), new RecordingSink()).WaitAsync(Limit));
        Assert.Equal(ReenactStage.Track, e.Stage);
        Assert.Equal("tracker failure", e.Message);
        // The pipeline can run again afterwards.
        var again = new ReenactPipeline(new FakeTracker(), new FakeAvatar());
        Assert.Equal(5, (await again.RunAsync(ReenactFakes.Frames(5), new RecordingSink()).WaitAsync(Limit)).FramesOut);
    }

    [Fact]
    public async Task LostFace_EasesToNeutral_Holds_AndResumesWhenTheFaceReturns()
    {
        // 30 fps: face in frames 0–29, none in 30–119 (3 s), face again from 120; the head at rest for the first 15 frames
        // (the driver's rest pose), then turned by 30°.
        var r = ReenactFakes.AxisAngle(0, 1, 0, 30);
        var tracker = new FakeTracker(face: i => i < 30 || i >= 120, rotation: r, rotateFrom: 15);
        var avatar = new FakeAvatar();
        var pipeline = new ReenactPipeline(tracker, avatar, new ReenactOptions { NeutralTimeConstantS = 0.3 });
        var summary = await pipeline.RunAsync(ReenactFakes.Frames(150), new RecordingSink()).WaitAsync(Limit);
        Assert.Equal((150L, 60L, 90L), (summary.FramesOut, summary.FacesFound, summary.FramesWithoutFace));
        var d = avatar.Drives.ToArray();
        Assert.Equal(AvatarDriveSource.Tracked, d[29].Source);
        Assert.Equal(29f, d[29].ZExp[0]);
        // One frame after the loss: the last state times e^(−Δt/τ).
        double a = Math.Exp(-1 / 30.0 / 0.3);
        Assert.Equal(AvatarDriveSource.Easing, d[30].Source);
        Assert.Equal(29 * a, d[30].ZExp[0], 3);
        Assert.Equal(30 * a, ReenactFakes.AngleDeg(d[30].Rotation), 3);
        // 0.3 s (τ) after the loss: 1/e of the way.
        Assert.Equal(29 * Math.Exp(-(39 - 29) / 30.0 / 0.3), d[39].ZExp[0], 3);
        // Monotone decay, then neutral and held.
        for (int i = 31; i < 120; i++) Assert.True(Math.Abs(d[i].ZExp[0]) <= Math.Abs(d[i - 1].ZExp[0]));
        Assert.True(d[119].ZExp.All(z => Math.Abs(z) < 0.01f), "neutral code after 3 s (29·e^−10 ≈ 0.0013)");
        Assert.True(ReenactFakes.AngleDeg(d[119].Rotation) < 0.01, "identity rotation after 3 s");
        // The face returns: taken at once.
        Assert.Equal(AvatarDriveSource.Tracked, d[120].Source);
        Assert.Equal(120f, d[120].ZExp[0]);
        Assert.Equal(r, d[120].Rotation);
    }

    [Fact]
    public async Task NoFaceAtAll_IsNeutral_NotAnError()
    {
        var avatar = new FakeAvatar();
        var summary = await new ReenactPipeline(new FakeTracker(face: _ => false), avatar).RunAsync(ReenactFakes.Frames(20), new RecordingSink()).WaitAsync(Limit);
        Assert.Equal((20L, 0L, 20L), (summary.FramesOut, summary.FacesFound, summary.FramesWithoutFace));
        Assert.All(avatar.Drives, d => Assert.Equal(AvatarDriveSource.Neutral, d.Source));
        Assert.All(avatar.Drives, d => Assert.Equal(ReenactFakes.Identity, d.Rotation));
    }

    [Fact]
    public void SecondRunWhileRunning_IsRefused()
    {
        var pipeline = new ReenactPipeline(new FakeTracker(), new FakeAvatar());
        using var cts = new CancellationTokenSource();
        var run = pipeline.RunAsync(ReenactFakes.Frames(100_000, delayMs: 1), new RecordingSink(), null, cts.Token);
        Assert.Throws<InvalidOperationException>(() => { _ = pipeline.RunAsync(ReenactFakes.Frames(1), new RecordingSink()); });
        cts.Cancel();
        Assert.True(run.Wait(Limit));
    }

    [Fact]
    public void BadOptions_AreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReenactPipeline(new FakeTracker(), new FakeAvatar(), new ReenactOptions { Capacity = 3 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReenactPipeline(new FakeTracker(), new FakeAvatar(), new ReenactOptions { Capacity = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReenactPipeline(new FakeTracker(), new FakeAvatar(), new ReenactOptions { NeutralTimeConstantS = 0 }));
    }
}
