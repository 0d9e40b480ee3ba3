using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Npga.Live.Server.Metrics;

namespace Npga.Live.Server.Access;

/// <summary>Endpoint metadata: requests to this endpoint need a valid join token (<see cref="JoinTokenGate"/>).</summary>
public sealed class JoinTokenRequired
{
    /// <summary>The one instance.</summary>
    public static readonly JoinTokenRequired Instance = new();

    private JoinTokenRequired()
    {
    }
}

/// <summary>
/// The middleware that asks for a join token on endpoints marked <see cref="JoinTokenRequired"/> (the hub's negotiate
/// and connect), when a token secret is configured. The token is read from <c>Authorization: Bearer</c>, else the
/// <c>access_token</c> query (SignalR's JS client sends it so on WebSocket connects), else the <c>token</c> query. A
/// request without a valid one is answered 401 with a one-line reason (<see cref="JoinTokenRefusals.Describe"/>), a
/// <c>WWW-Authenticate: Bearer</c> header, and counted per reason in <c>/metrics</c>; a valid one becomes the request's
/// user (<see cref="JoinTokenPrincipal"/>). CORS preflights (OPTIONS) pass. An open WebSocket is not cut when its token
/// expires later: the token is checked when a connection starts (and on each request of a long-polling one).
/// </summary>
public sealed class JoinTokenGate(JoinTokenCodec codec, TimeProvider clock, AccessCounters counters, ILogger<JoinTokenGate> log)
{
    /// <summary>The middleware: checks the token of a marked endpoint's request before <paramref name="next"/> runs.</summary>
    public RequestDelegate Wrap(RequestDelegate next) => context => Check(context, next);

    private Task Check(HttpContext context, RequestDelegate next)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<JoinTokenRequired>() is null || HttpMethods.IsOptions(context.Request.Method))
            return next(context);
        if (codec.TryRead(BearerToken.FromHeaderOrQuery(context.Request), clock.GetUtcNow(), out var token, out var refusal))
        {
            context.User = JoinTokenPrincipal.Create(token);
            return next(context);
        }
        counters.TokenRefused(refusal);
        log.LogDebug("{Method} {Path} from {Address} refused: {Reason}", context.Request.Method, context.Request.Path, context.Connection.RemoteIpAddress, refusal.Describe());
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers[HeaderNames.WWWAuthenticate] = refusal == JoinTokenRefusal.Missing
            ? "Bearer"
            : $"Bearer error=\"invalid_token\", error_description=\"{refusal.Label()}\"";
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(refusal.Describe());
    }
}
