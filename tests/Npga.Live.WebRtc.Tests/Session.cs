using System.Diagnostics;
using Npga.Live.Media.WebRtc;

namespace Npga.Live.WebRtc.Tests;

/// <summary>
/// A <see cref="WebRtcPeer"/> (the server's answerer) and a <see cref="TestOfferer"/> (the
/// browser) signalling to each other in-process: offer → AcceptOffer → answer, candidates both
/// ways as they come. Records every state change with its time.
/// </summary>
public sealed class Session : IDisposable
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly object _lock = new();
    private readonly List<(WebRtcPeerState State, string? Reason, TimeSpan At)> _states = new();

    private Session(WebRtcPeer peer, TestOfferer offerer)
    {
        Peer = peer;
        Offerer = offerer;
    }

    public WebRtcPeer Peer { get; }
    public TestOfferer Offerer { get; }

    /// <summary>The peer's SDP answer, once <see cref="WebRtcPeer.AnswerCreated"/> was raised.</summary>
    public string? Answer { get; private set; }

    /// <summary>Time since the session was made.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <param name="options">The answerer's settings.</param>
    /// <param name="codec">The offerer's video codec.</param>
    /// <param name="obs">Offer like OBS Studio's WHIP output (sendonly audio and video; see <see cref="TestOfferer"/>).</param>
    public static Session Start(WebRtcPeerOptions options, string codec = "VP8", bool obs = false)
    {
        var peer = new WebRtcPeer(options);
        TestOfferer? offerer = null;
        try
        {
            offerer = new TestOfferer(codec, obs);
            var session = new Session(peer, offerer);
            peer.StateChanged += session.Record;
            peer.AnswerCreated += sdp => session.Answer = sdp;
            peer.AnswerCreated += offerer.AcceptAnswer;
            peer.LocalCandidate += offerer.AddCandidate;
            offerer.CandidateGathered += (mline, candidate) =>
            {
                try { peer.AddRemoteCandidate(mline, candidate); }
                catch (ObjectDisposedException) { /* the test is over */ }
            };
            peer.AcceptOffer(offerer.CreateOffer());
            return session;
        }
        catch
        {
            peer.Dispose();
            offerer?.Dispose();
            throw;
        }
    }

    /// <summary>The state changes so far, in order.</summary>
    public IReadOnlyList<(WebRtcPeerState State, string? Reason, TimeSpan At)> States
    {
        get { lock (_lock) return _states.ToList(); }
    }

    /// <summary>Waits until one of <paramref name="states"/> was reported; returns it (with reason and time) or null at the timeout.</summary>
    public (WebRtcPeerState State, string? Reason, TimeSpan At)? WaitFor(TimeSpan timeout, params WebRtcPeerState[] states)
    {
        var deadline = _clock.Elapsed + timeout;
        lock (_lock)
        {
            while (true)
            {
                foreach (var s in _states)
                    if (states.Contains(s.State)) return s;
                var left = deadline - _clock.Elapsed;
                if (left <= TimeSpan.Zero) return null;
                Monitor.Wait(_lock, left);
            }
        }
    }

    /// <summary>Waits for Connected and fails the test with the reason when the peer failed instead.</summary>
    public void WaitConnected(TimeSpan timeout)
    {
        var s = WaitFor(timeout, WebRtcPeerState.Connected, WebRtcPeerState.Failed, WebRtcPeerState.Closed);
        Assert.True(s is not null, $"not connected within {timeout.TotalSeconds} s; states: {Describe()}");
        Assert.True(s.Value.State == WebRtcPeerState.Connected, $"the peer did not connect: {Describe()}");
    }

    public string Describe() => string.Join(", ", States.Select(s => $"{s.State}@{s.At.TotalSeconds:0.00}s{(s.Reason is null ? "" : $" ({s.Reason})")}"));

    public void Dispose()
    {
        Peer.Dispose();
        Offerer.Dispose();
    }

    private void Record(WebRtcPeerState state, string? reason)
    {
        lock (_lock)
        {
            _states.Add((state, reason, _clock.Elapsed));
            Monitor.PulseAll(_lock);
        }
    }
}
