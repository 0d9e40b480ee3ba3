using Npga.Live.Server.Sessions;

namespace Npga.Live.Server.Whip;

/// <summary>
/// The "page" of a live session started by WHIP: there is no hub connection to call, so the session's answer and local
/// candidates are collected here for the one HTTP answer (non-trickle), and its stats and end notice are dropped.
/// </summary>
internal sealed class WhipClient : ISessionNotifier
{
    private readonly TaskCompletionSource<string> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(int MLine, string Candidate)> _candidates = new();

    /// <summary>Completes with the session's SDP answer.</summary>
    public Task<string> AnswerReady => _answer.Task;

    /// <summary>The local candidates so far.</summary>
    public IReadOnlyList<(int MLine, string Candidate)> Candidates
    {
        get { lock (_candidates) return _candidates.ToList(); }
    }

    public Task Answer(string sdp)
    {
        _answer.TrySetResult(sdp);
        return Task.CompletedTask;
    }

    public Task Candidate(IceCandidateMessage candidate)
    {
        lock (_candidates) _candidates.Add((candidate.SdpMLineIndex, candidate.Candidate));
        return Task.CompletedTask;
    }

    public Task Stats(SessionStats stats) => Task.CompletedTask;

    public Task Ended(string reason)
    {
        _answer.TrySetException(new InvalidOperationException($"the session ended: {reason}"));
        return Task.CompletedTask;
    }
}
