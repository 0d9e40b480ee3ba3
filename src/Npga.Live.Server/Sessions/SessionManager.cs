using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npga.Live.Pipeline.Live;
using Npga.Live.Server.Avatars;

namespace Npga.Live.Server.Sessions;

/// <summary>
/// The server's live sessions, one per hub connection, at most <see cref="LiveOptions.MaxSessions"/> at once: a slot is
/// taken on Join and handed back when the session has ended and freed what it held. A Join is also refused when one
/// more session would keep the renderer busier than <see cref="LiveOptions.MaxRenderLoad"/> (<see cref="RenderLoad"/>
/// with the newcomer counted as the sessions' mean): under overload the admitted sessions keep their frames, newcomers
/// are told <c>busy:</c>.
/// </summary>
public sealed class SessionManager : IDisposable
{
    private readonly LiveOptions _options;
    private readonly AvatarCatalog _catalog;
    private readonly ExpressionPresets? _presets;
    private readonly ISessionNotifierFactory _notifiers;
    private readonly ILoggerFactory _logs;
    private readonly StagePool _stages;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, LiveSession> _byConnection = new();
    private readonly object _slots = new();
    private int _taken;
    private long _started, _endedCount;

    /// <summary>Built by the host's dependency injection.</summary>
    /// <param name="options">The server's settings (<see cref="LiveOptions.MaxSessions"/>, the peer's and pipeline's).</param>
    /// <param name="assets">The avatars and presets sessions draw on.</param>
    /// <param name="notifiers">Where a session started for a hub connection reports (the hub's adapter in the server).</param>
    /// <param name="logs">The sessions' loggers.</param>
    public SessionManager(IOptions<LiveOptions> options, LiveAssets assets, ISessionNotifierFactory notifiers, ILoggerFactory logs)
    {
        _options = options.Value;
        _catalog = assets.Catalog;
        _presets = assets.Presets;
        _stages = new StagePool(_options, _catalog, _presets);
        _notifiers = notifiers;
        _logs = logs;
        _log = logs.CreateLogger<SessionManager>();
    }

    /// <summary>Sessions now.</summary>
    public IReadOnlyCollection<LiveSession> Sessions => _byConnection.Values.ToList();

    /// <summary>Slots in use (sessions running or still freeing what they held).</summary>
    public int SlotsInUse
    {
        get { lock (_slots) return _taken; }
    }

    /// <summary>
    /// The running sessions' render load: per session the share of the last 2 s its render stage was busy
    /// (<see cref="LiveSession.RenderLoad"/>), summed; a session not ending that has rendered nothing in that time (it is
    /// still connecting, or its camera paused) counts as the mean of those that have, or 0 when none has. 1 is one
    /// session rendering without pause on every core.
    /// </summary>
    public double RenderLoad => Loads().Total;

    /// <summary>The sessions' render load (<see cref="RenderLoad"/>) and its mean per session that has rendered (0 when none has).</summary>
    private (double Total, double Mean) Loads()
    {
        var loads = new List<double>();
        int waiting = 0;
        foreach (var session in _byConnection.Values)
        {
            if (session.IsEnding) continue;
            if (session.RenderLoad is { } load) loads.Add(load);
            else waiting++;
        }
        return loads.Count == 0 ? (0, 0) : (loads.Sum() + waiting * loads.Average(), loads.Average());
    }

    /// <summary>Joins refused because of <see cref="RenderLoad"/> since the server started.</summary>
    public long RefusedByLoad => Interlocked.Read(ref _refusedByLoad);

    private long _refusedByLoad;

    /// <summary>Tracker/avatar stage pairs built so far (at most the most sessions that ever ran at once).</summary>
    public int StagesBuilt => _stages.Created;

    /// <summary>Sessions started since the server started.</summary>
    public long SessionsStarted => Interlocked.Read(ref _started);

    /// <summary>Sessions ended since the server started.</summary>
    public long SessionsEnded => Interlocked.Read(ref _endedCount);

    /// <summary>The avatars and presets sessions use.</summary>
    public AvatarCatalog Catalog => _catalog;

    /// <summary>The expression pad's corners, or null.</summary>
    public ExpressionPresets? Presets => _presets;

    /// <summary>The avatar a session starts with when it names none.</summary>
    public string DefaultAvatar => _options.DefaultAvatar;

    /// <summary>
    /// The avatar a session starts with: <paramref name="requested"/>, else <see cref="DefaultAvatar"/>, or, when
    /// <paramref name="allowed"/> (a join token's avatars; empty: all) leaves that out, the first allowed. Not checked
    /// against the catalogue.
    /// </summary>
    public string AvatarFor(string? requested, IReadOnlyList<string> allowed) =>
        requested ?? (allowed.Count == 0 || allowed.Contains(DefaultAvatar) ? DefaultAvatar : allowed[0]);

    /// <summary>The avatars offered to a client limited to <paramref name="allowed"/> (empty: every one in the catalogue), in catalogue order.</summary>
    public IReadOnlyList<AvatarEntry> OfferedTo(IReadOnlyList<string> allowed) =>
        _catalog.Entries.Where(a => allowed.Count == 0 || allowed.Contains(a.Id)).ToList();

    /// <summary>The STUN/TURN servers of the settings in the browser's <c>RTCIceServer</c> shape.</summary>
    /// <exception cref="FormatException">A TURN url without user and password (checked at start-up).</exception>
    public IReadOnlyList<IceServerInfo> IceServers => _iceServers ??= BuildIceServers(_options);

    private IReadOnlyList<IceServerInfo>? _iceServers;

    /// <summary>Turns <c>stun://host:port</c> and <c>turn://user:password@host:port</c> into RTCIceServer entries.</summary>
    /// <exception cref="FormatException">A url that is neither, or a TURN url without credentials.</exception>
    public static IReadOnlyList<IceServerInfo> BuildIceServers(LiveOptions options)
    {
        var list = new List<IceServerInfo>();
        foreach (var s in options.StunServers)
        {
            if (!Uri.TryCreate(s, UriKind.Absolute, out var u) || u.Scheme != "stun") throw new FormatException($"not a stun://host:port url: {s}");
            list.Add(new IceServerInfo([$"stun:{u.Host}:{(u.Port > 0 ? u.Port : 3478)}"]));
        }
        foreach (var s in options.TurnServers)
        {
            if (!Uri.TryCreate(s, UriKind.Absolute, out var u) || u.Scheme != "turn") throw new FormatException($"not a turn://user:password@host:port url: {s}");
            var cred = Uri.UnescapeDataString(u.UserInfo).Split(':', 2);
            if (cred.Length != 2 || cred[0].Length == 0) throw new FormatException($"a TURN url needs user:password@: {u.Host}");
            list.Add(new IceServerInfo([$"turn:{u.Host}:{(u.Port > 0 ? u.Port : 3478)}"], cred[0], cred[1]));
        }
        return list;
    }

    /// <summary>The session of a hub connection, or null.</summary>
    public LiveSession? Find(string connectionId) => _byConnection.TryGetValue(connectionId, out var s) ? s : null;

    /// <summary>Starts a session for the hub connection <paramref name="connectionId"/>, reporting to that connection's notifier (<see cref="ISessionNotifierFactory.ForConnection"/>).</summary>
    /// <exception cref="ServerBusyException">Every slot is taken, or the sessions' rendering keeps the machine busy (<see cref="LiveOptions.MaxRenderLoad"/>).</exception>
    /// <exception cref="InvalidOperationException">The connection already has a session.</exception>
    /// <exception cref="KeyNotFoundException">No such avatar.</exception>
    public LiveSession Start(string connectionId, string avatarId, bool probe) => Start(connectionId, avatarId, probe, _notifiers.ForConnection(connectionId));

    /// <summary>
    /// Starts a session for <paramref name="connectionId"/> that reports to <paramref name="notifier"/> instead of a hub
    /// connection (a WHIP resource: its key is not a hub connection id). <c>peerOptions</c>, when not null, adjusts the
    /// session's WebRTC peer settings (see <see cref="LiveSession"/>'s constructor).
    /// </summary>
    /// <exception cref="ServerBusyException">Every slot is taken, or the sessions' rendering keeps the machine busy (<see cref="LiveOptions.MaxRenderLoad"/>).</exception>
    /// <exception cref="InvalidOperationException">The key already has a session.</exception>
    /// <exception cref="KeyNotFoundException">No such avatar.</exception>
    public LiveSession Start(string connectionId, string avatarId, bool probe, ISessionNotifier notifier,
        Func<Npga.Live.Media.WebRtc.WebRtcPeerOptions, Npga.Live.Media.WebRtc.WebRtcPeerOptions>? peerOptions = null)
    {
        // A session that is ending may still be freeing what it held: a new one may start beside it (its slot counts
        // until it is free, and its removal from the map only removes itself).
        if (_byConnection.TryGetValue(connectionId, out var current) && !current.IsEnding)
            throw new InvalidOperationException("this connection already has a session; call Leave first");
        lock (_slots)
        {
            if (_taken >= _options.MaxSessions) throw new ServerBusyException(_taken, _options.MaxSessions);
            // The newcomer is expected to render like the sessions running (same cores, avatars alike): admitted only if
            // the load with it stays within the limit. Measured on 2 cores with the default avatar, one session's load is
            // 0.85-1.0; a second admitted beside it took both from 22-23 to 4-5 fps received (docs/BENCHMARKS.md).
            if (_options.MaxRenderLoad > 0 && _taken > 0 && Loads() is var (load, mean) && load + mean > _options.MaxRenderLoad)
            {
                Interlocked.Increment(ref _refusedByLoad);
                throw ServerBusyException.AtCapacity(_taken, load, load + mean, _options.MaxRenderLoad);
            }
            _taken++;
        }
        try
        {
            var id = Guid.NewGuid().ToString("n")[..12];
            var session = new LiveSession(id, connectionId, _options, _stages, avatarId, probe, notifier,
                _logs.CreateLogger($"Npga.Live.Server.Session"), Release, peerOptions);
            _byConnection[connectionId] = session;
            Interlocked.Increment(ref _started);
            return session;
        }
        catch
        {
            lock (_slots) _taken--;
            throw;
        }
    }

    /// <summary>Ends the session of <paramref name="connectionId"/>, if any (it frees itself in the background).</summary>
    public void End(string connectionId, string reason) => Find(connectionId)?.End(reason);

    private void Release(LiveSession session)
    {
        _byConnection.TryRemove(new KeyValuePair<string, LiveSession>(session.ConnectionId, session));
        lock (_slots) _taken--;
        Interlocked.Increment(ref _endedCount);
        NativeHeap.Trim();
        CollectOldGarbage();
        _log.LogInformation("session {Session} freed; {Used} of {Max} slots in use", session.Id, SlotsInUse, _options.MaxSessions);
    }

    /// <summary>
    /// Starts a background collection of every generation (the other sessions' frames go on beside it). What a session
    /// leaves, and what its frames left while it ran, has mostly been promoted to the oldest generation, which the GC
    /// collects only when that generation's budget runs out: measured over a 30-minute soak (two pages rejoining every 2
    /// minutes, docs/BENCHMARKS.md), the heap grew 4.8 MB/min with 2 full collections in the run while what was live held
    /// at 140-141 MB (heap dumps at 6, 10 and 13 minutes), so the resident size climbed with dead objects.
    /// </summary>
    private static void CollectOldGarbage() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: false);

    /// <summary>Ends every session and waits (up to 10 s) until they have freed what they held.</summary>
    public void Dispose()
    {
        var all = _byConnection.Values.ToList();
        foreach (var s in all) s.End("the server is shutting down");
        Task.WhenAll(all.Select(s => s.Ended)).Wait(TimeSpan.FromSeconds(10));
        _stages.Dispose();
    }
}

/// <summary>Every session slot is taken, or the machine is at capacity; the message starts with <c>busy:</c> as the page expects.</summary>
public sealed class ServerBusyException : Exception
{
    /// <summary>Every one of <paramref name="max"/> slots is taken (<paramref name="used"/>).</summary>
    public ServerBusyException(int used, int max) : this($"busy: {used} of {max} sessions in use; try again shortly")
    {
    }

    private ServerBusyException(string message) : base(message)
    {
    }

    /// <summary>
    /// One more session would keep the renderer busier than <paramref name="max"/>: the <paramref name="sessions"/> running
    /// keep it busy <paramref name="load"/> of the time (<see cref="SessionManager.RenderLoad"/>), <paramref name="withOneMore"/> with a newcomer.
    /// </summary>
    public static ServerBusyException AtCapacity(int sessions, double load, double withOneMore, double max) => new(string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"busy: the server is at capacity ({(sessions == 1 ? "1 session keeps" : $"{sessions} sessions keep")} its renderer busy {100 * load:F0}% of the time, {100 * withOneMore:F0}% with one more; the limit is {100 * max:F0}%); try again shortly"));
}
