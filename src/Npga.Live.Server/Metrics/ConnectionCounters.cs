using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Npga.Live.Server.Metrics;

/// <summary>
/// What hub connections did that the server refused, counted since start and shown by <c>/metrics</c>: hub calls
/// answered with an error (per hub method: calls without a session, bad arguments, bad offers or candidates, a full
/// server) and connections closed because the client sent nothing for the client timeout. Thread-safe.
/// </summary>
public sealed class ConnectionCounters
{
    private readonly ConcurrentDictionary<string, StrongBox<long>> _refused = new(StringComparer.Ordinal);
    private long _idleClosed;

    /// <summary>Counts one call of hub method <paramref name="method"/> answered with an error.</summary>
    /// <param name="method">The hub method's name (one of the hub's methods, so the set of names is bounded).</param>
    public void CallRefused(string method)
    {
        var box = _refused.GetOrAdd(method, static _ => new StrongBox<long>());
        Interlocked.Increment(ref box.Value);
    }

    /// <summary>Counts one connection closed for sending nothing.</summary>
    public void IdleClosed() => Interlocked.Increment(ref _idleClosed);

    /// <summary>Hub calls answered with an error so far, per hub method, ordered by name.</summary>
    public IReadOnlyList<(string Method, long Count)> CallsRefused =>
        _refused.Select(kv => (kv.Key, Interlocked.Read(ref kv.Value.Value))).OrderBy(x => x.Key, StringComparer.Ordinal).ToList();

    /// <summary>Connections closed so far because the client sent nothing for the client timeout.</summary>
    public long IdleConnectionsClosed => Interlocked.Read(ref _idleClosed);
}
