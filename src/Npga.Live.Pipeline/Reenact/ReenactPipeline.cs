using System.Diagnostics;
using Npga.Live.Core.Imaging;

namespace Npga.Live.Pipeline.Reenact;

/// <summary>
/// The frame pipeline of reenactment, shared by <c>npga reenact</c> (offline, a file in and a file out) and the live server
/// (a webcam in, a WebRTC track out): decode → track → deform + render + refine → encode [→ measure], each stage on its own
/// thread, connected by bounded hand-offs (capacity 1–2, <see cref="HandOffPolicy"/>), so that the stages overlap: frame
/// n + 1 is tracked while frame n renders and frame n − 1 encodes, and both cores are busy.
/// </summary>
/// <remarks>
/// <para><b>Head pose.</b> The avatar takes the tracked head rotation R (head → camera, OpenGL axes) directly as its head
/// rotation (canonical head frame → world): the canonical head frame and the tracker's camera frame share axes (+y up, +z
/// towards the viewer), so a driver looking into the camera (R ≈ I) gives the avatar as its package's default camera shows
/// it. The tracked translation is ignored: the head stays centred in the avatar's frame.</para>
/// <para><b>No face.</b> Where the driver's face is lost the avatar holds its last state and eases to neutral
/// (<see cref="FaceLossEasing"/>, time constant <see cref="ReenactOptions.NeutralTimeConstantS"/>); it resumes when the face returns.</para>
/// <para><b>Stopping.</b> Cancelling the token passed to <see cref="RunAsync"/> stops reading from the source; the frames
/// in flight are drained through every stage, the sink is completed and the run ends normally with
/// <see cref="ReenactSummary.Cancelled"/> set (a file then holds what was done). A source that throws is handled the same
/// way, then reported as a <see cref="ReenactException"/> with <see cref="ReenactException.SinkCompleted"/> set. Any other
/// stage that throws stops every stage at once (no hang: every hand-off wait is abortable) and the run faults with a
/// <see cref="ReenactException"/> naming the stage; the sink is not completed.</para>
/// <para><b>Threads.</b> Five dedicated background threads per run (four without an observer); the stages' own workers
/// (the renderer's pool, ORT, the encoder) come on top. A source whose enumerator blocks (a live stream) should end its
/// enumeration itself when cancelled: the decode thread cannot interrupt a blocked <c>MoveNext</c>.</para>
/// <para>One run at a time per instance; the stages are used from their threads only during a run.</para>
/// </remarks>
public sealed class ReenactPipeline
{
    private readonly ITrackStage _tracker;
    private readonly IAvatarStage _avatar;
    private readonly ReenactOptions _options;
    private readonly FaceLossEasing _easing;
    private readonly DriverRestPose _restPose = new();
    private readonly RgbImagePool _pool;
    private readonly object _lock = new();
    private int _running;

    // Per-run state.
    private List<ReenactStageMs> _frames = [];
    private long _read, _written, _faces, _noFace;
    private long _started;
    private double _wallSeconds;
    private bool _stoppedEarly;
    private Exception? _failure;
    private ReenactStage _failedStage;
    private bool _sinkCompleted;
    private CancellationTokenSource _abort = new();
    private HandOff<ReenactFrame>? _toTrack, _toRender, _toEncode, _toMeasure;

    /// <summary>Builds a pipeline around its two model stages.</summary>
    /// <param name="tracker">The track stage (e.g. <see cref="FaceTrackStage"/>).</param>
    /// <param name="avatar">The deform + render + refine stage (e.g. <see cref="AvatarStage"/>).</param>
    /// <param name="options">Hand-off policy and capacity, easing time constant; null for the defaults (Wait, 2, 0.3 s).</param>
    /// <exception cref="ArgumentOutOfRangeException">Invalid options (see <see cref="ReenactOptions.Validate"/>).</exception>
    public ReenactPipeline(ITrackStage tracker, IAvatarStage avatar, ReenactOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tracker);
        ArgumentNullException.ThrowIfNull(avatar);
        _options = options ?? new ReenactOptions();
        _options.Validate();
        _tracker = tracker;
        _avatar = avatar;
        _pool = new RgbImagePool(avatar.Width, avatar.Height);
        _easing = new FaceLossEasing(avatar.ExpressionDim, _options.NeutralTimeConstantS);
    }

    /// <summary>The settings in use.</summary>
    public ReenactOptions Options => _options;

    /// <summary>A snapshot of the current (or last) run; safe to read from any thread.</summary>
    public ReenactProgress Progress
    {
        get
        {
            long started = Interlocked.Read(ref _started);
            long dropped = (_toTrack?.Dropped ?? 0) + (_toRender?.Dropped ?? 0) + (_toEncode?.Dropped ?? 0);
            return new ReenactProgress(Interlocked.Read(ref _read), Interlocked.Read(ref _written), Interlocked.Read(ref _faces), dropped,
                started == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>
    /// Starts a run on its own threads and returns at once.
    /// </summary>
    /// <param name="source">The driver's frames in stream order (e.g. a video reader's frames). Enumerated on the decode thread.</param>
    /// <param name="sink">Receives the frames that reach the end, then <see cref="IReenactSink.Complete"/>.</param>
    /// <param name="observer">An optional last stage that sees every written frame (e.g. <see cref="ExpressionFidelityProbe"/>).</param>
    /// <param name="cancellation">Stops reading; what is in flight is drained and the sink completed (see the class notes).</param>
    /// <returns>
    /// A task with the run's summary; it faults with a <see cref="ReenactException"/> (the stage and what it threw) when a
    /// stage fails.
    /// </returns>
    /// <exception cref="InvalidOperationException">A run is already in progress on this instance.</exception>
    public Task<ReenactSummary> RunAsync(IEnumerable<VideoFrame> source, IReenactSink sink, IReenactObserver? observer = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(sink);
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0) throw new InvalidOperationException("a run is already in progress on this pipeline");

        _frames = [];
        _read = _written = _faces = _noFace = 0;
        _wallSeconds = 0;
        _stoppedEarly = false;
        _failure = null;
        _sinkCompleted = false;
        _abort = new CancellationTokenSource();
        _easing.Reset();
        _restPose.Reset();
        int cap = _options.Capacity;
        var policy = _options.Policy;
        _toTrack = new HandOff<ReenactFrame>(cap, policy, Recycle);
        _toRender = new HandOff<ReenactFrame>(cap, policy, Recycle);
        _toEncode = new HandOff<ReenactFrame>(cap, policy, Recycle);
        _toMeasure = observer is null ? null : new HandOff<ReenactFrame>(cap, policy, f => { Record(f); Recycle(f); });
        Interlocked.Exchange(ref _started, Stopwatch.GetTimestamp());

        var done = new TaskCompletionSource<ReenactSummary>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stages = new List<(ReenactStage Stage, Action Body)>
        {
            (ReenactStage.Decode, () => DecodeLoop(source, cancellation)),
            (ReenactStage.Track, TrackLoop),
            (ReenactStage.Render, RenderLoop),
            (ReenactStage.Encode, () => EncodeLoop(sink, observer is not null)),
        };
        if (observer is not null) stages.Add((ReenactStage.Measure, () => MeasureLoop(observer)));
        int alive = stages.Count;
        foreach (var (stage, body) in stages)
        {
            var thread = new Thread(() =>
            {
                try
                {
                    body();
                }
                catch (OperationCanceledException) when (_abort.IsCancellationRequested)
                {
                    // another stage failed: stop quietly
                }
                catch (Exception e)
                {
                    Fail(stage, e);
                }
                if (Interlocked.Decrement(ref alive) == 0) Finish(done);
            })
            { IsBackground = true, Name = $"npga-reenact-{stage.ToString().ToLowerInvariant()}" };
            thread.Start();
        }
        return done.Task;
    }

    private void Finish(TaskCompletionSource<ReenactSummary> done)
    {
        var summary = new ReenactSummary
        {
            FramesIn = Interlocked.Read(ref _read),
            FramesOut = Interlocked.Read(ref _written),
            FacesFound = Interlocked.Read(ref _faces),
            FramesWithoutFace = Interlocked.Read(ref _noFace),
            DroppedBefore = new Dictionary<ReenactStage, long>
            {
                [ReenactStage.Track] = _toTrack!.Dropped, [ReenactStage.Render] = _toRender!.Dropped,
                [ReenactStage.Encode] = _toEncode!.Dropped, [ReenactStage.Measure] = _toMeasure?.Dropped ?? 0,
            },
            Cancelled = _stoppedEarly,
            WallSeconds = _wallSeconds > 0 ? _wallSeconds : Stopwatch.GetElapsedTime(_started).TotalSeconds,
            Frames = _frames,
        };
        var failure = _failure;
        var stage = _failedStage;
        bool sinkCompleted = _sinkCompleted;
        _abort.Dispose();
        Volatile.Write(ref _running, 0);
        if (failure is null) done.SetResult(summary);
        else done.SetException(new ReenactException(stage, failure, sinkCompleted));
    }

    /// <summary>
    /// Records a failure. A source failure only stops reading (the rest drains, then the sink is completed); any other stops
    /// every stage at once, and is the one reported even when the source had failed first (the sink's state depends on it).
    /// </summary>
    private void Fail(ReenactStage stage, Exception e)
    {
        lock (_lock)
        {
            if (_failure is null || (_failedStage == ReenactStage.Decode && stage != ReenactStage.Decode))
            {
                _failure = e;
                _failedStage = stage;
            }
        }
        if (stage != ReenactStage.Decode) _abort.Cancel();
    }

    private void DecodeLoop(IEnumerable<VideoFrame> source, CancellationToken cancellation)
    {
        var abort = _abort.Token;
        try
        {
            using var frames = source.GetEnumerator();
            while (!abort.IsCancellationRequested)
            {
                if (cancellation.IsCancellationRequested)
                {
                    _stoppedEarly = true;
                    break;
                }
                long t0 = Stopwatch.GetTimestamp();
                if (!frames.MoveNext()) break;
                var frame = new ReenactFrame(frames.Current ?? throw new InvalidOperationException("the source gave a null frame"))
                {
                    DecodeMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds,
                    DecodedAt = Stopwatch.GetTimestamp(),
                };
                Interlocked.Increment(ref _read);
                _toTrack!.Put(frame, abort);
            }
        }
        finally
        {
            // Also when the source throws: the frames already read go on through the pipeline.
            _toTrack!.Complete();
        }
    }

    private void TrackLoop()
    {
        var abort = _abort.Token;
        try
        {
            var pace = _options.PaceTracking && _options.Policy == HandOffPolicy.DropOldest;
            while (true)
            {
                if (pace) _toRender!.WaitForRoom(abort);
                if (!_toTrack!.TryTake(out var frame, abort)) break;
                long t0 = Stopwatch.GetTimestamp();
                var result = _tracker.Track(frame.Driver);
                frame.TrackMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                frame.Track = result;
                if (result.Face) Interlocked.Increment(ref _faces);
                else Interlocked.Increment(ref _noFace);
                _toRender!.Put(frame, abort);
            }
        }
        finally
        {
            _toRender!.Complete();
        }
    }

    private void RenderLoop()
    {
        var abort = _abort.Token;
        try
        {
            while (_toRender!.TryTake(out var frame, abort))
            {
                var pose = frame.Track is { Face: true, Pose: { } p } ? _restPose.Relative(p) : null;
                var drive = _easing.Next(pose, frame.TimeS, pose is null ? default : frame.Track!.Gaze);
                var image = _pool.Rent();
                frame.PooledAvatar = image;
                var t = _avatar.Render(drive, image.Image);
                frame.Drive = drive;
                frame.DeformMs = t.FMs + t.GMs + t.ComposeMs;
                frame.RenderMs = t.ProjectMs + t.BinSortMs + t.RasterizeMs;
                frame.RefineMs = t.CnnMs;
                _toEncode!.Put(frame, abort);
            }
        }
        finally
        {
            _toEncode!.Complete();
        }
    }

    private void EncodeLoop(IReenactSink sink, bool observed)
    {
        var abort = _abort.Token;
        try
        {
            while (_toEncode!.TryTake(out var frame, abort))
            {
                long t0 = Stopwatch.GetTimestamp();
                sink.Write(frame);
                long t1 = Stopwatch.GetTimestamp();
                frame.EncodeMs = Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
                frame.LatencyMs = Stopwatch.GetElapsedTime(frame.DecodedAt, t1).TotalMilliseconds;
                Interlocked.Increment(ref _written);
                if (observed) _toMeasure!.Put(frame, abort);
                else
                {
                    Record(frame);
                    Recycle(frame);
                }
            }
            abort.ThrowIfCancellationRequested();
            sink.Complete();
            _sinkCompleted = true;
            _wallSeconds = Stopwatch.GetElapsedTime(_started).TotalSeconds;
        }
        finally
        {
            _toMeasure?.Complete();
        }
    }

    private void MeasureLoop(IReenactObserver observer)
    {
        var abort = _abort.Token;
        while (_toMeasure!.TryTake(out var frame, abort))
        {
            long t0 = Stopwatch.GetTimestamp();
            observer.Observe(frame);
            frame.MeasureMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            Record(frame);
            Recycle(frame);
        }
    }

    private void Record(ReenactFrame frame)
    {
        if (!_options.RecordFrameTimings) return;
        lock (_lock) _frames.Add(frame.Timings);
    }

    /// <summary>The frame's life is over (written and observed, or dropped by a hand-off): the pipeline's hold on its avatar
    /// image ends (the image goes back to the render pool once a sink that held it, an encoder, is done too), its driver
    /// image goes to the source's pool (<see cref="VideoFrame.Release"/>).</summary>
    private void Recycle(ReenactFrame frame)
    {
        frame.PooledAvatar?.Release();
        frame.PooledAvatar = null;
        frame.Driver.Release?.Invoke(frame.Driver.Image);
    }
}
