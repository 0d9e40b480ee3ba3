using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Npga.Live.Server.Access;

namespace Npga.Live.Server.Metrics;

/// <summary>
/// What the access checks refused or issued, counted since start and shown by <c>/metrics</c>: join tokens refused (per
/// reason), HTTP requests answered 429 (per limit), hub calls refused by a rate limit (per hub method), admin requests
/// without the right API key, and tokens issued by <c>/admin/tokens</c>. Every label comes from a fixed set. Thread-safe.
/// </summary>
public sealed class AccessCounters
{
    private readonly ConcurrentDictionary<string, StrongBox<long>> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StrongBox<long>> _http = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StrongBox<long>> _calls = new(StringComparer.Ordinal);
    private long _adminRefused, _issued;

    /// <summary>Counts one request refused for its join token.</summary>
    public void TokenRefused(JoinTokenRefusal reason) => Add(_tokens, reason.Label());

    /// <summary>Counts one HTTP request answered 429 by the limit named <paramref name="limit"/> (a policy name).</summary>
    public void HttpLimited(string limit) => Add(_http, limit);

    /// <summary>Counts one call of hub method <paramref name="method"/> refused by a rate limit.</summary>
    public void HubCallLimited(string method) => Add(_calls, method);

    /// <summary>Counts one admin request without the right API key.</summary>
    public void AdminRefused() => Interlocked.Increment(ref _adminRefused);

    /// <summary>Counts one token issued by the admin endpoint.</summary>
    public void TokenIssued() => Interlocked.Increment(ref _issued);

    /// <summary>Requests refused for their join token so far, per reason label (<see cref="JoinTokenRefusals.Label"/>), ordered.</summary>
    public IReadOnlyList<(string Reason, long Count)> TokensRefused => Snapshot(_tokens);

    /// <summary>HTTP requests answered 429 so far, per limit, ordered.</summary>
    public IReadOnlyList<(string Limit, long Count)> HttpRequestsLimited => Snapshot(_http);

    /// <summary>Hub calls refused by a rate limit so far, per hub method, ordered.</summary>
    public IReadOnlyList<(string Method, long Count)> HubCallsLimited => Snapshot(_calls);

    /// <summary>Admin requests refused for a missing or wrong API key so far.</summary>
    public long AdminRequestsRefused => Interlocked.Read(ref _adminRefused);

    /// <summary>Join tokens issued by <c>/admin/tokens</c> so far.</summary>
    public long TokensIssued => Interlocked.Read(ref _issued);

    private static void Add(ConcurrentDictionary<string, StrongBox<long>> counts, string label) =>
        Interlocked.Increment(ref counts.GetOrAdd(label, static _ => new StrongBox<long>()).Value);

    private static IReadOnlyList<(string, long)> Snapshot(ConcurrentDictionary<string, StrongBox<long>> counts) =>
        counts.Select(kv => (kv.Key, Interlocked.Read(ref kv.Value.Value))).OrderBy(x => x.Key, StringComparer.Ordinal).ToList();
}
