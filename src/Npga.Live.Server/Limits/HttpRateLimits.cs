using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;
using Npga.Live.Server.Metrics;

namespace Npga.Live.Server.Limits;

/// <summary>
/// ASP.NET Core's rate limiter on the HTTP side, per client IP address: hub connection attempts
/// (<see cref="HubPolicy"/>: <c>POST /hub/negotiate</c> and WebSocket connects; a long-polling or SSE connection's
/// later requests are not counted) and admin requests (<see cref="AdminPolicy"/>). A request past its limit is answered
/// 429 with <c>Retry-After</c> (seconds) and a one-line reason, and counted in <c>/metrics</c>
/// (<c>npga_http_requests_rate_limited_total{limit=…}</c>).
/// </summary>
public static class HttpRateLimits
{
    /// <summary>The policy of the hub's endpoints (<see cref="RateLimitOptions.ConnectsPerMinute"/>).</summary>
    public const string HubPolicy = "hub-connect";

    /// <summary>The policy of the WHIP and WHEP POSTs, each of which starts a session or viewer (<see cref="RateLimitOptions.ConnectsPerMinute"/>, a bucket of its own).</summary>
    public const string WhipPolicy = "whip";

    /// <summary>The policy of <c>/admin/tokens</c> (<see cref="RateLimitOptions.AdminRequestsPerMinute"/>).</summary>
    public const string AdminPolicy = "admin";

    /// <summary>Registers the rate limiter with both policies; the endpoints opt in with <c>RequireRateLimiting</c>.</summary>
    public static IServiceCollection AddLiveRateLimits(this IServiceCollection services, RateLimitOptions options, AccessCounters counters) =>
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (rejected, ct) =>
            {
                var http = rejected.HttpContext;
                var policy = http.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName ?? "other";
                counters.HttpLimited(policy);
                var retry = TokenBuckets.RetryAfterSeconds(rejected.Lease);
                if (retry is { } s) http.Response.Headers[HeaderNames.RetryAfter] = s.ToString(System.Globalization.CultureInfo.InvariantCulture);
                http.Response.ContentType = "text/plain; charset=utf-8";
                await http.Response.WriteAsync($"too many requests from this address{(retry is { } r ? $"; try again in {r} s" : "")}", ct);
            };
            o.AddPolicy(HubPolicy, http => options.ConnectsPerMinute > 0 && IsConnectAttempt(http.Request)
                ? RateLimitPartition.GetTokenBucketLimiter(ClientAddress(http), _ => TokenBuckets.PerMinute(options.ConnectsPerMinute))
                : RateLimitPartition.GetNoLimiter(""));
            o.AddPolicy(WhipPolicy, http => options.ConnectsPerMinute > 0 && HttpMethods.IsPost(http.Request.Method)
                ? RateLimitPartition.GetTokenBucketLimiter(ClientAddress(http), _ => TokenBuckets.PerMinute(options.ConnectsPerMinute))
                : RateLimitPartition.GetNoLimiter(""));
            o.AddPolicy(AdminPolicy, http => options.AdminRequestsPerMinute > 0
                ? RateLimitPartition.GetTokenBucketLimiter(ClientAddress(http), _ => TokenBuckets.PerMinute(options.AdminRequestsPerMinute))
                : RateLimitPartition.GetNoLimiter(""));
        });

    /// <summary>
    /// Whether <paramref name="request"/> to the hub starts a connection: a negotiate, or a WebSocket connect (read from
    /// the request itself: the WebSocket feature is added later, by the hub's own pipeline).
    /// </summary>
    public static bool IsConnectAttempt(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && request.Path.Value?.EndsWith("/negotiate", StringComparison.Ordinal) == true
        || request.Headers.Upgrade.ToString().Contains("websocket", StringComparison.OrdinalIgnoreCase)
        || request.HttpContext.Features.Get<IHttpExtendedConnectFeature>()?.IsExtendedConnect == true;

    /// <summary>The client's IP address as text (IPv4-mapped IPv6 as IPv4), or "unknown".</summary>
    public static string ClientAddress(HttpContext http) => http.Connection.RemoteIpAddress is { } ip
        ? (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString()
        : "unknown";
}
