using Npga.Live.Server.Sessions;

namespace Npga.Live.Server.Signaling;

/// <summary>What the server calls on a page (SignalR client methods, docs/LIVE.md).</summary>
public interface ILiveClient
{
    /// <summary>The server's SDP answer to the page's offer.</summary>
    Task Answer(string sdp);

    /// <summary>A local ICE candidate of the server.</summary>
    Task Candidate(IceCandidateMessage candidate);

    /// <summary>The session's figures, about once a second.</summary>
    Task Stats(SessionStats stats);

    /// <summary>The session is over, and why.</summary>
    Task Ended(string reason);
}
