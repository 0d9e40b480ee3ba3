using Microsoft.AspNetCore.SignalR;
using Npga.Live.Server.Sessions;

namespace Npga.Live.Server.Signaling;

/// <summary>A session's reports sent to its page over the hub, as the <see cref="ILiveClient"/> messages of docs/LIVE.md.</summary>
/// <param name="client">The page's connection (<c>IHubContext.Clients.Client(id)</c>).</param>
internal sealed class HubSessionNotifier(ILiveClient client) : ISessionNotifier
{
    public Task Answer(string sdp) => client.Answer(sdp);

    public Task Candidate(IceCandidateMessage candidate) => client.Candidate(candidate);

    public Task Stats(SessionStats stats) => client.Stats(stats);

    public Task Ended(string reason) => client.Ended(reason);
}

/// <summary>The hub's <see cref="ISessionNotifierFactory"/>: a connection's notifier sends through the hub context, so it
/// outlives the hub call that started the session.</summary>
/// <param name="hub">The hub's context (dependency injection).</param>
internal sealed class HubSessionNotifierFactory(IHubContext<LiveHub, ILiveClient> hub) : ISessionNotifierFactory
{
    public ISessionNotifier ForConnection(string connectionId) => new HubSessionNotifier(hub.Clients.Client(connectionId));
}
