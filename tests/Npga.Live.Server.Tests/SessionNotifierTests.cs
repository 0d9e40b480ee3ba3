using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npga.Live.Server.Sessions;

namespace Npga.Live.Server.Tests;

/// <summary>
/// Sessions report through <see cref="ISessionNotifier"/>, not through SignalR: a <see cref="SessionManager"/> built with
/// fake notifiers (no hub, no network: the session's peer gets no offer) reports a session's stats and its end.
/// </summary>
public class SessionNotifierTests
{
    private sealed class FakeNotifier : ISessionNotifier
    {
        public ConcurrentQueue<string> Calls { get; } = new();

        public ConcurrentQueue<SessionStats> StatsSeen { get; } = new();

        public Task Answer(string sdp) => Record("Answer");

        public Task Candidate(IceCandidateMessage candidate) => Record("Candidate");

        public Task Stats(SessionStats stats)
        {
            StatsSeen.Enqueue(stats);
            return Record("Stats");
        }

        public Task Ended(string reason) => Record($"Ended({reason})");

        private Task Record(string call)
        {
            Calls.Enqueue(call);
            return Task.CompletedTask;
        }
    }

    private sealed class FakeNotifierFactory : ISessionNotifierFactory
    {
        public ConcurrentDictionary<string, FakeNotifier> ByConnection { get; } = new();

        public ISessionNotifier ForConnection(string connectionId) => ByConnection.GetOrAdd(connectionId, _ => new FakeNotifier());
    }

    private static SessionManager Manager(FakeNotifierFactory notifiers, out LiveOptions options)
    {
        NativeStartup.Run();
        options = LiveOptions.Load(new ConfigurationBuilder().Build(), o => o.ConnectTimeoutSeconds = 60);
        return new SessionManager(Options.Create(options), LiveAssets.Load(options), notifiers, NullLoggerFactory.Instance);
    }

    [Fact]
    public async Task A_hub_connections_session_reports_its_stats_and_its_end_to_that_connections_notifier()
    {
        var notifiers = new FakeNotifierFactory();
        using var sessions = Manager(notifiers, out var options);
        var session = sessions.Start("connection-1", options.DefaultAvatar, probe: false);
        var notifier = Assert.Single(notifiers.ByConnection, kv => kv.Key == "connection-1").Value;

        Assert.True(await TestServer.Eventually(() => !notifier.StatsSeen.IsEmpty, TimeSpan.FromSeconds(10)), "no Stats within 10 s");
        var stats = notifier.StatsSeen.First();
        Assert.Equal(options.DefaultAvatar, stats.Avatar);
        Assert.Equal("New", stats.State);

        sessions.End("connection-1", "left");
        Assert.Equal("left", await session.Ended.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("Ended(left)", notifier.Calls.Last());
        Assert.Single(notifier.Calls, c => c.StartsWith("Ended", StringComparison.Ordinal));
        Assert.DoesNotContain("Answer", notifier.Calls); // no offer, no answer
        Assert.Equal(0, sessions.SlotsInUse);
        Assert.Equal(1, sessions.SessionsEnded);
    }

    [Fact]
    public async Task A_session_that_ends_starts_a_background_collection_of_the_oldest_generation()
    {
        var notifiers = new FakeNotifierFactory();
        using var sessions = Manager(notifiers, out var options);
        var session = sessions.Start("connection-1", options.DefaultAvatar, probe: false);
        long before = GC.GetGCMemoryInfo(GCKind.Background).Index;

        sessions.End("connection-1", "left");
        await session.Ended.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(await TestServer.Eventually(() => sessions.SlotsInUse == 0, TimeSpan.FromSeconds(10)), "the session was not freed");
        Assert.True(await TestServer.Eventually(() => GC.GetGCMemoryInfo(GCKind.Background).Index > before, TimeSpan.FromSeconds(10)),
            "no background collection after the session was freed");
    }

    [Fact]
    public async Task A_session_started_with_its_own_notifier_reports_to_it_and_asks_the_factory_for_none()
    {
        var notifiers = new FakeNotifierFactory();
        using var sessions = Manager(notifiers, out var options);
        var own = new FakeNotifier();
        var session = sessions.Start("whip:abc", options.DefaultAvatar, false, own);
        session.End("deleted");
        Assert.Equal("deleted", await session.Ended.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("Ended(deleted)", own.Calls.Last());
        Assert.Empty(notifiers.ByConnection);
    }
}
