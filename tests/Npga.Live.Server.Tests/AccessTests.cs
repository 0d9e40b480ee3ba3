using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npga.Live.Core;
using Npga.Live.Server.Access;
using Npga.Live.Server.Sessions;
using Npga.Live.Tests.Shared;

namespace Npga.Live.Server.Tests;

/// <summary>
/// Issue 27 part 2, authentication and abuse limits, over real HTTP/WebSocket on 127.0.0.1 in a loopback-only network
/// namespace: join tokens on the hub, the admin endpoint, rate limits, security headers.
/// </summary>
public class AccessTests
{
    private const string AdminKey = "test-admin-key-0123456789";

    private static bool Skip() => LoopbackOnly.Skip(Console.WriteLine);

    /// <summary>A token secret and an admin key in a temporary folder; removed on dispose.</summary>
    private sealed class Secrets : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("npga-access-").FullName;

        public Secrets()
        {
            File.WriteAllText(TokenFile, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48)) + "\n");
            File.WriteAllText(AdminFile, AdminKey + "\n");
        }

        public string TokenFile => Path.Combine(_dir, "token.secret");

        public string AdminFile => Path.Combine(_dir, "admin.key");

        /// <summary>A codec with the server's secret, as <c>npga token</c> makes one.</summary>
        public JoinTokenCodec Codec => new(SecretFile.Read(TokenFile, "token secret", JoinTokenCodec.MinSecretBytes));

        public string Token(TimeSpan? lifetime = null, DateTimeOffset? issued = null, params string[] avatars) =>
            Codec.Issue(lifetime ?? TimeSpan.FromHours(1), avatars, issued ?? DateTimeOffset.UtcNow);

        public void Dispose() => Directory.Delete(_dir, true);
    }

    private static Task<TestServer> StartWithTokens(Secrets secrets, Action<LiveOptions>? more = null) => TestServer.Start(o =>
    {
        o.Auth.TokenSecretFile = secrets.TokenFile;
        more?.Invoke(o);
    });

    /// <summary>POST /hub/negotiate as SignalR's JS client does, the token (if any) as a bearer header or in the query.</summary>
    private static async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> Negotiate(TestServer server, string? bearer = null, string? query = null)
    {
        using var http = new HttpClient { BaseAddress = server.Url };
        using var req = new HttpRequestMessage(HttpMethod.Post, "/hub/negotiate?negotiateVersion=1" + (query is null ? "" : "&" + query));
        if (bearer is not null) req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        var res = await http.SendAsync(req);
        return (res.StatusCode, await res.Content.ReadAsStringAsync(), res);
    }

    private static async Task<string> Metrics(TestServer server)
    {
        using var http = new HttpClient { BaseAddress = server.Url };
        return await http.GetStringAsync("/metrics");
    }

    [Fact]
    public async Task A_join_without_a_token_is_refused_when_tokens_are_configured()
    {
        if (Skip()) return;
        using var secrets = new Secrets();
        await using var server = await StartWithTokens(secrets);
        var (status, body, res) = await Negotiate(server);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.StartsWith("a join token is required", body);
        Assert.DoesNotContain("   at ", body); // a reason, never a stack trace
        Assert.Equal("Bearer", res.Headers.WwwAuthenticate.Single().Scheme);
        var ws = await Assert.ThrowsAnyAsync<WebSocketException>(() => HubWire.Connect(server.Url));
        Assert.Contains("401", ws.Message);
        Assert.Equal(0, server.Sessions.SlotsInUse);
        Assert.Contains("npga_join_tokens_refused_total{reason=\"missing\"} 2", await Metrics(server));

        using var http = new HttpClient { BaseAddress = server.Url }; // the page and the health check stay open
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/embed.html")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task An_expired_token_is_refused()
    {
        if (Skip()) return;
        using var secrets = new Secrets();
        await using var server = await StartWithTokens(secrets);
        var expired = secrets.Token(TimeSpan.FromHours(1), DateTimeOffset.UtcNow.AddHours(-2));
        var (status, body, res) = await Negotiate(server, bearer: expired);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("the join token has expired", body);
        Assert.Contains("invalid_token", res.Headers.WwwAuthenticate.Single().Parameter);
        await Assert.ThrowsAnyAsync<WebSocketException>(() => HubWire.Connect(server.Url, expired));
        Assert.Contains("npga_join_tokens_refused_total{reason=\"expired\"} 2", await Metrics(server));
    }

    [Fact]
    public async Task A_token_with_one_byte_flipped_in_its_payload_or_signature_is_refused()
    {
        if (Skip()) return;
        using var secrets = new Secrets();
        await using var server = await StartWithTokens(secrets);
        var token = secrets.Token();
        Assert.Equal(HttpStatusCode.OK, (await Negotiate(server, bearer: token)).Status);
        int dot = token.IndexOf('.');
        static string Flip(string t, int i) => t[..i] + (char)(t[i] == 'A' ? 'B' : 'A') + t[(i + 1)..];
        foreach (var tampered in new[] { Flip(token, dot / 2), Flip(token, dot - 1), Flip(token, dot + 1), Flip(token, token.Length - 1) })
        {
            var (status, body, _) = await Negotiate(server, bearer: tampered);
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Equal("the join token's signature is wrong", body);
            await Assert.ThrowsAnyAsync<WebSocketException>(() => HubWire.Connect(server.Url, tampered));
        }
        Assert.Contains("npga_join_tokens_refused_total{reason=\"bad_signature\"} 8", await Metrics(server));
        Assert.Equal(0, server.Sessions.SessionsStarted);
    }

    [Fact]
    public async Task A_valid_token_is_accepted_and_the_session_starts()
    {
        if (Skip()) return;
        using var secrets = new Secrets();
        await using var server = await StartWithTokens(secrets);
        var token = secrets.Token();
        Assert.Equal(HttpStatusCode.OK, (await Negotiate(server, bearer: token)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Negotiate(server, query: $"token={Uri.EscapeDataString(token)}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Negotiate(server, query: $"access_token={Uri.EscapeDataString(token)}")).Status);
        await using var wire = await HubWire.Connect(server.Url, token);
        var (result, error) = await wire.Invoke("Join", new { });
        Assert.Null(error);
        Assert.Equal("default", (string?)result!["avatar"]);
        Assert.Equal(1, server.Sessions.SlotsInUse);
        Assert.Null((await wire.Invoke("SetView", new { yawDeg = 10, pitchDeg = 0 })).Error);
    }

    [Fact]
    public async Task A_token_limited_to_an_avatar_offers_and_shows_only_that_one()
    {
        if (Skip()) return;
        using var secrets = new Secrets();
        await using var server = await StartWithTokens(secrets);
        var ids = server.App.Services.GetRequiredService<LiveAssets>().Catalog.Entries.Select(e => e.Id).ToList();
        var other = ids.FirstOrDefault(id => id != "default");
        if (other is null)
        {
            Console.WriteLine("SKIPPED: only the default avatar is offered");
            return;
        }
        await using var wire = await HubWire.Connect(server.Url, secrets.Token(avatars: other));
        var (result, error) = await wire.Invoke("Join", new { });
        Assert.Null(error);
        Assert.Equal(other, (string?)result!["avatar"]); // the token's avatar, not the server's default
        Assert.Equal(new[] { other }, result["avatars"]!.AsArray().Select(a => (string?)a!["id"]));
        Assert.Contains($"the join token does not cover avatar 'default'", (await wire.Invoke("SetAvatar", "default")).Error);
        await using var second = await HubWire.Connect(server.Url, secrets.Token(avatars: other));
        Assert.Contains("does not cover avatar 'default'", (await second.Invoke("Join", new { avatar = "default" })).Error);
    }

    [Fact]
    public async Task The_admin_endpoint_refuses_a_missing_or_wrong_key_and_issues_working_tokens_with_it()
    {
        if (Skip()) return;
        using var secrets = new Secrets();
        await using var server = await StartWithTokens(secrets, o => o.Auth.AdminKeyFile = secrets.AdminFile);
        using var http = new HttpClient { BaseAddress = server.Url };
        async Task<HttpResponseMessage> Post(string? body, Action<HttpRequestMessage>? auth)
        {
            var req = new HttpRequestMessage(HttpMethod.Post, "/admin/tokens");
            if (body is not null) req.Content = new StringContent(body, Encoding.UTF8, "application/json");
            auth?.Invoke(req);
            return await http.SendAsync(req);
        }

        var none = await Post(null, null);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.StartsWith("a valid admin API key is required", await none.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await Post(null, r => r.Headers.Add("X-Api-Key", AdminKey + "x"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Post(null, r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "wrong"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Post(null, r => r.Headers.Add("X-Api-Key", secrets.Token()))).StatusCode); // a join token is not the key

        var ok = await Post("{\"ttlSeconds\": 600}", r => r.Headers.Add("X-Api-Key", AdminKey));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var issued = JsonNode.Parse(await ok.Content.ReadAsStringAsync())!;
        var token = (string)issued["token"]!;
        var expires = (long)issued["expires"]!;
        Assert.InRange(expires - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 590, 601);
        Assert.Equal($"{server.Url.GetLeftPart(UriPartial.Authority)}/?token={Uri.EscapeDataString(token)}", (string?)issued["page"]);
        Assert.Contains($"data-token=\"{token}\"", (string?)issued["embed"]);
        Assert.True(secrets.Codec.TryRead(token, DateTimeOffset.UtcNow, out _, out _));
        await using (var wire = await HubWire.Connect(server.Url, token))
        {
            Assert.Null((await wire.Invoke("Join", new { })).Error);
            Assert.Equal(1, server.Sessions.SlotsInUse);
        }

        var bearer = await Post(null, r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey)); // no body: the default lifetime
        Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
        Assert.InRange((long)JsonNode.Parse(await bearer.Content.ReadAsStringAsync())!["expires"]! - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 3590, 3601);
        foreach (var bad in (string[])["{\"avatars\": [\"nope\"]}", "{\"ttlSeconds\": 0}", "{\"ttlSeconds\": 1e12}", "not json"])
        {
            var res = await Post(bad, r => r.Headers.Add("X-Api-Key", AdminKey));
            Assert.True(res.StatusCode == HttpStatusCode.BadRequest, $"{bad}: {res.StatusCode}");
        }
        var metrics = await Metrics(server);
        Assert.Contains("npga_admin_requests_refused_total 4", metrics);
        Assert.Contains("npga_join_tokens_issued_total 2", metrics);

        await using var withoutKey = await StartWithTokens(secrets); // no admin key configured: no endpoint
        using var http2 = new HttpClient { BaseAddress = withoutKey.Url };
        var req2 = new HttpRequestMessage(HttpMethod.Post, "/admin/tokens");
        req2.Headers.Add("X-Api-Key", AdminKey);
        Assert.Equal(HttpStatusCode.NotFound, (await http2.SendAsync(req2)).StatusCode);
    }

    [Fact]
    public async Task The_rate_limiter_answers_429_past_its_limit()
    {
        if (Skip()) return;
        await using var server = await TestServer.Start(o => o.RateLimits.ConnectsPerMinute = 3);
        for (int i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await Negotiate(server)).Status);
        var (status, body, res) = await Negotiate(server);
        Assert.Equal((HttpStatusCode)429, status);
        Assert.StartsWith("too many requests from this address", body);
        Assert.True(res.Headers.RetryAfter?.Delta is { } retry && retry > TimeSpan.Zero, "no Retry-After");
        await Assert.ThrowsAnyAsync<WebSocketException>(() => HubWire.Connect(server.Url)); // a WebSocket connect counts too
        using var http = new HttpClient { BaseAddress = server.Url };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/")).StatusCode); // the page is not limited
        Assert.Contains("npga_http_requests_rate_limited_total{limit=\"hub-connect\"} 2", await Metrics(server));
    }

    [Fact]
    public async Task Hub_calls_and_joins_past_their_limits_fail_and_are_logged_once_and_counted()
    {
        if (Skip()) return;
        var log = new LogCapture();
        await using var server = await TestServer.Start(o =>
        {
            o.RateLimits.HubCallsPerSecond = 2;
            o.RateLimits.HubCallBurst = 10;
            o.RateLimits.JoinsPerMinute = 2;
        }, log, LogLevel.Information);
        await using var caller = await HubWire.Connect(server.Url);
        var errors = new List<string?>();
        for (int i = 0; i < 20; i++) errors.Add((await caller.Invoke("SetView", new { yawDeg = 1, pitchDeg = 2 })).Error);
        Assert.All(errors.Take(10), e => Assert.Contains("no session", e)); // within the burst: run (and refused by the hub)
        Assert.True(errors.Count(e => e!.Contains("HubException: rate limited: more than 2 calls a second on this connection")) >= 9, string.Join("\n", errors));
        Assert.True(caller.IsOpen, "a rate-limited connection was closed");

        await using var joiner = await HubWire.Connect(server.Url);
        Assert.Null((await joiner.Invoke("Join", new { })).Error);
        Assert.Null((await joiner.Invoke("Leave")).Error);
        Assert.Null((await joiner.Invoke("Join", new { })).Error);
        Assert.Null((await joiner.Invoke("Leave")).Error);
        Assert.Contains("rate limited: more than 2 joins a minute from this address", (await joiner.Invoke("Join", new { })).Error);

        var limited = log.Records.Where(r => r.Text.Contains("rate limited")).ToList();
        Assert.Equal(2, limited.Count); // one line per connection
        Assert.All(limited, r => Assert.Equal(LogLevel.Information, r.Level));
        var metrics = await Metrics(server);
        var limitedSetViews = Regex.Match(metrics, "npga_hub_calls_rate_limited_total\\{method=\"SetView\"\\} (\\d+)");
        Assert.True(limitedSetViews.Success && int.Parse(limitedSetViews.Groups[1].Value) >= 9, metrics);
        Assert.Contains("npga_hub_calls_rate_limited_total{method=\"Join\"} 1", metrics);
        var refused = Regex.Match(metrics, "npga_hub_calls_refused_total\\{method=\"SetView\"\\} (\\d+)");
        Assert.Equal(20 - int.Parse(limitedSetViews.Groups[1].Value), int.Parse(refused.Groups[1].Value)); // a limited call is not run
    }

    [Fact]
    public async Task Pages_and_files_carry_a_csp_without_inline_script_and_the_other_headers()
    {
        if (Skip()) return;
        await using var server = await TestServer.Start();
        using var http = new HttpClient { BaseAddress = server.Url };
        foreach (var path in (string[])["/", "/index.html", "/embed.html", "/obs.html", "/app.js", "/style.css", "/lib/signalr.min.js", "/healthz"])
        {
            using var res = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, res.StatusCode);
            var csp = res.Headers.GetValues("Content-Security-Policy").Single();
            var scriptSrc = csp.Split(';').Select(d => d.Trim()).Single(d => d.StartsWith("script-src "));
            Assert.Equal("script-src 'self'", scriptSrc);
            Assert.DoesNotContain("unsafe-inline", csp);
            Assert.DoesNotContain("unsafe-eval", csp);
            Assert.Equal(path == "/embed.html" ? "frame-ancestors *" : "frame-ancestors 'self'", csp.Split(';').Select(d => d.Trim()).Single(d => d.StartsWith("frame-ancestors")));
            Assert.Equal("nosniff", res.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("no-referrer", res.Headers.GetValues("Referrer-Policy").Single());
        }

        await using var limited = await TestServer.Start(o => o.EmbedAncestors = ["https://example.org", "https://*.example.net"]);
        using var http2 = new HttpClient { BaseAddress = limited.Url };
        using var embed = await http2.GetAsync("/embed.html");
        Assert.EndsWith("frame-ancestors https://example.org https://*.example.net", embed.Headers.GetValues("Content-Security-Policy").Single());
        Assert.False(embed.Headers.Contains("X-Frame-Options"));

        // What the policy forbids is in no page: every script is a file, no inline style or event handler.
        foreach (var html in Directory.GetFiles(Path.Combine(RepoPaths.RequireRoot(), "web"), "*.html"))
        {
            var text = File.ReadAllText(html);
            Assert.All(Regex.Matches(text, "<script\\b[^>]*>", RegexOptions.IgnoreCase), m => Assert.Contains(" src=", m.Value));
            Assert.DoesNotMatch(new Regex("<style\\b|\\sstyle=|\\son[a-z]+=", RegexOptions.IgnoreCase), text);
        }
    }

    [Fact]
    public async Task The_server_says_at_start_whether_it_is_open()
    {
        if (Skip()) return;
        var log = new LogCapture();
        await using (await TestServer.Start(log: log, logLevel: LogLevel.Information))
            Assert.Contains(log.Records, r => r.Level == LogLevel.Information && r.Text.StartsWith("open: no join token required, anyone on this machine may join"));

        using var secrets = new Secrets();
        var tokenLog = new LogCapture();
        await using (await TestServer.Start(o => o.Auth.TokenSecretFile = secrets.TokenFile, tokenLog, LogLevel.Information))
        {
            Assert.Contains(tokenLog.Records, r => r.Text.StartsWith("join tokens required on /hub"));
            Assert.DoesNotContain(tokenLog.Records, r => r.Text.StartsWith("open:"));
        }
    }

    [Fact]
    public void A_short_or_missing_secret_file_stops_the_start()
    {
        using var secrets = new Secrets();
        File.WriteAllText(secrets.AdminFile, "short");
        var missing = Assert.Throws<InvalidOperationException>(() => LiveServer.Build(["--urls", "http://127.0.0.1:0"], o => o.Auth.TokenSecretFile = "/nonexistent/secret"));
        Assert.Contains("cannot read the token secret file /nonexistent/secret", missing.Message);
        var shortKey = Assert.Throws<InvalidOperationException>(() => LiveServer.Build(["--urls", "http://127.0.0.1:0"], o =>
        {
            o.Auth.TokenSecretFile = secrets.TokenFile;
            o.Auth.AdminKeyFile = secrets.AdminFile;
        }));
        Assert.Contains("holds 5 bytes", shortKey.Message);
    }
}
