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

    private static bool WebRtcOfferInstalled(string codec)
        => codec == "H264"
            ? Gst.HasElement("x264enc") && Gst.HasElement("avdec_h264") && Gst.HasElement("rtph264pay") && Gst.HasElement("rtph264depay")
            : true;
}
