using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Npga.Live.Server.Access;

/// <summary>
/// Headers on every response (the pages, the static files, the API): a Content-Security-Policy that runs scripts from
/// this server only (<c>script-src 'self'</c>: no inline script, no <c>eval</c>; the pages keep theirs in files) and
/// styles likewise; <c>X-Content-Type-Options: nosniff</c>; <c>Referrer-Policy: no-referrer</c> (a page's URL may
/// carry a join token). Framing: <c>/embed.html</c> may be framed by the sites in <see cref="LiveOptions.EmbedAncestors"/>
/// (any site when empty, as the one-line embed expects); every other page by this server's own pages only
/// (<c>frame-ancestors 'self'</c>, with <c>X-Frame-Options: SAMEORIGIN</c> for older browsers).
/// <c>connect-src</c> allows any http(s)/ws(s) server, as the page's <c>?server=</c> may name another.
/// </summary>
public sealed partial class SecurityHeaders
{
    /// <summary>The page meant to be framed by other sites.</summary>
    public const string EmbedPath = "/embed.html";

    private readonly string _pagePolicy;
    private readonly string _embedPolicy;

    /// <summary>Creates the headers for <paramref name="embedAncestors"/> (see <see cref="IsValidAncestor"/>; empty: any site).</summary>
    /// <exception cref="ArgumentException">An entry that is not a valid frame ancestor.</exception>
    public SecurityHeaders(IReadOnlyList<string> embedAncestors)
    {
        foreach (var a in embedAncestors)
            if (!IsValidAncestor(a)) throw new ArgumentException($"'{a}' is not a frame ancestor (an origin, https://*.host, 'self' or 'none')", nameof(embedAncestors));
        _pagePolicy = Policy("'self'");
        _embedPolicy = Policy(embedAncestors.Count == 0 ? "*" : string.Join(' ', embedAncestors.Select(a => a.TrimEnd('/'))));
    }

    /// <summary>The Content-Security-Policy of a page that may be framed by <paramref name="frameAncestors"/> (CSP source list).</summary>
    public static string Policy(string frameAncestors) =>
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; " +
        $"connect-src 'self' http: https: ws: wss:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors {frameAncestors}";

    /// <summary>
    /// Whether <paramref name="ancestor"/> may stand in <see cref="LiveOptions.EmbedAncestors"/>: an origin
    /// (<c>https://example.org</c>, <c>http://127.0.0.1:8080</c>), a wildcard host (<c>https://*.example.org</c>),
    /// <c>'self'</c>, <c>'none'</c> or <c>*</c>; nothing that could break the header (spaces, semicolons, paths).
    /// </summary>
    public static bool IsValidAncestor(string? ancestor) => ancestor is not null && AncestorPattern().IsMatch(ancestor);

    /// <summary>The middleware: sets the headers, then runs <paramref name="next"/>.</summary>
    public RequestDelegate Wrap(RequestDelegate next) => context =>
    {
        var headers = context.Response.Headers;
        bool embed = context.Request.Path.Equals(EmbedPath, StringComparison.OrdinalIgnoreCase);
        headers[HeaderNames.ContentSecurityPolicy] = embed ? _embedPolicy : _pagePolicy;
        if (!embed) headers[HeaderNames.XFrameOptions] = "SAMEORIGIN";
        headers[HeaderNames.XContentTypeOptions] = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        return next(context);
    };

    [GeneratedRegex(@"^(\*|'self'|'none'|https?://(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:(\d{1,5}|\*))?/?)$")]
    private static partial Regex AncestorPattern();
}
