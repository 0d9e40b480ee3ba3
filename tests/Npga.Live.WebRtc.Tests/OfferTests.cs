using Npga.Live.Media.GStreamer;
using Npga.Live.Media.Tests.Support;
using Npga.Live.Media.WebRtc;

namespace Npga.Live.WebRtc.Tests;

/// <summary>Reading offers and refusing bad ones: no network needed (nothing is negotiated).</summary>
public class OfferTests
{
    /// <summary>A browser-style offer: one sendrecv video m-line with VP8, VP9, H.264 (two profiles), rtx and red.</summary>
    internal const string BrowserOffer =
        "v=0\r\n"
        + "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
        + "s=-\r\n"
        + "t=0 0\r\n"
        + "a=group:BUNDLE 0\r\n"
        + "a=extmap-allow-mixed\r\n"
        + "a=msid-semantic: WMS stream\r\n"
        + "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 102 103 106 107 116\r\n"
        + "c=IN IP4 0.0.0.0\r\n"
        + "a=rtcp:9 IN IP4 0.0.0.0\r\n"
        + "a=ice-ufrag:abcd\r\n"
        + "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
        + "a=ice-options:trickle\r\n"
        + "a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n"
        + "a=setup:actpass\r\n"
        + "a=mid:0\r\n"
        + "a=sendrecv\r\n"
        + "a=rtcp-mux\r\n"
        + "a=rtcp-rsize\r\n"
        + "a=rtpmap:96 VP8/90000\r\n"
        + "a=rtcp-fb:96 nack pli\r\n"
        + "a=rtpmap:97 rtx/90000\r\n"
        + "a=fmtp:97 apt=96\r\n"
        + "a=rtpmap:98 VP9/90000\r\n"
        + "a=fmtp:98 profile-id=0\r\n"
        + "a=rtpmap:99 rtx/90000\r\n"
        + "a=fmtp:99 apt=98\r\n"
        + "a=rtpmap:102 H264/90000\r\n"
        + "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f\r\n"
        + "a=rtpmap:103 rtx/90000\r\n"
        + "a=fmtp:103 apt=102\r\n"
        + "a=rtpmap:106 H264/90000\r\n"
        + "a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
        + "a=rtpmap:107 rtx/90000\r\n"
        + "a=fmtp:107 apt=106\r\n"
        + "a=rtpmap:116 red/90000\r\n";

    [Fact(Timeout = 30_000)]
    public Task A_browser_offer_gets_VP8_with_its_payload_type() => Bounded.Run(20, () =>
    {
        var offer = WebRtcOffer.Parse(BrowserOffer);
        Assert.Equal(0, offer.VideoMLineIndex);
        Assert.Equal("VP8", offer.Codec);
        Assert.Equal(96, offer.PayloadType);
        Assert.Contains("H264/106", offer.OfferedCodecs);
        Assert.Equal(9, offer.OfferedCodecs.Count);
    });

    [Fact(Timeout = 30_000)]
    public Task Without_VP8_the_packetization_mode_1_constrained_baseline_H264_is_taken() => Bounded.Run(20, () =>
    {
        if (!WebRtcOfferInstalled("H264")) return;
        var noVp8 = BrowserOffer.Replace("a=rtpmap:96 VP8/90000", "a=rtpmap:96 AV1/90000");
        var offer = WebRtcOffer.Parse(noVp8);
        Assert.Equal("H264", offer.Codec);
        Assert.Equal(106, offer.PayloadType); // 102 is packetization-mode=0
        Assert.Contains("profile-level-id=42e01f", offer.Fmtp);
    });

    [Fact(Timeout = 30_000)]
    public Task Malformed_offers_are_refused_with_a_clear_message() => Bounded.Run(20, () =>
    {
        using var peer = new WebRtcPeer(new WebRtcPeerOptions());
        var empty = Assert.Throws<WebRtcException>(() => peer.AcceptOffer(""));
        Assert.Contains("malformed SDP offer", empty.Message);
        var garbage = Assert.Throws<WebRtcException>(() => peer.AcceptOffer("hello, I am not SDP"));
        Assert.Contains("malformed SDP offer", garbage.Message);
        Assert.Contains("v=0", garbage.Message);
        var noMedia = Assert.Throws<WebRtcException>(() => peer.AcceptOffer("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"));
        Assert.Contains("no media section", noMedia.Message);
        Assert.Equal(WebRtcPeerState.New, peer.State); // a refused offer leaves the peer usable
    });

    [Fact(Timeout = 30_000)]
    public Task An_offer_without_video_is_refused() => Bounded.Run(20, () =>
    {
        var audioOnly = BrowserOffer
            .Replace("m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 102 103 106 107 116", "m=audio 9 UDP/TLS/RTP/SAVPF 111")
            .Replace("a=rtpmap:96 VP8/90000", "a=rtpmap:111 opus/48000/2");
        using var peer = new WebRtcPeer(new WebRtcPeerOptions());
        var e = Assert.Throws<WebRtcException>(() => peer.AcceptOffer(audioOnly));
        Assert.Contains("no video m-line", e.Message);
        Assert.Contains("audio", e.Message);

        var disabledVideo = BrowserOffer.Replace("m=video 9 ", "m=video 0 ");
        var d = Assert.Throws<WebRtcException>(() => WebRtcOffer.Parse(disabledVideo));
        Assert.Contains("video (disabled)", d.Message);
    });

    [Fact(Timeout = 30_000)]
    public Task An_offer_with_no_usable_codec_or_extra_media_is_refused() => Bounded.Run(20, () =>
    {
        var vp9Only = BrowserOffer
            .Replace("a=rtpmap:96 VP8/90000", "a=rtpmap:96 AV1/90000")
            .Replace("a=rtpmap:102 H264/90000", "a=rtpmap:102 H265/90000")
            .Replace("a=rtpmap:106 H264/90000", "a=rtpmap:106 H265/90000");
        var e = Assert.Throws<WebRtcException>(() => WebRtcOffer.Parse(vp9Only));
        Assert.Contains("no codec this server can decode and encode", e.Message);
        Assert.Contains("VP9/98", e.Message);

        var withAudio = BrowserOffer + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=rtpmap:111 opus/48000/2\r\n";
        var a = Assert.Throws<WebRtcException>(() => WebRtcOffer.Parse(withAudio));
        Assert.Contains("only one video m-line", a.Message);
    });

    [Fact(Timeout = 30_000)]
    public Task Sdp_binding_round_trips_and_options_are_checked() => Bounded.Run(20, () =>
    {
        using (var sdp = GstSdpMessage.Parse(BrowserOffer))
        {
            Assert.Equal("0", sdp.Version);
            Assert.Equal(1, sdp.MediaCount);
            Assert.Equal("video", sdp.MediaKind(0));
            Assert.Equal(["96", "97", "98", "99", "102", "103", "106", "107", "116"], sdp.MediaFormats(0));
            Assert.Contains("96 VP8/90000", sdp.MediaAttributeValues(0, "rtpmap"));
            using var again = GstSdpMessage.Parse(sdp.ToText());
            Assert.Equal(sdp.ToText(), again.ToText());
            Assert.Throws<ArgumentOutOfRangeException>(() => sdp.MediaKind(1));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new WebRtcPeer(new WebRtcPeerOptions { OutputFps = 0 }));
        Assert.Throws<ArgumentException>(() => new WebRtcPeer(new WebRtcPeerOptions { OutputWidth = 511 }));
        Assert.Throws<ArgumentException>(() => new WebRtcPeer(new WebRtcPeerOptions { StunServers = ["stun.example.org:3478"] }));
        var turn = Assert.Throws<ArgumentException>(() => new WebRtcPeer(new WebRtcPeerOptions { TurnServers = ["http://user:secret@host:3478"] }));
        Assert.DoesNotContain("secret", turn.Message);
        using var peer = new WebRtcPeer(new WebRtcPeerOptions());
        Assert.False(peer.SendFrame(new Npga.Live.Core.Imaging.RgbImage(512, 512))); // nothing negotiated yet: dropped
        Assert.Throws<ArgumentException>(() => peer.SendFrame(new Npga.Live.Core.Imaging.RgbImage(64, 64)));
        Assert.False(peer.TryReadFrame(TimeSpan.FromMilliseconds(50), out _));
        peer.AddRemoteCandidate(0, ""); // end-of-candidates: ignored
    });

    /// <summary>A one-video-m-line offer listing <paramref name="formats"/>, with the session-level <paramref name="session"/> lines and the video's <paramref name="video"/> lines.</summary>
    private static string VideoOffer(string formats, string[] video, params string[] session) => string.Join("\r\n",
        ["v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0", .. session,
         $"m=video 9 UDP/TLS/RTP/SAVPF {formats}", "c=IN IP4 0.0.0.0", "a=ice-ufrag:abcd", "a=ice-pwd:abcdefghijklmnopqrstuvwx",
         "a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF",
         "a=setup:actpass", "a=mid:0", "a=rtcp-mux", .. video, ""]);

    /// <summary>The offer must be refused by <see cref="WebRtcOffer.Parse"/> and by a peer, which stays New (nothing reached webrtcbin).</summary>
    private static WebRtcException Refused(WebRtcPeer peer, string sdp)
    {
        var e = Assert.Throws<WebRtcException>(() => WebRtcOffer.Parse(sdp));
        var p = Assert.Throws<WebRtcException>(() => peer.AcceptOffer(sdp));
        Assert.Equal(e.Message, p.Message);
        Assert.Equal(WebRtcPeerState.New, peer.State);
        return e;
    }

    // Issue 27, bug 1: these offers were taken; webrtcbin then answered with the video rejected (m=video 0) after
    // "value "200" out of range for property 'pt'" and a gst_caps_get_structure CRITICAL.
    [Fact(Timeout = 30_000)]
    public Task Payload_types_must_be_listed_on_the_m_line_and_dynamic() => Bounded.Run(20, () =>
    {
        using var peer = new WebRtcPeer(new WebRtcPeerOptions());
        Assert.Contains("payload type '200'", Refused(peer, VideoOffer("200", ["a=sendrecv", "a=rtpmap:200 VP8/90000"])).Message);
        Assert.Contains("payload type '2147483647'", Refused(peer, VideoOffer("2147483647", ["a=sendrecv", "a=rtpmap:2147483647 VP8/90000"])).Message);
        Assert.Contains("a number from 0 to 127", Refused(peer, VideoOffer("96 abc", ["a=sendrecv", "a=rtpmap:96 VP8/90000"])).Message);
        var zero = Refused(peer, VideoOffer("0", ["a=sendrecv", "a=rtpmap:0 VP8/90000"]));
        Assert.Contains("VP8 only on payload type 0", zero.Message);
        Assert.Contains("96-127", zero.Message);
        var unlisted = Refused(peer, VideoOffer("97", ["a=sendrecv", "a=rtpmap:96 VP8/90000"]));
        Assert.Contains("maps payload type 96, which the video m-line does not list (it lists 97)", unlisted.Message);
        Assert.Contains("'a=rtpmap:96 VP8' is not", Refused(peer, VideoOffer("96", ["a=sendrecv", "a=rtpmap:96 VP8"])).Message);

        var ok = WebRtcOffer.Parse(VideoOffer("127 35", ["a=sendrecv", "a=rtpmap:35 AV1/90000", "a=rtpmap:127 VP8/90000"]));
        Assert.Equal(127, ok.PayloadType); // Chrome puts codecs beyond 96..127 on 35..63: listed and 0..127, they are fine
    });

    // Found by the offer fuzz test (stop 37): webrtcbin aborted the whole process (g_assert in
    // _get_ice_credentials_from_sdp_media) on an offer whose video m-line lacked a=ice-pwd and whose session level gave
    // a=ice-ufrag twice. The reader refuses it (and any credential given twice in one place) before webrtcbin sees it.
    [Fact(Timeout = 30_000)]
    public Task An_ICE_credential_given_twice_is_refused_before_webrtcbin_can_abort_on_it() => Bounded.Run(20, () =>
    {
        using var peer = new WebRtcPeer(new WebRtcPeerOptions());
        var sessionTwice = BrowserOffer
            .Replace("a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n", "")
            .Replace("a=group:BUNDLE 0\r\n", "a=group:BUNDLE 0\r\na=ice-ufrag:efgh\r\na=ice-ufrag:ijkl\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n");
        Assert.Contains("a=ice-ufrag appears 2 times at the session level", Refused(peer, sessionTwice).Message);
        var mediaTwice = BrowserOffer.Replace("a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n", "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=ice-pwd:zyxwvutsrqponmlkjihgfedc\r\n");
        Assert.Contains("a=ice-pwd appears 2 times in m-line 0", Refused(peer, mediaTwice).Message);
        // Credentials at the session level only, once each, are fine.
        var sessionOnce = BrowserOffer
            .Replace("a=ice-ufrag:abcd\r\n", "").Replace("a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n", "")
            .Replace("a=group:BUNDLE 0\r\n", "a=group:BUNDLE 0\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n");
        Assert.Equal("VP8", WebRtcOffer.Parse(sessionOnce).Codec);
    });

    // Issue 27, bug 5: these offers were taken, and the session held its slot until the connect timeout.
    [Fact(Timeout = 30_000)]
    public Task Offers_that_cannot_send_and_receive_or_have_a_bad_clock_rate_are_refused() => Bounded.Run(20, () =>
    {
        using var peer = new WebRtcPeer(new WebRtcPeerOptions());
        Assert.Contains("a=recvonly", Refused(peer, VideoOffer("96", ["a=recvonly", "a=rtpmap:96 VP8/90000"])).Message);
        Assert.Contains("a=inactive", Refused(peer, VideoOffer("96", ["a=inactive", "a=rtpmap:96 VP8/90000"])).Message);
        Assert.Contains("a=sendonly", Refused(peer, VideoOffer("96", ["a=sendonly", "a=rtpmap:96 VP8/90000"])).Message);
        Assert.Contains("a=recvonly", Refused(peer, VideoOffer("96", ["a=rtpmap:96 VP8/90000"], "a=recvonly")).Message); // session level
        Assert.Contains("exactly one", Refused(peer, VideoOffer("96", ["a=sendrecv", "a=recvonly", "a=rtpmap:96 VP8/90000"])).Message);
        var rate = Refused(peer, VideoOffer("96", ["a=sendrecv", "a=rtpmap:96 VP8/0"]));
        Assert.Contains("clock rate '0'", rate.Message);
        Assert.Contains("90000", rate.Message);
        Assert.Contains("clock rate '48000'", Refused(peer, VideoOffer("96 97", ["a=sendrecv", "a=rtpmap:96 VP8/90000", "a=rtpmap:97 rtx/48000"])).Message);

        // A media-level sendrecv wins over a session-level direction. No direction in the m-line is refused (RFC 3264 reads
        // it as sendrecv, but webrtcbin answered such an offer with the video rejected: issue 27 part 5, OfferFuzzTests).
        Assert.Contains("no direction attribute", Refused(peer, VideoOffer("96", ["a=rtpmap:96 VP8/90000"])).Message);
        Assert.Equal("VP8", WebRtcOffer.Parse(VideoOffer("96", ["a=sendrecv", "a=rtpmap:96 VP8/90000"], "a=inactive")).Codec);
    });

    // Issue 27, bug 6: "a=ssrc:0 cname:x" made GStreamer assert (transport_stream_add_ssrc_map_item: 'ssrc != 0').
    [Fact(Timeout = 30_000)]
    public Task Ssrc_0_and_malformed_ssrcs_are_refused() => Bounded.Run(20, () =>
    {
        using var peer = new WebRtcPeer(new WebRtcPeerOptions());
        string[] codec = ["a=sendrecv", "a=rtpmap:96 VP8/90000"];
        Assert.Contains("the SSRC '0'", Refused(peer, VideoOffer("96", [.. codec, "a=ssrc:0 cname:x"])).Message);
        Assert.Contains("the SSRC '4294967296'", Refused(peer, VideoOffer("96", [.. codec, "a=ssrc:4294967296 cname:x"])).Message);
        Assert.Contains("the SSRC 'abc'", Refused(peer, VideoOffer("96", [.. codec, "a=ssrc:abc cname:x"])).Message);
        Assert.Contains("the SSRC '-5'", Refused(peer, VideoOffer("96", [.. codec, "a=ssrc:-5 cname:x"])).Message);
        Assert.Contains("the SSRC '0'", Refused(peer, VideoOffer("96", [.. codec, "a=ssrc-group:FID 12345 0"])).Message);
        Assert.Equal(96, WebRtcOffer.Parse(VideoOffer("96", [.. codec, "a=ssrc-group:FID 1 4294967295", "a=ssrc:1 cname:x", "a=ssrc:4294967295 cname:x"])).PayloadType);
    });

    /// <summary>Candidates browsers and libnice send: each must be taken.</summary>
    internal static readonly string[] GoodCandidates =
    [
        "candidate:842163049 1 udp 1677729535 203.0.113.7 53705 typ srflx raddr 192.168.1.20 rport 53705 generation 0 ufrag abcd network-cost 999",
        "candidate:3024718306 1 udp 2122260223 9c2d61a3-6f6c-4d23-9b7e-6a3f8e3c1f00.local 54321 typ host generation 0 ufrag abcd network-id 1",
        "candidate:1 1 tcp 1518280447 192.168.1.20 9 typ host tcptype active generation 0",
        "candidate:0 1 UDP 2122252543 fe80::1c2b:3cff:fe4d:5e6f 55555 typ host",
        "candidate:2 1 UDP 92019199 198.51.100.4 3478 typ relay raddr 0.0.0.0 rport 0",
        "a=candidate:1 2 udp 2015363327 127.0.0.1 40000 typ host",
        "candidate:abc+/ 1 udp 4294967295 127.0.0.1 65535 typ prflx",
    ];

    /// <summary>Garbage a hostile client sent as candidates; none got an error before issue 27.</summary>
    internal static readonly string[] BadCandidates =
    [
        "x",
        "candidate:",
        "candidate:1",
        "hello candidate:1 1 udp 1 127.0.0.1 5000 typ host",
        "candidate:1 1 udp 1 127.0.0.1 5000",
        "candidate:1 99 udp 1 127.0.0.1 5000 typ host",
        "candidate:1 0 udp 1 127.0.0.1 5000 typ host",
        "candidate:1 1 sctp 1 127.0.0.1 5000 typ host",
        "candidate:1 1 udp 4294967296 127.0.0.1 5000 typ host",
        "candidate:1 1 udp -1 127.0.0.1 5000 typ host",
        "candidate:1 1 udp 1 999.0.0.1 5000 typ host",
        "candidate:1 1 udp 1 127.0.0.1 65536 typ host",
        "candidate:1 1 udp 1 127.0.0.1 -1 typ host",
        "candidate:1 1 udp 1 127.0.0.1 5000 type host",
        "candidate:1 1 udp 1 127.0.0.1 5000 typ bogus",
        "candidate:1 1 udp 1 127.0.0.1 5000 typ host raddr",
        "candidate:1 1 udp 1 127.0.0.1 5000 typ srflx raddr not_an_address rport 1",
        "candidate:1 1 udp 1 127.0.0.1 5000 typ srflx raddr 10.0.0.1 rport 99999",
        "candidate:1 1 udp 1 127.0.0.1 5000 typ host\r\na=ice-ufrag:evil",
        "candidate:1 1 udp 1 127.0.0.1  5000 typ host",
        "candidate:this-foundation-is-far-too-long-for-ice 1 udp 1 127.0.0.1 5000 typ host",
        "candidate:1 1 udp 1 exa mple.local 5000 typ host",
        "candidate:1 1 udp 1 -bad-.local 5000 typ host",
        "candidate:1 1 udp 1 127.0.0.1 5000 typ host generation \u00e9",
    ];

    // Issue 27, bug 7: none of the garbage candidates got an error, m-line index 2147483647 was taken, component 99 reached libnice.
    [Fact(Timeout = 30_000)]
    public Task Malformed_candidates_and_m_line_indexes_are_refused() => Bounded.Run(20, () =>
    {
        using var peer = new WebRtcPeer(new WebRtcPeerOptions());
        foreach (var bad in BadCandidates)
        {
            var e = Assert.Throws<WebRtcException>(() => peer.AddRemoteCandidate(0, bad));
            Assert.StartsWith("malformed ICE candidate", e.Message);
        }
        Assert.Contains("the component '99'", Assert.Throws<WebRtcException>(() => peer.AddRemoteCandidate(0, BadCandidates[5])).Message);
        var index = Assert.Throws<ArgumentOutOfRangeException>(() => peer.AddRemoteCandidate(int.MaxValue, GoodCandidates[0]));
        Assert.Contains("m-line index 2147483647", index.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => peer.AddRemoteCandidate(WebRtcPeer.MaxMLinesBeforeOffer, GoodCandidates[0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => peer.AddRemoteCandidate(-1, GoodCandidates[0]));
        Assert.Throws<ArgumentNullException>(() => peer.AddRemoteCandidate(0, null!));

        foreach (var good in GoodCandidates) peer.AddRemoteCandidate(0, good);
        var c = IceCandidate.Parse(GoodCandidates[0]);
        Assert.Equal(("842163049", 1, "udp", 1677729535u, "203.0.113.7", 53705, "srflx"), (c.Foundation, c.Component, c.Transport, c.Priority, c.Address, c.Port, c.Type));
        peer.AddRemoteCandidate(0, "");                   // end-of-candidates: ignored, as before
        peer.AddRemoteCandidate(0, "a=end-of-candidates");
        Assert.Equal(WebRtcPeerState.New, peer.State);
    });

    // Issue 27, bug 2: 5000 candidates of 60 KB before any offer were all kept (654 MB of RSS).
    [Fact(Timeout = 30_000)]
    public Task Candidates_before_the_offer_are_bounded_in_length_and_count() => Bounded.Run(20, () =>
    {
        using var peer = new WebRtcPeer(new WebRtcPeerOptions());
        var huge = "candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host generation 0 ufrag " + new string('a', 60 * 1024);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5000; i++)
        {
            var e = Assert.Throws<WebRtcException>(() => peer.AddRemoteCandidate(0, huge));
            Assert.Contains($"at most {IceCandidate.MaxLength} are taken", e.Message);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 64L << 20, $"refusing 5000 long candidates allocated {allocated >> 20} MB");

        for (int i = 0; i < WebRtcPeer.MaxRemoteCandidates; i++)
            peer.AddRemoteCandidate(0, $"candidate:{i} 1 udp 2122260223 127.0.0.1 {5000 + i} typ host");
        var full = Assert.Throws<WebRtcException>(() => peer.AddRemoteCandidate(0, "candidate:x 1 udp 2122260223 127.0.0.1 4000 typ host"));
        Assert.Contains($"at most {WebRtcPeer.MaxRemoteCandidates}", full.Message);
    });

    private static bool WebRtcOfferInstalled(string codec)
        => codec == "H264"
            ? Gst.HasElement("x264enc") && Gst.HasElement("avdec_h264") && Gst.HasElement("rtph264pay") && Gst.HasElement("rtph264depay")
            : true;
}
