using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npga.Live.Tests.Shared;

namespace Npga.Live.Server.Tests;

/// <summary>
/// Regression tests of issue 27: a careless or hostile client over the hub's WebSocket, on 127.0.0.1 in a loopback-only
/// network namespace. Each carries the input that found the bug and says what happened before.
/// </summary>
public class HostileClientTests
{
    private static bool Skip() => LoopbackOnly.Skip(Console.WriteLine);

    /// <summary>A one-video-m-line offer listing <paramref name="formats"/> with the video's <paramref name="video"/> lines.</summary>
    private static string VideoOffer(string formats, params string[] video) => string.Join("\r\n",
        ["v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0", $"m=video 9 UDP/TLS/RTP/SAVPF {formats}", "c=IN IP4 0.0.0.0",
         "a=ice-ufrag:abcd", "a=ice-pwd:abcdefghijklmnopqrstuvwx",
         "a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF",
         "a=setup:actpass", "a=mid:0", "a=rtcp-mux", .. video, ""]);

    // Bugs 1, 5 and 6: Offer reported success for each of these; the answer then rejected the video (bug 1), GStreamer
    // asserted (bug 6), or the session held its slot until the connect timeout (bug 5).
    [Fact]
    public async Task Offers_that_could_never_stream_are_refused_and_end_the_session()
    {
        if (Skip()) return;
        await using var server = await TestServer.Start();
        await using var wire = await HubWire.Connect(server.Url);
        (string Offer, string Says)[] cases =
        [
            (VideoOffer("200", "a=sendrecv", "a=rtpmap:200 VP8/90000"), "payload type '200'"),
            (VideoOffer("2147483647", "a=sendrecv", "a=rtpmap:2147483647 VP8/90000"), "payload type '2147483647'"),
            (VideoOffer("0", "a=sendrecv", "a=rtpmap:0 VP8/90000"), "96-127"),
            (VideoOffer("97", "a=sendrecv", "a=rtpmap:96 VP8/90000"), "does not list"),
            (VideoOffer("96", "a=recvonly", "a=rtpmap:96 VP8/90000"), "a=recvonly"),
            (VideoOffer("96", "a=inactive", "a=rtpmap:96 VP8/90000"), "a=inactive"),
            (VideoOffer("96", "a=sendrecv", "a=rtpmap:96 VP8/0"), "clock rate '0'"),
            (VideoOffer("96", "a=sendrecv", "a=rtpmap:96 VP8/90000", "a=ssrc:0 cname:x"), "the SSRC '0'"),
        ];
        foreach (var (offer, says) in cases)
        {
            Assert.Null((await wire.Invoke("Join", new { })).Error);
            var error = (await wire.Invoke("Offer", offer)).Error;
            Assert.NotNull(error);
            Assert.Contains(says, error);
            var ended = await wire.WaitForCall("Ended", TimeSpan.FromSeconds(10));
            Assert.StartsWith("bad offer", (string?)ended[0]);
            Assert.True(await TestServer.Eventually(() => server.Sessions.SlotsInUse == 0, TimeSpan.FromSeconds(5)), $"the slot was kept after: {says}");
        }
    }

    // Bugs 2 and 7: none of these candidates got an error, and 5000 of 60 KB each before the offer added 654 MB of RSS.
    [Fact]
    public async Task Bad_and_too_many_candidates_get_an_error()
    {
        if (Skip()) return;
        await using var server = await TestServer.Start();
        await using var wire = await HubWire.Connect(server.Url);
        Assert.Null((await wire.Invoke("Join", new { })).Error);
        foreach (var bad in (string[])["x", "candidate:1 99 udp 1 127.0.0.1 5000 typ host", "candidate:1 1 udp 1 127.0.0.1 5000 typ bogus", "candidate:1 1 udp 1 127.0.0.1 99999 typ host"])
            Assert.Contains("bad candidate: malformed ICE candidate", (await wire.Invoke("Candidate", new { candidate = bad, sdpMLineIndex = 0 })).Error);
        var good = "candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host";
        Assert.Contains("m-line index 2147483647", (await wire.Invoke("Candidate", new { candidate = good, sdpMLineIndex = int.MaxValue })).Error);
        var huge = "candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host generation 0 ufrag " + new string('a', 60 * 1024);
        for (int i = 0; i < 20; i++)
            Assert.Contains("at most 1024 are taken", (await wire.Invoke("Candidate", new { candidate = huge, sdpMLineIndex = 0 })).Error);
        Assert.Null((await wire.Invoke("Candidate", new { candidate = "", sdpMLineIndex = 0 })).Error); // end-of-candidates
        for (int i = 0; i < 100; i++)
            Assert.Null((await wire.Invoke("Candidate", new { candidate = $"candidate:{i} 1 udp 2122260223 127.0.0.1 {5000 + i} typ host", sdpMLineIndex = 0 })).Error);
        Assert.Contains("too many ICE candidates", (await wire.Invoke("Candidate", new { candidate = good, sdpMLineIndex = 0 })).Error);
    }

    // Bug 3: every refused call was logged at Error with a stack trace (~1.1 KB): 1000 SetView calls without a session
    // wrote 1.1 MB of log in 0.2 s.
    [Fact]
    public async Task Refused_calls_are_logged_once_per_connection_and_counted()
    {
        if (Skip()) return;
        var log = new LogCapture();
        await using var server = await TestServer.Start(log: log, logLevel: LogLevel.Information);
        await using var wire = await HubWire.Connect(server.Url);
        await using var other = await HubWire.Connect(server.Url);
        for (int i = 0; i < 1000; i++) // the caller still gets the reason, as before
            Assert.EndsWith("HubException: no session: call Join first", (await wire.Invoke("SetView", new { yawDeg = 1, pitchDeg = 2 })).Error);
        Assert.Contains("no session", (await other.Invoke("Offer", "v=0")).Error);

        var records = log.Records;
        var bytes = records.Sum(r => r.Text.Length);
        Assert.DoesNotContain(records, r => r.Level >= LogLevel.Warning);
        var refusals = records.Where(r => r.Text.Contains("refused: no session")).ToList();
        Assert.Equal(2, refusals.Count); // one line per connection
        Assert.All(refusals, r => Assert.Equal(LogLevel.Information, r.Level));
        Assert.DoesNotContain('\n', refusals[0].Text);
        Assert.True(bytes < 16 * 1024, $"{bytes} bytes of log for 1001 refused calls");

        using var http = new HttpClient { BaseAddress = server.Url };
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("npga_hub_calls_refused_total{method=\"SetView\"} 1000", metrics);
        Assert.Contains("npga_hub_calls_refused_total{method=\"Offer\"} 1", metrics);
    }

    // Bug 4: SignalR's 15 s client timeout starts only at the client's first message, so a connection that never sent
    // one stayed open (55 s and more), with its session.
    [Fact]
    public async Task A_connection_that_sends_nothing_is_closed_and_its_session_ended()
    {
        if (Skip()) return;
        await using var server = await TestServer.Start(o => o.ClientTimeoutSeconds = 2);
        await using var pinging = await HubWire.Connect(server.Url);
        using var stopPings = new CancellationTokenSource();
        var pings = Task.Run(async () =>
        {
            while (!stopPings.IsCancellationRequested)
            {
                await pinging.SendRaw("{\"type\":6}\u001e");
                await Task.Delay(250);
            }
        });
        Assert.Null((await pinging.Invoke("Join", new { })).Error); // the first Join builds the stages (seconds on a busy machine)
        Assert.Null((await pinging.Invoke("Leave")).Error);
        Assert.True(await TestServer.Eventually(() => server.Sessions.SlotsInUse == 0, TimeSpan.FromSeconds(5)));

        await using var silent = await HubWire.Connect(server.Url);
        Assert.Null((await silent.Invoke("Join", new { })).Error);
        using var raw = new ClientWebSocket(); // opens the WebSocket, never sends the SignalR handshake
        await raw.ConnectAsync(new UriBuilder(server.Url) { Scheme = "ws", Path = "/hub" }.Uri, CancellationToken.None);

        Assert.True(await silent.WaitClosed(TimeSpan.FromSeconds(8)), "a connection that sent nothing for 2 s was kept for 8 s");
        Assert.True(await TestServer.Eventually(() => server.Sessions.SlotsInUse == 0, TimeSpan.FromSeconds(5)), "its session kept its slot");
        var buffer = new byte[1024];
        bool rawClosed = false;
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            try
            {
                while ((await raw.ReceiveAsync(buffer, wait.Token)).MessageType != WebSocketMessageType.Close) { }
                rawClosed = true;
            }
            catch (WebSocketException)
            {
                rawClosed = true; // aborted rather than closed: gone either way
            }
            catch (OperationCanceledException)
            {
            }
        }
        Assert.True(rawClosed, "a WebSocket that never sent the SignalR handshake was kept 5 s after the client timeout");
        stopPings.Cancel();
        await pings;
        Assert.True(pinging.IsOpen, "a connection that pinged every 250 ms was closed");
        Assert.Contains("no session", (await pinging.Invoke("SetView", new { yawDeg = 0, pitchDeg = 0 })).Error); // still answered

        using var http = new HttpClient { BaseAddress = server.Url };
        Assert.Contains("npga_connections_closed_idle_total 2", await http.GetStringAsync("/metrics"));
    }

    // Bug 4's fix must not close long-polling clients: they send nothing between calls (no pings; the polls keep them alive).
    [Fact]
    public async Task A_long_polling_client_quiet_between_calls_is_kept()
    {
        if (Skip()) return;
        await using var server = await TestServer.Start(o => o.ClientTimeoutSeconds = 1);
        using var http = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromSeconds(30) };
        var negotiate = await http.PostAsync("/hub/negotiate?negotiateVersion=1", null);
        var token = (string?)System.Text.Json.Nodes.JsonNode.Parse(await negotiate.Content.ReadAsStringAsync())!["connectionToken"];
        var url = $"/hub?id={token}";
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(url)).StatusCode); // the first poll starts the connection
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync(url, new StringContent("{\"protocol\":\"json\",\"version\":1}\u001e"))).StatusCode);
        Assert.Contains("{}", await http.GetStringAsync(url)); // the handshake's answer

        var poll = http.GetStringAsync(url); // outstanding, as a long-polling client keeps one
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync(url,
            new StringContent("{\"type\":1,\"invocationId\":\"1\",\"target\":\"SetView\",\"arguments\":[{\"yawDeg\":1,\"pitchDeg\":2}]}\u001e"))).StatusCode);
        Assert.Contains("no session", await poll.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("npga_connections_closed_idle_total 0", await http.GetStringAsync("/metrics"));
    }

    // Bug 4: Kestrel had no connection limit (500 idle hub connections cost ~23 KB each) and its default 30 MB body limit.
    [Fact]
    public async Task Connections_and_request_bodies_are_limited()
    {
        if (Skip()) return;
        await using var server = await TestServer.Start(o =>
        {
            o.MaxSessions = 1;
            o.MaxConnections = 2;
        });
        var limits = server.App.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;
        Assert.Equal(2, limits.MaxConcurrentConnections);
        Assert.Equal(2, limits.MaxConcurrentUpgradedConnections);
        Assert.Equal(1024 * 1024, limits.MaxRequestBodySize);

        await using var first = await HubWire.Connect(server.Url);
        await using var second = await HubWire.Connect(server.Url);
        await Assert.ThrowsAnyAsync<Exception>(async () => await (await HubWire.Connect(server.Url)).DisposeAsync());
        await first.DisposeAsync();
        HubWire? third = null;
        Assert.True(await TestServer.Eventually(() =>
        {
            try
            {
                third = HubWire.Connect(server.Url).GetAwaiter().GetResult();
                return true;
            }
            catch (Exception)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(5)), "a freed connection was not reusable");
        await third!.DisposeAsync();

        Assert.Throws<ArgumentOutOfRangeException>(() => new LiveOptions { MaxConnections = 2, MaxSessions = 3 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new LiveOptions { MaxRequestBodyBytes = 1000 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new LiveOptions { ClientTimeoutSeconds = 0.5 }.Validate());
    }
}
