using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Npga.Live.Browser;
using Npga.Live.Core;
using Npga.Live.Server.Access;
using Npga.Live.Server.Whip;
using Npga.Live.Tests.Shared;
using Xunit.Abstractions;

namespace Npga.Live.Server.Tests;

/// <summary>
/// WHIP (RFC 9725) and WHEP over real HTTP on 127.0.0.1 in a loopback-only network namespace: the protocol's status
/// codes, and headless Chromium sending the fake webcam by WHIP while a second tab watches the avatar by WHEP.
/// </summary>
public class WhipTests(ITestOutputHelper output)
{
    /// <summary>A browser's sendrecv VP8 offer (webrtcbin answers it without the browser ever connecting).</summary>
    private const string Offer =
        "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\na=msid-semantic: WMS stream\r\n"
        + "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\n"
        + "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=ice-options:trickle\r\n"
        + "a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n"
        + "a=setup:actpass\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\na=rtcp-rsize\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\n"
        + "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n";

    private bool Skip() => LoopbackOnly.Skip(output.WriteLine);

    private static HttpContent Sdp(string text, string type = "application/sdp") =>
        new StringContent(text, Encoding.UTF8, new MediaTypeHeaderValue(type));

    private static async Task<HttpResponseMessage> Post(HttpClient http, string path, HttpContent body, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }

    [Fact]
    public void The_answer_gets_every_candidate_and_end_of_candidates_in_its_m_section()
    {
        var sdp = "v=0\r\ns=-\r\nm=video 9 X 96\r\na=mid:0\r\nm=application 9 Y\r\na=mid:1\r\n";
        var done = SdpCandidates.Insert(sdp, [(0, "candidate:1 1 UDP 1 127.0.0.1 5000 typ host"), (1, "candidate:2 1 UDP 1 127.0.0.1 5001 typ host"), (7, "candidate:x")]);
        Assert.Equal("v=0\r\ns=-\r\nm=video 9 X 96\r\na=mid:0\r\na=candidate:1 1 UDP 1 127.0.0.1 5000 typ host\r\na=end-of-candidates\r\n"
                     + "m=application 9 Y\r\na=mid:1\r\na=candidate:2 1 UDP 1 127.0.0.1 5001 typ host\r\na=end-of-candidates\r\n", done);
        var mids = SdpCandidates.Mids(sdp);
        Assert.Equal(["0", "1"], mids);
        var read = SdpCandidates.ReadFragment("a=ice-ufrag:abcd\r\na=ice-pwd:x\r\nm=audio 9 X 0\r\na=mid:1\r\na=candidate:3 1 udp 5 10.0.0.1 9 typ host\r\na=end-of-candidates\r\n", mids);
        Assert.Equal([(1, "candidate:3 1 udp 5 10.0.0.1 9 typ host")], read);
        Assert.Throws<FormatException>(() => SdpCandidates.ReadFragment("m=audio 9 X 0\r\na=mid:zz\r\na=candidate:3 1 udp 5 10.0.0.1 9 typ host\r\n", mids));
        Assert.Equal("abcd", SdpCandidates.IceUfrag(Offer));
    }

    [Fact(Timeout = 120_000)]
    public async Task Whip_refuses_a_wrong_content_type_415_and_a_malformed_offer_400()
    {
        if (Skip()) return;
        await using var server = await TestServer.Start();
        using var http = new HttpClient { BaseAddress = server.Url };
        var wrongType = await Post(http, "/whip", Sdp(Offer, "application/json"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);
        var garbage = await Post(http, "/whip", Sdp("hello"));
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Contains("malformed SDP offer", await garbage.Content.ReadAsStringAsync());
        var empty = await Post(http, "/whip", Sdp(""));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        var recvOnly = await Post(http, "/whip", Sdp(Offer.Replace("a=sendrecv", "a=recvonly")));
        Assert.Equal(HttpStatusCode.BadRequest, recvOnly.StatusCode);
        Assert.Contains("sendrecv", await recvOnly.Content.ReadAsStringAsync());
        // A sendonly offer without video (audio only) is refused: the session needs a video track.
        var audioOnly = await Post(http, "/whip", Sdp(Offer.Replace("a=sendrecv", "a=sendonly").Replace("m=video 9 UDP/TLS/RTP/SAVPF 96 97", "m=audio 9 UDP/TLS/RTP/SAVPF 111")
            .Replace("a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n", "a=rtpmap:111 opus/48000/2\r\n")));
        Assert.Equal(HttpStatusCode.BadRequest, audioOnly.StatusCode);
        Assert.Contains("no video m-line", await audioOnly.Content.ReadAsStringAsync());
        var noAvatar = await Post(http, "/whip/nosuchavatar", Sdp(Offer));
        Assert.Equal(HttpStatusCode.NotFound, noAvatar.StatusCode);
        Assert.True(await TestServer.Eventually(() => server.Sessions.SlotsInUse == 0, TimeSpan.FromSeconds(10)), "a refused offer frees its slot");
    }

    [Fact(Timeout = 180_000)]
    public async Task Whip_answers_201_is_busy_503_when_full_and_DELETE_frees_the_slot()
    {
        if (Skip()) return;
        await using var server = await TestServer.Start(o => o.MaxSessions = 1);
        using var http = new HttpClient { BaseAddress = server.Url };
        var first = await Post(http, "/whip", Sdp(Offer));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal("application/sdp", first.Content.Headers.ContentType?.MediaType);
        var location = first.Headers.Location!.OriginalString;
        Assert.Matches("^/whip/sessions/[0-9a-f]{32}$", location);
        var answer = await first.Content.ReadAsStringAsync();
        Assert.Contains("a=candidate:", answer);
        Assert.Contains("a=end-of-candidates", answer);
        Assert.Contains("a=sendrecv", answer);
        Assert.Contains("127.0.0.1", answer);

        var busy = await Post(http, "/whip", Sdp(Offer));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, busy.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(WhipEndpoints.RetryAfterSeconds), busy.Headers.RetryAfter?.Delta);
        Assert.StartsWith("busy:", await busy.Content.ReadAsStringAsync());

        // Trickled candidates: taken (204); another ufrag is an ICE restart (501); a viewer takes none (405).
        var patch = await http.SendAsync(new HttpRequestMessage(HttpMethod.Patch, location)
        {
            Content = Sdp("a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\nm=video 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\na=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host\r\na=end-of-candidates\r\n", "application/trickle-ice-sdpfrag"),
        });
        Assert.Equal(HttpStatusCode.NoContent, patch.StatusCode);
        var restart = await http.SendAsync(new HttpRequestMessage(HttpMethod.Patch, location) { Content = Sdp("a=ice-ufrag:wxyz\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n", "application/trickle-ice-sdpfrag") });
        Assert.Equal(HttpStatusCode.NotImplemented, restart.StatusCode);
        var options = await http.SendAsync(new HttpRequestMessage(HttpMethod.Options, "/whip"));
        Assert.Equal(HttpStatusCode.NoContent, options.StatusCode);
        Assert.Contains("POST", options.Content.Headers.Allow);
        Assert.Equal("application/sdp", options.Headers.GetValues("Accept-Post").Single());

        var delete = await http.DeleteAsync(location);
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        Assert.True(await TestServer.Eventually(() => server.Sessions.SlotsInUse == 0, TimeSpan.FromSeconds(10)), "DELETE frees the slot");
        Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync(location)).StatusCode);
        var again = await Post(http, "/whip", Sdp(Offer));
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.DeleteAsync(again.Headers.Location!)).StatusCode);
    }

    [Fact(Timeout = 240_000)]
    public async Task Whip_is_busy_503_while_the_sessions_keep_the_renderer_busy_and_admits_again_when_it_is_free()
    {
        if (Skip()) return;
        // Any rendering at all is over this limit: the second publisher is refused by load, not by slots (3).
        await using var server = await TestServer.Start(o => { o.MaxSessions = 3; o.MaxRenderLoad = 0.001; });
        using var http = new HttpClient { BaseAddress = server.Url };
        using var obs = WhipTestClient.Obs();
        var created = await Post(http, "/whip", Sdp(obs.Offer()));
        var answer = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, $"{created.StatusCode}: {answer}");
        obs.AcceptAnswer(answer);
        var session = server.Sessions.Sessions.Single();
        Assert.True(await TestServer.Eventually(() => session.RenderLoad > 0, TimeSpan.FromSeconds(90)), $"no frame rendered: {session.Stats}");
        output.WriteLine($"render load {server.Sessions.RenderLoad:F3} ({session.Stats})");

        var busy = await Post(http, "/whip", Sdp(Offer));
        var message = await busy.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, busy.StatusCode);
        Assert.StartsWith("busy: the server is at capacity (1 session keeps its renderer busy", message);
        Assert.Contains("with one more; the limit is 0%", message);
        Assert.Equal(1, server.Sessions.SlotsInUse);
        Assert.Equal(1, server.Sessions.RefusedByLoad);
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("npga_sessions_refused_load_total 1", metrics);
        Assert.Matches(@"npga_render_load_max 0\.001\n", metrics);

        Assert.Equal(HttpStatusCode.OK, (await http.DeleteAsync(created.Headers.Location!)).StatusCode);
        Assert.True(await TestServer.Eventually(() => server.Sessions.SlotsInUse == 0, TimeSpan.FromSeconds(10)), "DELETE frees the slot");
        var again = await Post(http, "/whip", Sdp(Offer));
        Assert.Equal(HttpStatusCode.Created, again.StatusCode); // nothing renders now: admitted
        Assert.Equal(HttpStatusCode.OK, (await http.DeleteAsync(again.Headers.Location!)).StatusCode);
    }

    [Fact(Timeout = 60_000)]
    public async Task Unknown_resources_are_404_and_a_viewer_takes_no_PATCH()
    {
        if (Skip()) return;
        await using var server = await TestServer.Start();
        using var http = new HttpClient { BaseAddress = server.Url };
        var unknown = new string('0', 32);
        Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync($"/whip/sessions/{unknown}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PatchAsync($"/whip/sessions/{unknown}", Sdp("a=candidate:1 1 udp 1 127.0.0.1 9 typ host", "application/trickle-ice-sdpfrag"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Post(http, $"/whep/sessions/{unknown}", Sdp(Offer.Replace("a=sendrecv", "a=recvonly")))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync($"/whep/viewers/{unknown}")).StatusCode);
        var patchViewer = await http.PatchAsync($"/whep/viewers/{unknown}", Sdp("a=candidate:1 1 udp 1 127.0.0.1 9 typ host", "application/trickle-ice-sdpfrag"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, patchViewer.StatusCode);
        Assert.Contains("DELETE", patchViewer.Content.Headers.Allow);
    }

    [Fact(Timeout = 120_000)]
    public async Task With_join_tokens_WHIP_and_WHEP_need_a_bearer_token_401()
    {
        if (Skip()) return;
        var dir = Directory.CreateTempSubdirectory("npga-whip-").FullName;
        try
        {
            var secretFile = Path.Combine(dir, "token.secret");
            File.WriteAllText(secretFile, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48)) + "\n");
            var token = new JoinTokenCodec(SecretFile.Read(secretFile, "token secret", JoinTokenCodec.MinSecretBytes)).Issue(TimeSpan.FromHours(1), [], DateTimeOffset.UtcNow);
            await using var server = await TestServer.Start(o => o.Auth.TokenSecretFile = secretFile);
            using var http = new HttpClient { BaseAddress = server.Url };
            var missing = await Post(http, "/whip", Sdp(Offer));
            Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
            Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.Single().Scheme);
            Assert.Equal(HttpStatusCode.Unauthorized, (await Post(http, "/whip", Sdp(Offer), token + "x")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await Post(http, $"/whep/sessions/{new string('0', 32)}", Sdp(Offer))).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.DeleteAsync($"/whip/sessions/{new string('0', 32)}")).StatusCode);
            var created = await Post(http, "/whip", Sdp(Offer), token);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.DeleteAsync(created.Headers.Location!)).StatusCode);
            using var delete = new HttpRequestMessage(HttpMethod.Delete, created.Headers.Location!);
            delete.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(delete)).StatusCode);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact(Timeout = 300_000)]
    public async Task Chromium_sends_its_webcam_by_WHIP_and_a_second_tab_watches_the_avatar_by_WHEP()
    {
        if (Skip()) return;
        if (!LiveBrowser.IsAvailable || RepoPaths.SharedData is not { } data || !File.Exists(Path.Combine(data, "driving", "d3.mp4")))
        {
            output.WriteLine("SKIPPED: Chromium or ../shared/data/driving/d3.mp4 absent");
            return;
        }
        var dir = Directory.CreateTempSubdirectory("npga-whip-").FullName;
        try
        {
            var y4m = Path.Combine(dir, "webcam.y4m");
            FakeWebcamClip.Write(Path.Combine(data, "driving", "d3.mp4"), y4m, 300);
            await using var server = await TestServer.Start();
            using var browser = new LiveBrowser(y4m);
            var publisher = browser.Open(new Uri(server.Url, "/whip.html"));
            var state = publisher.WaitFor(s => s.GetProperty("framesReceived").GetInt64() > 0 || s.GetProperty("state").GetString() == "error",
                TimeSpan.FromSeconds(90), "first avatar frame over WHIP");
            Assert.True(state.GetProperty("state").GetString() != "error", state.GetRawText());
            var resource = state.GetProperty("resource").GetString()!;
            var id = resource[(resource.LastIndexOf('/') + 1)..];

            var viewer = browser.Open(new Uri(server.Url, $"/whip.html?whep={id}"));
            var seen = viewer.WaitFor(s => s.GetProperty("framesReceived").GetInt64() > 0 || s.GetProperty("state").GetString() == "error",
                TimeSpan.FromSeconds(60), "first avatar frame over WHEP");
            Assert.True(seen.GetProperty("state").GetString() != "error", seen.GetRawText());

            // Received frame rates over 10 s, both tabs.
            long p0 = publisher.State!.Value.GetProperty("framesReceived").GetInt64(), v0 = viewer.State!.Value.GetProperty("framesReceived").GetInt64();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(10));
            long p1 = publisher.State!.Value.GetProperty("framesReceived").GetInt64(), v1 = viewer.State!.Value.GetProperty("framesReceived").GetInt64();
            double s = clock.Elapsed.TotalSeconds, whipFps = (p1 - p0) / s, whepFps = (v1 - v0) / s;
            var stats = server.Sessions.Sessions.Single().Stats;
            output.WriteLine($"received fps: WHIP tab {whipFps:0.0}, WHEP tab {whepFps:0.0}; server fps in {stats.FpsIn:0.0}, out {stats.FpsOut:0.0}");
            Console.WriteLine($"WHIP/WHEP received fps: WHIP tab {whipFps:0.0}, WHEP tab {whepFps:0.0}; server fps in {stats.FpsIn:0.0}, out {stats.FpsOut:0.0}");
            // The avatar's rate is the machine's (CPU rendering on a shared machine may give ~1 fps): each tab must get it.
            // The viewer gets what the publisher gets.
            Assert.True(whipFps > 0.3, $"WHIP tab {whipFps:0.0} fps");
            Assert.True(whepFps > 0.5 * whipFps, $"WHEP tab {whepFps:0.0} fps, WHIP tab {whipFps:0.0}");
            Assert.Equal(1, server.Sessions.Sessions.Single().Viewers.Count);

            // The viewer leaves (DELETE): the session keeps going; the publisher leaves: the slot is free.
            Assert.Equal(200, viewer.EvalAsync("return await window.npgaTest.stop();")!.Value.GetInt32());
            Assert.True(await TestServer.Eventually(() => server.Sessions.Sessions.Single().Viewers.Count == 0, TimeSpan.FromSeconds(5)), "the viewer is removed");
            Assert.Equal(200, publisher.EvalAsync("return await window.npgaTest.stop();")!.Value.GetInt32());
            Assert.True(await TestServer.Eventually(() => server.Sessions.SlotsInUse == 0, TimeSpan.FromSeconds(10)), "DELETE frees the slot");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>
    /// OBS Studio 30's WHIP output, played by webrtcbin: sendonly opus audio and sendonly H.264 video, bundled, every
    /// candidate in the offer. The server answers 201 with both m-lines recvonly, decodes the video into the session's
    /// tracker (fps in), sends nothing back on that connection, and a WHEP viewer of the session gets the avatar.
    /// </summary>
    [Fact(Timeout = 240_000)]
    public async Task An_OBS_shaped_sendonly_offer_with_audio_streams_in_and_its_avatar_is_watched_by_WHEP()
    {
        if (Skip()) return;
        await using var server = await TestServer.Start();
        using var http = new HttpClient { BaseAddress = server.Url };
        using var obs = WhipTestClient.Obs();
        var offer = obs.Offer();
        Assert.Contains("m=audio", offer);
        Assert.Contains("a=sendonly", offer);
        Assert.DoesNotContain("a=sendrecv", offer);
        var created = await Post(http, "/whip", Sdp(offer));
        var answer = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, $"{created.StatusCode}: {answer}");
        output.WriteLine(answer);
        var sections = answer.Split("\r\nm=").Skip(1).ToList();
        Assert.Equal(2, sections.Count);
        Assert.StartsWith("audio", sections[0]);
        Assert.StartsWith("video", sections[1]);
        Assert.All(sections, m => Assert.Contains("a=recvonly", m));
        Assert.Contains("H264/90000", sections[1]);
        Assert.Contains("a=candidate:", answer);
        obs.AcceptAnswer(answer);

        var session = server.Sessions.Sessions.Single();
        Assert.True(await TestServer.Eventually(() => session.Stats.FpsIn > 0, TimeSpan.FromSeconds(30)), $"no video in: {session.Stats}");
        output.WriteLine($"WHIP session: {session.Stats}");

        var location = created.Headers.Location!.OriginalString;
        var id = location[(location.LastIndexOf('/') + 1)..];
        using var viewer = WhipTestClient.Viewer();
        var watch = await Post(http, $"/whep/sessions/{id}", Sdp(viewer.Offer()));
        var viewerAnswer = await watch.Content.ReadAsStringAsync();
        Assert.True(watch.StatusCode == HttpStatusCode.Created, $"{watch.StatusCode}: {viewerAnswer}");
        viewer.AcceptAnswer(viewerAnswer);
        Assert.True(await TestServer.Eventually(() => viewer.FramesReceived > 0, TimeSpan.FromSeconds(90)), $"no avatar frame by WHEP: {session.Stats}");
        var stats = session.Stats;
        output.WriteLine($"WHEP viewer: {viewer.FramesReceived} frames; WHIP session: {stats}");
        Assert.Equal(0, stats.FpsOut); // the OBS connection gets no avatar track
        Assert.Equal("Connected", stats.State);
        // Still streaming in. FpsIn is the last 1 s stats window's rate: on a loaded 2-core CI machine one window can
        // decode nothing (CI once saw 0 with the renderer at 1.4 s a frame), so wait for a window that decodes again.
        Assert.True(await TestServer.Eventually(() => session.Stats.FpsIn > 0, TimeSpan.FromSeconds(30)), $"video stopped coming in: {session.Stats}");

        Assert.Equal(HttpStatusCode.OK, (await http.DeleteAsync(location)).StatusCode);
        Assert.True(await TestServer.Eventually(() => server.Sessions.SlotsInUse == 0, TimeSpan.FromSeconds(10)), "DELETE frees the slot");
    }
}
