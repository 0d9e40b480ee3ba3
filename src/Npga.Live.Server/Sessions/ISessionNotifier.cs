namespace Npga.Live.Server.Sessions;

/// <summary>
/// What a live session reports to whoever drives it: its SDP answer and local ICE candidates as the peer makes them, its
/// figures about once a second, and, once, that it has ended and why. A session calls these from GLib and timer threads
/// without waiting on them (a fault is logged at Debug and dropped); the end notice is given up after 2 s. The server
/// implements it for a page (the hub's <c>Answer</c>, <c>Candidate</c>, <c>Stats</c> and <c>Ended</c> messages,
/// docs/LIVE.md) and for a WHIP client (the answer and candidates collected for one HTTP answer); sessions know neither.
/// </summary>
public interface ISessionNotifier
{
    /// <summary>The session's SDP answer to the offer it accepted.</summary>
    Task Answer(string sdp);

    /// <summary>One of the session's local ICE candidates.</summary>
    Task Candidate(IceCandidateMessage candidate);

    /// <summary>The session's figures (<see cref="LiveSession.Stats"/>), about once a second while it runs.</summary>
    Task Stats(SessionStats stats);

    /// <summary>The session has ended and freed what it held; <paramref name="reason"/> says why (sent once).</summary>
    Task Ended(string reason);
}

/// <summary>
/// Gives <see cref="SessionManager"/> the <see cref="ISessionNotifier"/> of a hub connection, for the sessions it starts
/// by connection id (the server's implementation sends through the hub).
/// </summary>
public interface ISessionNotifierFactory
{
    /// <summary>The notifier that reaches the connection <paramref name="connectionId"/> (nothing is sent on creation).</summary>
    ISessionNotifier ForConnection(string connectionId);
}
