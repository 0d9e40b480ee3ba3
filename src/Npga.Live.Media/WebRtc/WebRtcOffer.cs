using System.Globalization;
using Npga.Live.Media.GStreamer;

namespace Npga.Live.Media.WebRtc;

/// <summary>
/// What a browser's SDP offer asks of the video m-line this server answers: which m-line, and the
/// codec and payload type chosen from those offered. VP8 is preferred; H.264 is taken when VP8 is
/// not offered (packetization-mode 1, constrained baseline preferred). A codec counts only when
/// its GStreamer encoder, decoder, payloader and depayloader are installed. Besides the video
/// m-line an offer may hold disabled sections (port 0) and a data channel (application), but no
/// other active audio or video section.
/// </summary>
/// <param name="VideoMLineIndex">Index of the first video m-line (0-based, counting every m-line).</param>
/// <param name="Codec">"VP8" or "H264".</param>
/// <param name="PayloadType">The offer's RTP payload type for that codec (96..127 in practice).</param>
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
    /// has no active video m-line or another active audio/video m-line, or none of its video
    /// codecs is one this server handles.
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

    /// <summary>Chooses the video m-line and codec of a parsed offer.</summary>
    /// <exception cref="WebRtcException">No active video m-line, or no usable codec on it.</exception>
    internal static WebRtcOffer Read(GstSdpMessage message)
    {
        var kinds = new List<string>();
        int video = -1;
        for (int i = 0; i < message.MediaCount; i++)
        {
            var kind = message.MediaKind(i);
            kinds.Add(message.MediaPort(i) == 0 ? kind + " (disabled)" : kind);
            if (video < 0 && kind == "video" && message.MediaPort(i) != 0) video = i;
        }
        if (video < 0)
            throw new WebRtcException($"the SDP offer has no video m-line (its media sections: {string.Join(", ", kinds)}); "
                                      + "the browser must offer a video track (sendrecv)");
        for (int i = 0; i < message.MediaCount; i++)
        {
            var kind = message.MediaKind(i);
            if (i != video && message.MediaPort(i) != 0 && kind is "audio" or "video")
                throw new WebRtcException($"the SDP offer has an active {kind} m-line besides the video one (its media sections: {string.Join(", ", kinds)}); "
                                          + "only one video m-line is supported: offer video only (data channels may be added)");
        }

        var codecs = new List<(int Pt, string Name, string? Fmtp)>();
        var fmtps = message.MediaAttributeValues(video, "fmtp");
        foreach (var rtpmap in message.MediaAttributeValues(video, "rtpmap"))
        {
            // "96 VP8/90000"
            var parts = rtpmap.Split(' ', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pt)) continue;
            var name = parts[1].Split('/')[0].ToUpperInvariant();
            var prefix = parts[0] + " ";
            var fmtp = fmtps.FirstOrDefault(f => f.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..].Trim();
            codecs.Add((pt, name, fmtp));
        }
        var offered = codecs.Select(c => $"{c.Name}/{c.Pt}").ToList();

        if (Installed("VP8") && codecs.FirstOrDefault(c => c.Name == "VP8") is { Name: not null } vp8)
            return new WebRtcOffer(video, "VP8", vp8.Pt, vp8.Fmtp, offered);
        if (Installed("H264"))
        {
            var h264 = codecs
                .Where(c => c.Name == "H264" && Param(c.Fmtp, "packetization-mode") == "1")
                .OrderBy(c => H264Rank(Param(c.Fmtp, "profile-level-id")))
                .FirstOrDefault();
            if (h264.Name is not null) return new WebRtcOffer(video, "H264", h264.Pt, h264.Fmtp, offered);
        }
        var usable = CodecElements.Keys.Where(Installed).ToList();
        throw new WebRtcException(
            $"the SDP offer's video m-line has no codec this server can decode and encode: it offers {(offered.Count == 0 ? "none" : string.Join(", ", offered))}; "
            + $"usable here: {(usable.Count == 0 ? "none (install gstreamer1.0-plugins-good/-ugly and gstreamer1.0-libav)" : string.Join(", ", usable.Select(u => u == "H264" ? "H264 (packetization-mode=1)" : u)))}");
    }

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
