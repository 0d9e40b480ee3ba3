using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npga.Live.Media.WebRtc;
using Npga.Live.Pipeline.Live;
using Npga.Live.Pipeline.Reenact;
using Npga.Live.Server.Avatars;

namespace Npga.Live.Server.Sessions;

/// <summary>
/// One viewer's live reenactment: a <see cref="WebRtcPeer"/> (webcam in, avatar out), the shared frame pipeline
/// (<see cref="ReenactPipeline"/> with newest-frame-wins hand-offs: <see cref="FaceTrackStage"/> →
/// <see cref="AvatarStage"/> → <see cref="PeerFrameSink"/>), the viewer's <see cref="LiveControls"/>, a stats timer
/// and a connect timeout. It ends exactly once (<see cref="End"/>): when the viewer leaves, the hub connection drops, the
/// peer fails or closes, the peer does not connect in time, or the pipeline fails; ending stops the pipeline, hands the
/// stages back to the <see cref="StagePool"/>, frees the peer, reports why (<see cref="ISessionNotifier.Ended"/>) and hands the slot back.
/// </summary>
public sealed class LiveSession
{
    private readonly LiveOptions _options;
    private readonly ISessionNotifier _notifier;
    private readonly ILogger _log;
    private readonly Action<LiveSession> _onEnded;
    private readonly WebRtcPeer _peer;
    private readonly StagePool _pool;
    private readonly SessionStages _stages;
    private readonly AvatarStage _avatar;
    private readonly ReenactPipeline _pipeline;
    private readonly StageWindow _window = new();
    private readonly object _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<string> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long _startedAt = Stopwatch.GetTimestamp();
    private readonly Timer _statsTimer, _connectTimer;
    private PeerFrameSink? _sink;
    private Task<ReenactSummary>? _run;
    private int _offered, _ending;
    private long _lastIn, _lastOut, _lastStatsAt;
    private volatile WebRtcPeerState _state = WebRtcPeerState.New;

    /// <summary>Sets a session up (no network traffic until <see cref="AcceptOffer"/>).</summary>
    /// <param name="id">Session id.</param>
    /// <param name="connectionId">The hub connection it belongs to.</param>
    /// <param name="options">Server settings (size, codec rate, STUN/TURN, timeouts).</param>
    /// <param name="pool">Where the session's tracker and avatar stages come from (and go back to when it ends).</param>
    /// <param name="avatarId">The first avatar.</param>
    /// <param name="probe">Copy frame codes from webcam frames into avatar frames.</param>
    /// <param name="notifier">Where the session reports its answer, candidates, stats and end (the page over the hub, a WHIP client).</param>
    /// <param name="log">Where the session's events are logged.</param>
    /// <param name="onEnded">Called once when the session has ended and freed what it held.</param>
    /// <param name="peerOptions">
    /// Adjusts the peer's settings (WHIP: <see cref="WebRtcPeerOptions.IgnoreAudio"/>, and <see cref="WebRtcPeerOptions.ReceiveOnly"/>
    /// for a client that only sends); null for a hub session's.
    /// </param>
    /// <exception cref="KeyNotFoundException">No such avatar.</exception>
    /// <exception cref="Npga.Live.Avatar.AvatarFormatException">The avatar package is damaged.</exception>
    /// <exception cref="Npga.Live.Media.MediaException">The WebRTC peer cannot be built (GStreamer plugins missing).</exception>
    public LiveSession(string id, string connectionId, LiveOptions options, StagePool pool, string avatarId, bool probe,
        ISessionNotifier notifier, ILogger log, Action<LiveSession> onEnded, Func<WebRtcPeerOptions, WebRtcPeerOptions>? peerOptions = null)
    {
        Id = id;
        ConnectionId = connectionId;
        Probe = probe;
        _options = options;
        _notifier = notifier;
        _log = log;
        _onEnded = onEnded;
        _pool = pool;
        _stages = pool.Rent(avatarId, Controls);
        try
        {
            var settings = new WebRtcPeerOptions
            {
                OutputWidth = options.Width, OutputHeight = options.Height, OutputFps = options.Fps, BitrateKbps = options.BitrateKbps,
                StunServers = options.StunServers, TurnServers = options.TurnServers,
            };
            _peer = new WebRtcPeer(peerOptions is null ? settings : peerOptions(settings));
        }
        catch
        {
            pool.Return(_stages);
            throw;
        }
        _avatar = _stages.Avatar;
        _pipeline = new ReenactPipeline(_stages.Tracker, _avatar,
            new ReenactOptions { Policy = HandOffPolicy.DropOldest, Capacity = 1, RecordFrameTimings = false, PaceTracking = options.PaceTracking });
        _peer.AnswerCreated += sdp => Send(() => _notifier.Answer(sdp));
        _peer.LocalCandidate += (mline, candidate) => Send(() => _notifier.Candidate(new IceCandidateMessage(candidate, mline)));
        _peer.StateChanged += OnPeerState;
        _statsTimer = new Timer(_ => SendStats(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        _connectTimer = new Timer(_ =>
        {
            if (_state != WebRtcPeerState.Connected) End($"the peer did not connect within {_options.ConnectTimeoutSeconds:0.#} s");
        }, null, TimeSpan.FromSeconds(options.ConnectTimeoutSeconds), Timeout.InfiniteTimeSpan);
        _log.LogInformation("session {Session} joined (connection {Connection}, avatar {Avatar}, probe {Probe})", id, connectionId, avatarId, probe);
    }

    /// <summary>Session id.</summary>
    public string Id { get; }

    /// <summary>The hub connection the session belongs to.</summary>
    public string ConnectionId { get; }

    /// <summary>Whether frame codes are copied.</summary>
    public bool Probe { get; }

    /// <summary>Whether the session is ending or has ended (<see cref="End"/> was called).</summary>
    public bool IsEnding => Volatile.Read(ref _ending) != 0;

    /// <summary>What the viewer controls.</summary>
    public LiveControls Controls { get; } = new();

    /// <summary>The view-only peers (WHEP) that get this session's avatar frames too; their owner adds, removes and frees them.</summary>
    public SessionViewers Viewers { get; } = new();

    /// <summary>Whether the session's peer has gathered every local ICE candidate (<see cref="WebRtcPeer.IceGatheringComplete"/>).</summary>
    public bool IceGatheringComplete => Volatile.Read(ref _ending) == 0 && _peer.IceGatheringComplete;

    /// <summary>Completes with the reason once the session has ended and freed everything.</summary>
    public Task<string> Ended => _ended.Task;

    /// <summary>The session's figures now (the last second's medians).</summary>
    public SessionStats Stats
    {
        get
        {
            var m = _window.Medians(TimeSpan.FromSeconds(1));
            return new SessionStats(_fpsIn, _fpsOut, _sink?.LastFace ?? false, Finite(m.Track), Finite(m.Render), Finite(m.Encode), Finite(m.Latency),
                _pipeline.Progress.Dropped, _avatar.AvatarId, _state.ToString(), _avatar.Refining);
        }
    }

    /// <summary>Share of the last 2 s the session's render stage was busy (<see cref="StageWindow.RenderLoad"/>); null when it rendered nothing in it.</summary>
    public double? RenderLoad => _window.RenderLoad(TimeSpan.FromSeconds(2));

    private double _fpsIn, _fpsOut;

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;

    /// <summary>Answers the page's offer and starts the pipeline (the answer and candidates go to the notifier as they come).</summary>
    /// <exception cref="InvalidOperationException">An offer was already accepted, or the session has ended.</exception>
    /// <exception cref="WebRtcException">The offer is malformed or has no video the server can decode; the session is then ended.</exception>
    public void AcceptOffer(string sdp)
    {
        lock (_gate) Accept(sdp);
    }

    private void Accept(string sdp)
    {
        if (Volatile.Read(ref _ending) != 0) throw new InvalidOperationException("the session has ended");
        if (Interlocked.Exchange(ref _offered, 1) != 0) throw new InvalidOperationException("this session already has an offer; join again to renegotiate");
        try
        {
            _peer.AcceptOffer(sdp);
        }
        catch (WebRtcException e)
        {
            End($"bad offer: {e.Message}");
            throw;
        }
        _sink = new PeerFrameSink(_peer, Probe, _startedAt, _window, Viewers);
        _run = _pipeline.RunAsync(new PeerFrameSource(_peer, _startedAt, _stop.Token), _sink, null, _stop.Token);
        _run.ContinueWith(t =>
        {
            if (t.IsFaulted) End($"pipeline failed: {t.Exception!.InnerException?.Message}");
        }, TaskScheduler.Default);
    }

    /// <summary>Adds one of the page's ICE candidates (<see cref="WebRtcPeer.AddRemoteCandidate"/>); ignored once the session is ending.</summary>
    /// <exception cref="ArgumentException">An m-line index out of range.</exception>
    /// <exception cref="WebRtcException">A malformed or over-long candidate, or more than <see cref="WebRtcPeer.MaxRemoteCandidates"/>.</exception>
    public void AddCandidate(IceCandidateMessage candidate)
    {
        if (Volatile.Read(ref _ending) != 0) return;
        _peer.AddRemoteCandidate(candidate.SdpMLineIndex, candidate.Candidate);
    }

    /// <summary>
    /// Ends the session (idempotent; returns at once, the work runs on the thread pool): stops the pipeline (what is in
    /// flight drains), frees the stages and the peer, reports <see cref="ISessionNotifier.Ended"/> with the reason, then calls the owner back.
    /// </summary>
    public void End(string reason)
    {
        lock (_gate)
        {
            if (Interlocked.Exchange(ref _ending, 1) != 0) return;
        }
        _ = Task.Run(() => Teardown(reason));
    }

    private async Task Teardown(string reason)
    {
        _log.LogInformation("session {Session} ending: {Reason}", Id, reason);
        _statsTimer.Dispose();
        _connectTimer.Dispose();
        _stop.Cancel();
        bool stopped = true;
        if (_run is not null)
        {
            var finished = await Task.WhenAny(_run, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
            stopped = finished == _run;
        }
        if (stopped) _pool.Return(_stages);
        else
        {
            _log.LogError("session {Session}: the pipeline did not stop within 5 s; its stages are not reused", Id);
        }
        try
        {
            _peer.Dispose();
        }
        catch (Exception e)
        {
            _log.LogError(e, "session {Session}: freeing the WebRTC peer failed", Id);
        }
        _stop.Dispose();
        try
        {
            await _notifier.Ended(reason).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // the page may be gone: nothing to tell
        }
        _onEnded(this);
        _ended.TrySetResult(reason);
    }

    private void OnPeerState(WebRtcPeerState state, string? reason)
    {
        _state = state;
        _log.LogInformation("session {Session}: peer {State}{Reason}", Id, state, reason is null ? "" : $" ({reason})");
        if (state is WebRtcPeerState.Failed or WebRtcPeerState.Closed) End(reason is null ? $"peer {state.ToString().ToLowerInvariant()}" : $"peer {state.ToString().ToLowerInvariant()}: {reason}");
    }

    private void SendStats()
    {
        long now = Stopwatch.GetTimestamp();
        long inNow = _peer.FramesReceived, outNow = _peer.FramesSent;
        if (_lastStatsAt != 0)
        {
            double s = Stopwatch.GetElapsedTime(_lastStatsAt, now).TotalSeconds;
            _fpsIn = (inNow - _lastIn) / s;
            _fpsOut = (outNow - _lastOut) / s;
        }
        (_lastIn, _lastOut, _lastStatsAt) = (inNow, outNow, now);
        if (Volatile.Read(ref _ending) == 0) Send(() => _notifier.Stats(Stats));
    }

    /// <summary>Reports to the notifier without blocking the caller (GLib and timer threads); failures are logged.</summary>
    private void Send(Func<Task> call)
    {
        Task.Run(async () =>
        {
            try
            {
                await call().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _log.LogDebug(e, "session {Session}: a report to the notifier was not delivered", Id);
            }
        });
    }
}
