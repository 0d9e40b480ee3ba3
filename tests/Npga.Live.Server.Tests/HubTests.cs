using System.Net;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Npga.Live.Tests.Shared;

namespace Npga.Live.Server.Tests;

/// <summary>The hub and endpoints over real HTTP/WebSocket on 127.0.0.1, in a loopback-only network namespace.</summary>
public class HubTests
{
    private static bool Skip() => LoopbackOnly.Skip(Console.WriteLine);

    private static readonly string AudioOnlyOffer = string.Join("\r\n",
        "v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0", "m=audio 9 UDP/TLS/RTP/SAVPF 111", "c=IN IP4 0.0.0.0",
        "a=rtcp:9 IN IP4 0.0.0.0", "a=ice-ufrag:abcd", "a=ice-pwd:abcdefghijklmnopqrstuvwx",
        "a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF",
        "a=setup:actpass", "a=mid:0", "a=sendrecv", "a=rtcp-mux", "a=rtpmap:111 opus/48000/2", "") ;

    [Fact]
    public async Task Serves_the_page_the_client_library_health_and_metrics()
    {
        if (Skip()) return;
        await using var server = await TestServer.Start();
        using var http = new HttpClient { BaseAddress = server.Url };
        var page = await http.GetStringAsync("/");
        Assert.Contains("npga", page, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/lib/signalr.min.js")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/npga-live.js")).StatusCode);
        var health = JsonNode.Parse(await http.GetStringAsync("/healthz"))!;
        Assert.Equal("ok", (string?)health["status"]);
        Assert.Equal(3, (int?)health["maxSessions"]);
        Assert.True((int?)health["avatars"] >= 1);
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("npga_sessions 0", metrics);
        Assert.Contains("npga_sessions_max 3", metrics);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/../avatar.json")).StatusCode);
    }

    [Fact]
    public async Task Other_origins_get_cors_only_when_allowed()
    {
        if (Skip()) return;
        async Task<string?> AllowedOrigin(TestServer server, string origin)
        {
            using var http = new HttpClient { BaseAddress = server.Url };
            using var req = new HttpRequestMessage(HttpMethod.Options, "/hub/negotiate?negotiateVersion=1");
            req.Headers.Add("Origin", origin);
            req.Headers.Add("Access-Control-Request-Method", "POST");
            using var res = await http.SendAsync(req);
            return res.Headers.TryGetValues("Access-Control-Allow-Origin", out var v) ? v.Single() : null;
        }
        await using (var closed = await TestServer.Start())
            Assert.Null(await AllowedOrigin(closed, "https://example.org"));
        await using var open = await TestServer.Start(o => o.AllowedOrigins = ["https://example.org"]);
        Assert.Equal("https://example.org", await AllowedOrigin(open, "https://example.org"));
        Assert.Null(await AllowedOrigin(open, "https://evil.example"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LiveOptions { AllowedOrigins = ["https://example.org/path"] }.Validate());
    }

    [Fact]
    public async Task Join_lists_avatars_and_expressions_and_leave_frees_the_slot()
    {
        if (Skip()) return;
        await using var server = await TestServer.Start();
        await using var wire = await HubWire.Connect(server.Url);
        var (result, error) = await wire.Invoke("Join", new { avatar = (string?)null, probe = false });
        Assert.Null(error);
        Assert.Equal("default", (string?)result!["avatar"]);
        Assert.Contains(result["avatars"]!.AsArray(), a => (string?)a!["id"] == "default");
        Assert.Equal(4, result["expressions"]!.AsArray().Count);
        Assert.Equal(1, server.Sessions.SlotsInUse);
        Assert.Null((await wire.Invoke("SetView", new { yawDeg = 30, pitchDeg = -10 })).Error);
        Assert.Null((await wire.Invoke("SetExpression", new { weights = new[] { 0f, 1, 0, 0 }, mix = 0.5 })).Error);
        Assert.Contains("4 weights", (await wire.Invoke("SetExpression", new { weights = new[] { 1f }, mix = 0.5 })).Error);
        Assert.Contains("no avatar", (await wire.Invoke("SetAvatar", "../../etc")).Error);
        Assert.Contains("already has a session", (await wire.Invoke("Join", new { })).Error);
        Assert.Null((await wire.Invoke("Leave")).Error);
        var ended = await wire.WaitForCall("Ended", TimeSpan.FromSeconds(10));
        Assert.Equal("left", (string?)ended[0]);
        Assert.True(await TestServer.Eventually(() => server.Sessions.SlotsInUse == 0, TimeSpan.FromSeconds(5)));
        Assert.Contains("no session", (await wire.Invoke("Offer", "v=0")).Error);
        // Leave and join again at once on the same connection: the new session does not wait for the old one's teardown.
        Assert.Null((await wire.Invoke("Join", new { })).Error);
        Assert.Null((await wire.Invoke("Leave")).Error);
        Assert.Null((await wire.Invoke("Join", new { })).Error);
        Assert.True(await TestServer.Eventually(() => server.Sessions.SlotsInUse == 1, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_full_server_says_busy_and_a_freed_slot_is_reused()
    {
        if (Skip()) return;
        await using var server = await TestServer.Start(o => o.MaxSessions = 1);
        await using var first = await HubWire.Connect(server.Url);
        await using var second = await HubWire.Connect(server.Url);
        Assert.Null((await first.Invoke("Join", new { })).Error);
        var busy = (await second.Invoke("Join", new { })).Error;
        Assert.NotNull(busy);
        Assert.Contains("busy: 1 of 1 sessions in use", busy);
        await first.DisposeAsync(); // the page goes away: the dropped connection ends its session
        Assert.True(await TestServer.Eventually(() => server.Sessions.SlotsInUse == 0, TimeSpan.FromSeconds(5)), "the slot was not freed within 5 s");
        Assert.Null((await second.Invoke("Join", new { })).Error);
    }

    [Fact]
    public async Task Bad_offers_end_that_session_with_a_clear_reason()
    {
        if (Skip()) return;
        await using var server = await TestServer.Start();
        await using var wire = await HubWire.Connect(server.Url);
        Assert.Null((await wire.Invoke("Join", new { })).Error);
        var error = (await wire.Invoke("Offer", "this is not SDP")).Error;
        Assert.NotNull(error);
        Assert.Contains("SDP", error, StringComparison.OrdinalIgnoreCase);
        var ended = await wire.WaitForCall("Ended", TimeSpan.FromSeconds(10));
        Assert.StartsWith("bad offer", (string?)ended[0]);
        Assert.True(await TestServer.Eventually(() => server.Sessions.SlotsInUse == 0, TimeSpan.FromSeconds(5)));

        Assert.Null((await wire.Invoke("Join", new { })).Error);
        error = (await wire.Invoke("Offer", AudioOnlyOffer)).Error;
        Assert.NotNull(error);
        Assert.Contains("video", error, StringComparison.OrdinalIgnoreCase);
        Assert.True(await TestServer.Eventually(() => server.Sessions.SlotsInUse == 0, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_session_that_never_connects_times_out()
    {
        if (Skip()) return;
        await using var server = await TestServer.Start(o => o.ConnectTimeoutSeconds = 1);
        await using var wire = await HubWire.Connect(server.Url);
        Assert.Null((await wire.Invoke("Join", new { })).Error);
        var ended = await wire.WaitForCall("Ended", TimeSpan.FromSeconds(10));
        Assert.Contains("did not connect within 1 s", (string?)ended[0]);
        Assert.True(await TestServer.Eventually(() => server.Sessions.SlotsInUse == 0, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Garbage_and_oversized_messages_drop_only_their_connection()
    {
        if (Skip()) return;
        await using var server = await TestServer.Start(o => o.MaxMessageBytes = 16 * 1024);
        await using var good = await HubWire.Connect(server.Url);
        Assert.Null((await good.Invoke("Join", new { })).Error);

        await using var garbage = await HubWire.Connect(server.Url);
        await garbage.SendRaw("{ this is not json \u001e");
        Assert.True(await garbage.WaitClosed(TimeSpan.FromSeconds(10)), "the server kept a connection that sent garbage");

        await using var huge = await HubWire.Connect(server.Url);
        Assert.Null((await huge.Invoke("Join", new { })).Error);
        await huge.SendRaw("{\"type\":1,\"target\":\"Offer\",\"arguments\":[\"" + new string('a', 64 * 1024) + "\"]}\u001e");
        Assert.True(await huge.WaitClosed(TimeSpan.FromSeconds(10)), "the server kept a connection that sent a 64 KiB message over a 16 KiB limit");
        Assert.True(await TestServer.Eventually(() => server.Sessions.SlotsInUse == 1, TimeSpan.FromSeconds(5)), "the oversized sender's session was not ended");

        var (_, unknown) = await good.Invoke("NoSuchMethod", 1, 2);
        Assert.NotNull(unknown);
        var (_, wrongArgs) = await good.Invoke("SetView", "not an object");
        Assert.NotNull(wrongArgs);
        Assert.Null((await good.Invoke("SetView", new { yawDeg = 5, pitchDeg = 5 })).Error); // the good session lives on
        using var http = new HttpClient { BaseAddress = server.Url };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
    }
}
