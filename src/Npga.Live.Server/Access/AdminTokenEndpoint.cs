using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Npga.Live.Server.Avatars;
using Npga.Live.Server.Metrics;

namespace Npga.Live.Server.Access;

/// <summary>The body of <c>POST /admin/tokens</c> (all optional; no body at all is the same as <c>{}</c>).</summary>
/// <param name="TtlSeconds">The token's lifetime, seconds (default <see cref="AuthOptions.DefaultTokenSeconds"/>; 1 s to 366 days).</param>
/// <param name="Avatars">Avatar ids the token is limited to (each one the server offers); null or empty: any avatar.</param>
public sealed record TokenRequest(double? TtlSeconds = null, IReadOnlyList<string>? Avatars = null);

/// <summary>The answer of <c>POST /admin/tokens</c>.</summary>
/// <param name="Token">The join token.</param>
/// <param name="Expires">Its expiry, Unix seconds.</param>
/// <param name="ExpiresUtc">Its expiry, ISO 8601 UTC.</param>
/// <param name="Avatars">The avatars it is limited to (empty: any).</param>
/// <param name="Page">The demo page's URL carrying the token (this server as the request named it).</param>
/// <param name="Embed">The embed snippet carrying the token (<c>embed.js</c> with <c>data-token</c>).</param>
public sealed record TokenIssued(string Token, long Expires, DateTimeOffset ExpiresUtc, IReadOnlyList<string> Avatars, string Page, string Embed);

/// <summary>
/// <c>POST /admin/tokens</c>: issues a join token to a request carrying the admin API key (<see cref="ApiKey"/>), as
/// JSON (<see cref="TokenIssued"/>). Without the key, or with a wrong one: 401 and a one-line reason, counted in
/// <c>/metrics</c>; a bad body: 400 with the reason. Mapped only when an admin key is configured (else 404).
/// </summary>
public static class AdminTokenEndpoint
{
    /// <summary>The endpoint's path.</summary>
    public const string Path = "/admin/tokens";

    /// <summary>Maps the endpoint.</summary>
    /// <returns>Its builder (the caller adds the rate limit).</returns>
    public static RouteHandlerBuilder Map(IEndpointRouteBuilder app, ApiKey key, JoinTokenCodec codec, AvatarCatalog catalog, AuthOptions options,
        TimeProvider clock, AccessCounters counters, ILogger log) =>
        app.MapPost(Path, async (HttpContext http) =>
        {
            if (!key.Admits(http.Request))
            {
                counters.AdminRefused();
                log.LogInformation("{Path} from {Address} refused: missing or wrong API key", Path, http.Connection.RemoteIpAddress);
                http.Response.Headers.WWWAuthenticate = "Bearer";
                return Results.Text("a valid admin API key is required (X-Api-Key: … or Authorization: Bearer …)", "text/plain; charset=utf-8", null, StatusCodes.Status401Unauthorized);
            }
            TokenRequest request;
            try
            {
                request = await ReadBody(http.Request, http.RequestAborted);
            }
            catch (JsonException e)
            {
                return Results.Text($"the body is not a token request ({{\"ttlSeconds\": 3600, \"avatars\": [\"id\"]}}): {e.Message}", "text/plain; charset=utf-8", null, StatusCodes.Status400BadRequest);
            }
            var avatars = request.Avatars ?? [];
            if (avatars.FirstOrDefault(a => !AvatarCatalog.IsValidId(a) || !catalog.Contains(a)) is { } unknown)
                return Results.Text($"no avatar '{(unknown.Length <= 64 ? unknown : unknown[..64] + "…")}'", "text/plain; charset=utf-8", null, StatusCodes.Status400BadRequest);
            var ttl = request.TtlSeconds ?? options.DefaultTokenSeconds;
            string token;
            try
            {
                token = codec.Issue(TimeSpan.FromSeconds(ttl), avatars, clock.GetUtcNow());
            }
            catch (Exception e) when (e is ArgumentException or OverflowException)
            {
                return Results.Text($"ttlSeconds: 1 to {JoinTokenCodec.MaxLifetime.TotalSeconds:0} ({ttl} given)", "text/plain; charset=utf-8", null, StatusCodes.Status400BadRequest);
            }
            codec.TryRead(token, clock.GetUtcNow(), out var issued, out _);
            counters.TokenIssued();
            log.LogInformation("{Path}: issued a join token to {Address}, expires {Expires:u}{Scope}", Path, http.Connection.RemoteIpAddress, issued!.Expires,
                avatars.Count == 0 ? "" : $", avatars {string.Join(", ", avatars)}");
            var origin = $"{http.Request.Scheme}://{http.Request.Host}";
            var query = Uri.EscapeDataString(token);
            var avatarAttr = avatars.Count == 1 ? $" data-avatar=\"{avatars[0]}\"" : "";
            return Results.Json(new TokenIssued(token, issued.Expires.ToUnixTimeSeconds(), issued.Expires, issued.Avatars,
                $"{origin}/?token={query}", $"<script src=\"{origin}/embed.js\" data-token=\"{token}\"{avatarAttr}></script>"));
        });

    private static async Task<TokenRequest> ReadBody(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength == 0 || request.ContentLength is null && !request.Headers.TransferEncoding.Any()) return new TokenRequest();
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, ct);
        if (body.Length == 0) return new TokenRequest();
        return JsonSerializer.Deserialize<TokenRequest>(body.ToArray(), JsonSerializerOptions.Web) ?? new TokenRequest();
    }
}
