using System.Threading.RateLimiting;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npga.Live.Server.Metrics;
using Npga.Live.Server.Signaling;

namespace Npga.Live.Server.Limits;

/// <summary>
/// Rate limits of hub calls (a SignalR hub filter, outside <see cref="ClientErrorFilter"/>): every call counts against
/// its connection's bucket (<see cref="RateLimitOptions.HubCallsPerSecond"/>, <see cref="RateLimitOptions.HubCallBurst"/>),
/// and <c>Join</c> also against its client IP address's (<see cref="RateLimitOptions.JoinsPerMinute"/>). A call past a
/// limit is not run: it fails for its caller with a <see cref="HubException"/> whose message starts <c>rate limited:</c>,
/// is counted per method (<c>npga_hub_calls_rate_limited_total</c> in <c>/metrics</c>) and logged once per connection,
/// one line at Information; the connection stays open.
/// </summary>
public sealed class HubCallLimiter : IHubFilter, IDisposable
{
    /// <summary>The start of the message of a refused call.</summary>
    public const string Prefix = "rate limited: ";

    private static readonly object LoggedKey = new();
    private readonly RateLimitOptions _options;
    private readonly AccessCounters _counters;
    private readonly ILogger _log;
    private readonly PartitionedRateLimiter<string>? _perConnection;
    private readonly PartitionedRateLimiter<string>? _joinsPerAddress;

    /// <summary>Built by the host's dependency injection.</summary>
    public HubCallLimiter(IOptions<LiveOptions> options, AccessCounters counters, ILogger<HubCallLimiter> log)
    {
        _options = options.Value.RateLimits;
        _counters = counters;
        _log = log;
        if (_options.HubCallsPerSecond > 0)
        {
            var bucket = TokenBuckets.Of(_options.HubCallBurst, _options.HubCallsPerSecond);
            _perConnection = PartitionedRateLimiter.Create<string, string>(id => RateLimitPartition.GetTokenBucketLimiter(id, _ => bucket));
        }
        if (_options.JoinsPerMinute > 0)
        {
            var bucket = TokenBuckets.PerMinute(_options.JoinsPerMinute);
            _joinsPerAddress = PartitionedRateLimiter.Create<string, string>(ip => RateLimitPartition.GetTokenBucketLimiter(ip, _ => bucket));
        }
    }

    /// <summary>Runs the hub method when its caller is within the limits.</summary>
    /// <exception cref="HubException">The call is past a limit (<c>rate limited: …</c>); the method did not run.</exception>
    public ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var context = invocationContext.Context;
        var refusal = Take(_perConnection, context.ConnectionId, $"more than {_options.HubCallsPerSecond} calls a second on this connection")
            ?? (invocationContext.HubMethodName == nameof(LiveHub.Join)
                ? Take(_joinsPerAddress, ClientAddress(context), $"more than {_options.JoinsPerMinute} joins a minute from this address")
                : null);
        if (refusal is null) return next(invocationContext);

        var method = invocationContext.HubMethodName;
        _counters.HubCallLimited(method);
        var items = context.Items;
        lock (items)
        {
            if (items.TryAdd(LoggedKey, true))
                _log.LogInformation("connection {Connection}: {Method} {Reason} (further limited calls on this connection are only counted in /metrics)",
                    context.ConnectionId, method, refusal);
        }
        throw new HubException(refusal);
    }

    private static string? Take(PartitionedRateLimiter<string>? limiter, string key, string what)
    {
        if (limiter is null) return null;
        using var lease = limiter.AttemptAcquire(key);
        if (lease.IsAcquired) return null;
        var retry = TokenBuckets.RetryAfterSeconds(lease);
        return $"{Prefix}{what}{(retry is { } s ? $"; try again in {s} s" : "")}";
    }

    private static string ClientAddress(HubCallerContext context) =>
        context.GetHttpContext() is { } http ? HttpRateLimits.ClientAddress(http) : "unknown";

    /// <inheritdoc />
    public void Dispose()
    {
        _perConnection?.Dispose();
        _joinsPerAddress?.Dispose();
    }
}
