using Microsoft.Extensions.Logging;
using Npga.Live.Media.WebRtc;
using Npga.Live.Server.Sessions;

namespace Npga.Live.Server.Whip;

/// <summary>
/// One WHEP viewer at <c>/whep/viewers/{Id}</c>: a view-only <see cref="WebRtcPeer"/> (<see cref="WebRtcPeerOptions.ViewOnly"/>)
/// that gets a live session's avatar frames (<see cref="SessionViewers"/>; each viewer encodes them itself). It ends
/// exactly once (<see cref="End"/>): on DELETE, when its peer fails or closes, when it does not connect within the
/// connect timeout, or when the session ends; ending removes it from the session and frees the peer.
/// </summary>
public sealed class WhepViewer
{
    private readonly Action<WhepViewer> _onEnded;
    private readonly ILogger _log;
    private readonly Timer _connectTimer;
    private readonly List<(int, string)> _candidates = new();
    private readonly TaskCompletionSource<string> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _ended;

    /// <summary>Sets a viewer up (no network traffic until its offer is accepted).</summary>
    /// <exception cref="WebRtcException">GStreamer cannot be loaded.</exception>
    public WhepViewer(string id, LiveSession session, LiveOptions options, ILogger log, Action<WhepViewer> onEnded)
    {
        Id = id;
        Session = session;
        _log = log;
        _onEnded = onEnded;
        Peer = new WebRtcPeer(new WebRtcPeerOptions
        {
            OutputWidth = options.Width, OutputHeight = options.Height, OutputFps = options.Fps, BitrateKbps = options.BitrateKbps,
            StunServers = options.StunServers, TurnServers = options.TurnServers, ViewOnly = true, MediaTimeout = TimeSpan.Zero,
        });
        Peer.AnswerCreated += sdp => _answer.TrySetResult(sdp);
        Peer.LocalCandidate += (m, c) =>
        {
            lock (_candidates) _candidates.Add((m, c));
        };
        Peer.StateChanged += (state, reason) =>
        {
            if (state is WebRtcPeerState.Failed or WebRtcPeerState.Closed) End($"peer {state.ToString().ToLowerInvariant()}{(reason is null ? "" : $": {reason}")}");
        };
        _connectTimer = new Timer(_ =>
        {
            if (Peer.State != WebRtcPeerState.Connected) End($"the viewer did not connect within {options.ConnectTimeoutSeconds:0.#} s");
        }, null, TimeSpan.FromSeconds(options.ConnectTimeoutSeconds), Timeout.InfiniteTimeSpan);
        session.Ended.ContinueWith(_ => End("the session ended"), TaskScheduler.Default);
    }

    /// <summary>The resource id (128 random bits, hex).</summary>
    public string Id { get; }

    /// <summary>The session watched.</summary>
    public LiveSession Session { get; }

    /// <summary>The view-only peer.</summary>
    public WebRtcPeer Peer { get; }

    /// <summary>Whether <see cref="End"/> was called.</summary>
    public bool IsEnding => Volatile.Read(ref _ended) != 0;

    /// <summary>Answers the viewer's recvonly offer and returns the complete answer (every local candidate in it).</summary>
    /// <exception cref="WebRtcException">The offer is malformed, not recvonly video, or has no usable codec.</exception>
    /// <exception cref="TimeoutException">No answer in time.</exception>
    public async Task<string> Answer(string sdp, CancellationToken aborted)
    {
        await Task.Run(() => Peer.AcceptOffer(sdp), aborted).ConfigureAwait(false);
        return await NonTrickleAnswer.Complete(_answer.Task, () => Peer.IceGatheringComplete, () =>
        {
            lock (_candidates) return _candidates.ToList();
        }, aborted).ConfigureAwait(false);
    }

    /// <summary>Ends the viewer (idempotent; the peer is freed on the thread pool).</summary>
    public void End(string reason)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0) return;
        _connectTimer.Dispose();
        Session.Viewers.Remove(Peer);
        _log.LogInformation("WHEP viewer {Viewer} of session {Session} ending: {Reason}", Id, Session.Id, reason);
        _ = Task.Run(() =>
        {
            try
            {
                Peer.Dispose();
            }
            catch (Exception e)
            {
                _log.LogError(e, "WHEP viewer {Viewer}: freeing the peer failed", Id);
            }
            _onEnded(this);
        });
    }
}
