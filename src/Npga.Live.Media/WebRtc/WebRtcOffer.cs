using System.Globalization;
using Npga.Live.Media.GStreamer;

namespace Npga.Live.Media.WebRtc;

/// <summary>
/// What a browser's SDP offer asks of the video m-line this server answers: which m-line, and the
/// codec and payload type chosen from those offered. VP8 is preferred; H.264 is taken when VP8 is
/// not offered (packetization-mode 1, constrained baseline preferred). A codec counts only when
/// its GStreamer encoder, decoder, payloader and depayloader are installed. Besides the video
/// m-line an offer may hold disabled sections (port 0) and a data channel (application), but no
/// other active audio or video section (audio sections are allowed, and ignored, for a
/// <see cref="WebRtcPeerOptions.IgnoreAudio"/> peer). The video m-line must be sendrecv (recvonly for a
/// <see cref="WebRtcPeerOptions.ViewOnly"/> peer, sendonly for a <see cref="WebRtcPeerOptions.ReceiveOnly"/> one), with well-formed
/// payload types, clock rates and SSRCs (<see cref="Read"/> lists the checks): an offer that could
/// never stream is refused here, before it reaches webrtcbin.
/// </summary>
/// <param name="VideoMLineIndex">Index of the first video m-line (0-based, counting every m-line).</param>
/// <param name="Codec">"VP8" or "H264".</param>
/// <param name="PayloadType">The offer's RTP payload type for that codec, 96..127.</param>
/// <param name="Fmtp">The offer's fmtp parameters for that payload type, or null.</param>
/// <param name="OfferedCodecs">Every codec of the video m-line as "NAME/pt", in offer order.</param>
public sealed record WebRtcOffer(int VideoMLineIndex, string Codec, int PayloadType, string? Fmtp, IReadOnlyList<string> OfferedCodecs)
{
    /// <summary>The elements each codec needs: encoder, payloader, depayloader, decoder.</summary>
    internal static readonly IReadOnlyDictionary<string, string[]> CodecElements = new Dictionary<string, string[]>
    {
        ["VP8"] = ["vp8enc", "rtpvp8pay", "rtpvp8depay", "vp8dec"],
        ["H264"] = ["x264enc", "rtph264pay", "rtph264depay", "avdec_h264"],
    };

    /// <summary>Reads an SDP offer.</summary>
    /// <exception cref="WebRtcException">
    /// The text is not SDP (no <c>v=0</c>, no media section, or GStreamer's parser refuses it), it
    /// has no active video m-line or another active audio/video m-line, or the video m-line is not
    /// one this server can answer (see <see cref="Read"/>).
    /// </exception>
    public static WebRtcOffer Parse(string sdp)
    {
        using var message = ParseMessage(sdp);
        return Read(message);
    }

    /// <summary>Parses SDP text into a message, checking that it looks like SDP at all.</summary>
    /// <exception cref="WebRtcException">Empty, refused by the parser, no <c>v=0</c> or no <c>m=</c> line.</exception>
    internal static GstSdpMessage ParseMessage(string sdp)
    {
        if (string.IsNullOrWhiteSpace(sdp)) throw new WebRtcException("malformed SDP offer: the text is empty");
        GstSdpMessage message;
        try
        {
            message = GstSdpMessage.Parse(sdp);
        }
        catch (GstException e)
        {
            throw new WebRtcException($"malformed SDP offer: {e.Message}", e);
        }
        try
        {
            if (message.Version != "0")
                throw new WebRtcException("malformed SDP offer: it has no 'v=0' line (an SDP description starts with v=0)");
            if (message.MediaCount == 0)
                throw new WebRtcException("malformed SDP offer: it has no media section (no 'm=' line)");
            return message;
        }
        catch
        {
            message.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Chooses the video m-line and codec of a parsed offer, after checking what GStreamer would
    /// otherwise choke on or what could never stream: the video m-line must say a=sendrecv itself
    /// (see <see cref="RequireSendRecv"/>); it must list payload types 0..127 only; each of its
    /// <c>a=rtpmap</c> lines must map a payload type it lists, at <see cref="VideoClockRate"/>; the
    /// codec chosen must be on a dynamic payload type (<see cref="FirstDynamicPayloadType"/>..<see cref="LastDynamicPayloadType"/>);
    /// every <c>a=ssrc</c>/<c>a=ssrc-group</c> SSRC must be 1..2^32-1; and no ICE credential may be given twice in one place
    /// (<see cref="RequireSingleIceCredentials"/>).
    /// </summary>
    /// <exception cref="WebRtcException">
    /// No active video m-line, another active audio/video m-line, one of the checks above fails,
    /// or no usable codec; the message says which.
    /// </exception>
    /// <param name="message">The parsed offer.</param>
    /// <param name="viewOnly">
    /// Whether the offerer only receives (a WHEP viewer, <see cref="WebRtcPeerOptions.ViewOnly"/>): the video m-line must
    /// then say <c>a=recvonly</c> instead of <c>a=sendrecv</c>.
    /// </param>
    /// <param name="receiveOnly">
    /// Whether the offerer only sends (a WHIP publisher, <see cref="WebRtcPeerOptions.ReceiveOnly"/>): the video m-line must
    /// then say <c>a=sendonly</c>.
    /// </param>
    /// <param name="ignoreAudio">Whether active audio m-lines are allowed besides the video one (<see cref="WebRtcPeerOptions.IgnoreAudio"/>).</param>
    internal static WebRtcOffer Read(GstSdpMessage message, bool viewOnly = false, bool receiveOnly = false, bool ignoreAudio = false)
    {
        var kinds = new List<string>();
        int video = -1;
        for (int i = 0; i < message.MediaCount; i++)
        {
            var kind = message.MediaKind(i);
            bool active = Active(message, i, ignoreAudio);
            kinds.Add(active ? kind : kind + " (disabled)");
            if (video < 0 && kind == "video" && active) video = i;
        }
        if (video < 0)
            throw new WebRtcException($"the SDP offer has no video m-line (its media sections: {string.Join(", ", kinds)}); "
                                      + $"the {(receiveOnly ? "client" : "browser")} must offer a video track ({(viewOnly ? "recvonly" : receiveOnly ? "sendonly" : "sendrecv")})");
        for (int i = 0; i < message.MediaCount; i++)
        {
            var kind = message.MediaKind(i);
            if (i != video && Active(message, i, ignoreAudio) && (kind == "video" || (kind == "audio" && !ignoreAudio)))
                throw new WebRtcException($"the SDP offer has an active {kind} m-line besides the video one (its media sections: {string.Join(", ", kinds)}); "
                                          + (ignoreAudio
                                              ? "only one video m-line is supported (audio m-lines are accepted and ignored)"
                                              : "only one video m-line is supported: offer video only (data channels may be added)"));
        }

        if (viewOnly) RequireRecvOnly(message, video);
        else if (receiveOnly) RequireSendOnly(message, video);
        else RequireSendRecv(message, video);
        RequireValidSsrcs(message);
        RequireSingleIceCredentials(message);
        var formats = ReadFormats(message, video);

        var codecs = new List<(int Pt, string Name, string? Fmtp)>();
        var fmtps = new Dictionary<string, string>(StringComparer.Ordinal); // "96 a=b;c=d": the first fmtp of each payload type
        foreach (var f in message.MediaAttributeValues(video, "fmtp"))
            if (f.IndexOf(' ') is > 0 and var space) fmtps.TryAdd(f[..space], f[(space + 1)..].Trim());
        foreach (var rtpmap in message.MediaAttributeValues(video, "rtpmap"))
        {
            var (pt, name) = ReadRtpmap(rtpmap, formats);
            codecs.Add((pt, name, fmtps.GetValueOrDefault(pt.ToString(CultureInfo.InvariantCulture))));
        }
        var offered = codecs.Select(c => $"{c.Name}/{c.Pt}").ToList();

        if (Installed("VP8") && codecs.Any(c => c.Name == "VP8"))
        {
            var vp8 = Dynamic(codecs.Where(c => c.Name == "VP8"), "VP8");
            return new WebRtcOffer(video, "VP8", vp8.Pt, vp8.Fmtp, offered);
        }
        if (Installed("H264"))
        {
            var mode1 = codecs.Where(c => c.Name == "H264" && Param(c.Fmtp, "packetization-mode") == "1").ToList();
            if (mode1.Count > 0)
            {
                var h264 = Dynamic(mode1.OrderBy(c => H264Rank(Param(c.Fmtp, "profile-level-id"))), "H264 (packetization-mode=1)");
                return new WebRtcOffer(video, "H264", h264.Pt, h264.Fmtp, offered);
            }
        }
        var usable = CodecElements.Keys.Where(Installed).ToList();
        throw new WebRtcException(
            $"the SDP offer's video m-line has no codec this server can decode and encode: it offers {(offered.Count == 0 ? "none" : string.Join(", ", offered))}; "
            + $"usable here: {(usable.Count == 0 ? "none (install gstreamer1.0-plugins-good/-ugly and gstreamer1.0-libav)" : string.Join(", ", usable.Select(u => u == "H264" ? "H264 (packetization-mode=1)" : u)))}");
    }

    /// <summary>
    /// Whether m-line <paramref name="i"/> is in use: a port other than 0, or, for WHIP offers (<paramref name="whip"/>),
    /// port 0 with <c>a=bundle-only</c> (RFC 8843: a bundled m-line after the first, as webrtcbin offers with max-bundle).
    /// Hub offers keep reading port 0 as disabled (browsers never write bundle-only).
    /// </summary>
    private static bool Active(GstSdpMessage message, int i, bool whip) =>
        message.MediaPort(i) != 0 || (whip && message.MediaAttributeValues(i, "bundle-only").Count > 0);

    /// <summary>Lowest and highest dynamic RTP payload type (RFC 3551 section 6): the codec answered must be on one.</summary>
    public const int FirstDynamicPayloadType = 96, LastDynamicPayloadType = 127;

    /// <summary>The RTP clock rate of every video codec, Hz (RFC 3551, RFC 7741, RFC 6184).</summary>
    public const int VideoClockRate = 90000;

    private static readonly string[] Directions = ["sendrecv", "sendonly", "recvonly", "inactive"];

    /// <summary>
    /// The video m-line must let both sides send, and say so itself, once: one <c>a=sendrecv</c> in the m-line. RFC 3264 reads a
    /// missing direction as sendrecv (and a session-level one as the default), but webrtcbin 1.22 reads only the
    /// m-line's and answers an m-line without one with the video rejected (<c>m=video 0</c>); browsers always write it.
    /// </summary>
    /// <exception cref="WebRtcException">Another direction, more than one direction attribute (the same one twice too), or none in the video m-line.</exception>
    private static void RequireSendRecv(GstSdpMessage message, int video)
    {
        // Every direction line, a repeated one too: webrtcbin rejects an m-line with two, even "a=sendrecv" twice.
        var media = Directions.SelectMany(d => Enumerable.Repeat(d, message.MediaAttributeValues(video, d).Count)).ToList();
        if (media.Count > 1)
            throw new WebRtcException($"the SDP offer's video m-line has {media.Count} direction attributes ({string.Join(", ", media.Take(8).Select(d => "a=" + d))}{(media.Count > 8 ? ", …" : "")}); it needs exactly one, a=sendrecv");
        if (media.Count == 0)
        {
            var session = Directions.Where(d => message.AttributeValues(d).Count > 0).Select(d => "a=" + d).ToList();
            throw new WebRtcException("the SDP offer's video m-line has no direction attribute"
                                      + (session.Count > 0 ? $" (only the session has {string.Join(", ", session)})" : "")
                                      + "; it needs a=sendrecv in the m-line: the browser must both send its webcam and receive the avatar");
        }
        if (media[0] != "sendrecv")
            throw new WebRtcException($"the SDP offer's video is a={media[0]}: the browser must both send its webcam and receive the avatar (a=sendrecv)");
    }

    /// <summary>A view-only offer's video m-line says <c>a=recvonly</c> itself, once (the offerer only watches the avatar).</summary>
    /// <exception cref="WebRtcException">Another direction, or not exactly one direction attribute in the video m-line.</exception>
    private static void RequireRecvOnly(GstSdpMessage message, int video)
    {
        var media = Directions.SelectMany(d => Enumerable.Repeat(d, message.MediaAttributeValues(video, d).Count)).ToList();
        if (media.Count != 1 || media[0] != "recvonly")
            throw new WebRtcException($"a viewer's SDP offer needs exactly one a=recvonly in its video m-line, not {(media.Count == 0 ? "none" : string.Join(", ", media.Take(8).Select(d => "a=" + d)))}: it only receives the avatar");
    }

    /// <summary>A receive-only peer's offer (a WHIP publisher) says <c>a=sendonly</c> in its video m-line itself, once (the offerer only sends).</summary>
    /// <exception cref="WebRtcException">Another direction, or not exactly one direction attribute in the video m-line.</exception>
    private static void RequireSendOnly(GstSdpMessage message, int video)
    {
        var media = Directions.SelectMany(d => Enumerable.Repeat(d, message.MediaAttributeValues(video, d).Count)).ToList();
        if (media.Count != 1 || media[0] != "sendonly")
            throw new WebRtcException($"a receive-only SDP offer needs exactly one a=sendonly in its video m-line, not {(media.Count == 0 ? "none" : string.Join(", ", media.Take(8).Select(d => "a=" + d)))}: the client only sends its video");
    }

    /// <summary>
    /// Whether <paramref name="sdp"/>'s first active video m-line says <c>a=sendonly</c> (once, and no other direction): a
    /// client that only sends (OBS Studio's WHIP output), to be answered by a <see cref="WebRtcPeerOptions.ReceiveOnly"/>
    /// peer. False for anything else, malformed SDP and offers without video included (the peer's own checks then say why).
    /// </summary>
    public static bool IsSendOnlyVideo(string sdp)
    {
        GstSdpMessage message;
        try
        {
            message = ParseMessage(sdp);
        }
        catch (WebRtcException)
        {
            return false;
        }
        using (message)
        {
            for (int i = 0; i < message.MediaCount; i++)
            {
                if (message.MediaKind(i) != "video" || !Active(message, i, whip: true)) continue;
                var media = Directions.SelectMany(d => Enumerable.Repeat(d, message.MediaAttributeValues(i, d).Count)).ToList();
                return media is ["sendonly"];
            }
            return false;
        }
    }

    /// <summary>
    /// <c>a=ice-ufrag</c> and <c>a=ice-pwd</c> at most once each, at the session level and in each m-line. webrtcbin 1.22
    /// reads an m-line's credentials from the session level when the m-line lacks one of them, and there asserts
    /// (<c>g_assert</c> in <c>_get_ice_credentials_from_sdp_media</c>: the whole process aborts) on a second one: found by
    /// the offer fuzz test, an offer whose video m-line had no <c>a=ice-pwd</c> and whose session gave <c>a=ice-ufrag</c> twice.
    /// </summary>
    /// <exception cref="WebRtcException">A credential given more than once in one place.</exception>
    private static void RequireSingleIceCredentials(GstSdpMessage message)
    {
        foreach (var key in (string[])["ice-ufrag", "ice-pwd"])
        {
            int n = message.AttributeValues(key).Count;
            if (n > 1) throw new WebRtcException($"malformed SDP offer: a={key} appears {n} times at the session level; ICE credentials are given once");
            for (int i = 0; i < message.MediaCount; i++)
                if ((n = message.MediaAttributeValues(i, key).Count) > 1)
                    throw new WebRtcException($"malformed SDP offer: a={key} appears {n} times in m-line {i}; ICE credentials are given once");
        }
    }

    /// <summary>Every <c>a=ssrc</c> and <c>a=ssrc-group</c> of every m-line must name SSRCs from 1 to 2^32-1 (GStreamer asserts on 0).</summary>
    /// <exception cref="WebRtcException">An SSRC that is 0, not a number, or beyond 32 bits.</exception>
    private static void RequireValidSsrcs(GstSdpMessage message)
    {
        for (int i = 0; i < message.MediaCount; i++)
        {
            foreach (var v in message.MediaAttributeValues(i, "ssrc"))
                RequireSsrc(v.Split(' ', 2)[0], "a=ssrc:" + v);
            foreach (var v in message.MediaAttributeValues(i, "ssrc-group"))
            {
                var parts = v.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                foreach (var p in parts.Skip(1)) RequireSsrc(p, "a=ssrc-group:" + v);
            }
        }
    }

    private static void RequireSsrc(string text, string line)
    {
        if (!uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ssrc) || ssrc == 0)
            throw new WebRtcException($"malformed SDP offer: '{Clip(line)}' has the SSRC '{Clip(text)}'; an SSRC is a number from 1 to {uint.MaxValue}");
    }

    /// <summary>The payload types the video m-line lists; each must be a number 0..127 (7 bits).</summary>
    /// <exception cref="WebRtcException">A format that is not a payload type.</exception>
    private static HashSet<int> ReadFormats(GstSdpMessage message, int video)
    {
        var set = new HashSet<int>();
        foreach (var f in message.MediaFormats(video))
        {
            if (!int.TryParse(f, NumberStyles.None, CultureInfo.InvariantCulture, out var pt) || pt > 127)
                throw new WebRtcException($"malformed SDP offer: the video m-line lists the payload type '{Clip(f)}'; an RTP payload type is a number from 0 to 127");
            set.Add(pt);
        }
        return set;
    }

    /// <summary>Reads "96 VP8/90000": the payload type, which the m-line must list, and the upper-case codec name; the clock rate must be 90000.</summary>
    /// <exception cref="WebRtcException">Malformed, a payload type the m-line does not list, or another clock rate.</exception>
    private static (int Pt, string Name) ReadRtpmap(string rtpmap, HashSet<int> formats)
    {
        var parts = rtpmap.Split(' ', 2, StringSplitOptions.TrimEntries);
        var encoding = parts.Length == 2 ? parts[1].Split('/') : [];
        if (parts.Length != 2 || encoding.Length < 2 || encoding[0].Length == 0
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pt))
            throw new WebRtcException($"malformed SDP offer: 'a=rtpmap:{Clip(rtpmap)}' is not 'a=rtpmap:<payload type> <codec>/<clock rate>'");
        if (!formats.Contains(pt))
            throw new WebRtcException($"malformed SDP offer: 'a=rtpmap:{Clip(rtpmap)}' maps payload type {pt}, which the video m-line does not list "
                                      + $"(it lists {(formats.Count == 0 ? "none" : string.Join(" ", formats))})");
        if (!int.TryParse(encoding[1], NumberStyles.None, CultureInfo.InvariantCulture, out var rate) || rate != VideoClockRate)
            throw new WebRtcException($"the SDP offer's 'a=rtpmap:{Clip(rtpmap)}' has the clock rate '{Clip(encoding[1])}'; video is clocked at {VideoClockRate} Hz");
        return (pt, encoding[0].ToUpperInvariant());
    }

    /// <summary>The first of <paramref name="candidates"/> on a dynamic payload type.</summary>
    /// <exception cref="WebRtcException">None is: the codec is offered only on static payload types.</exception>
    private static (int Pt, string Name, string? Fmtp) Dynamic(IEnumerable<(int Pt, string Name, string? Fmtp)> candidates, string codec)
    {
        var list = candidates.ToList();
        foreach (var c in list)
            if (c.Pt is >= FirstDynamicPayloadType and <= LastDynamicPayloadType)
                return c;
        throw new WebRtcException($"the SDP offer has {codec} only on payload type {string.Join(", ", list.Select(c => c.Pt))}; "
                                  + $"it must be on a dynamic payload type, {FirstDynamicPayloadType}-{LastDynamicPayloadType} (RFC 3551)");
    }

    private static string Clip(string s) => s.Length <= 80 ? s : s[..80] + "…";

    /// <summary>Whether every element <paramref name="codec"/> needs is installed.</summary>
    internal static bool Installed(string codec) => CodecElements[codec].All(Gst.HasElement);

    private static string? Param(string? fmtp, string key)
    {
        if (fmtp is null) return null;
        foreach (var p in fmtp.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = p.Split('=', 2, StringSplitOptions.TrimEntries);
            if (kv.Length == 2 && kv[0].Equals(key, StringComparison.OrdinalIgnoreCase)) return kv[1];
        }
        return null;
    }

    /// <summary>Constrained baseline (42e0xx) first, then baseline (42xxxx), then the rest.</summary>
    private static int H264Rank(string? profileLevelId) => profileLevelId?.ToLowerInvariant() switch
    {
        { } p when p.StartsWith("42e0", StringComparison.Ordinal) => 0,
        { } p when p.StartsWith("42", StringComparison.Ordinal) => 1,
        _ => 2,
    };
}
