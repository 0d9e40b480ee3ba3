namespace Npga.Live.Server.Whip;

/// <summary>
/// Waits for a non-trickle answer (WHIP/WHEP send one answer holding every server candidate): the SDP answer, then ICE
/// gathering complete (host candidates on the machine's interfaces: well under a second), bounded, then the candidates
/// spliced in (<see cref="SdpCandidates.Insert"/>).
/// </summary>
internal static class NonTrickleAnswer
{
    /// <summary>Longest wait for the answer itself.</summary>
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Longest wait for gathering to complete after the answer; past it the answer goes with what was gathered.</summary>
    public static readonly TimeSpan GatherTimeout = TimeSpan.FromSeconds(3);

    /// <summary>The complete answer.</summary>
    /// <exception cref="TimeoutException">No answer within <see cref="AnswerTimeout"/>.</exception>
    /// <exception cref="InvalidOperationException">The session ended before answering.</exception>
    public static async Task<string> Complete(Task<string> answer, Func<bool> gathered, Func<IReadOnlyList<(int MLine, string Candidate)>> candidates, CancellationToken aborted)
    {
        var sdp = await answer.WaitAsync(AnswerTimeout, aborted).ConfigureAwait(false);
        var until = DateTime.UtcNow + GatherTimeout;
        while (!gathered() && DateTime.UtcNow < until) await Task.Delay(20, aborted).ConfigureAwait(false);
        // The last candidates are raised on the thread pool after webrtcbin says gathering is complete.
        await Task.Delay(100, aborted).ConfigureAwait(false);
        return SdpCandidates.Insert(sdp, candidates());
    }
}
