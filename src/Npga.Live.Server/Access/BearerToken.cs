using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Npga.Live.Server.Access;

/// <summary>Where a client puts a token: <c>Authorization: Bearer …</c>, or the query (<c>access_token</c>, as SignalR's JS client sends it on WebSocket and SSE connects, or <c>token</c>).</summary>
public static class BearerToken
{
    /// <summary>The token of <c>Authorization: Bearer TOKEN</c>, or null.</summary>
    public static string? From(HttpRequest request)
    {
        var auth = request.Headers[HeaderNames.Authorization].FirstOrDefault();
        const string scheme = "Bearer ";
        return auth is not null && auth.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? auth[scheme.Length..].Trim() : null;
    }

    /// <summary>The bearer header's token, else the <c>access_token</c> query value, else the <c>token</c> one; null when none.</summary>
    public static string? FromHeaderOrQuery(HttpRequest request) =>
        From(request) ?? NonEmpty(request.Query["access_token"].FirstOrDefault()) ?? NonEmpty(request.Query["token"].FirstOrDefault());

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
