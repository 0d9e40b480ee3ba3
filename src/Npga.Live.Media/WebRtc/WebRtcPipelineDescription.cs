namespace Npga.Live.Media.WebRtc;

/// <summary>
/// The GStreamer pipeline of a <see cref="WebRtcPeer"/>, as a gst-launch description: the codec policy (VP8 real-time
/// settings, or H.264 constrained baseline, zero latency), the send branch (appsrc → encoder → payloader with the
/// offer's payload type → queue, linked by the peer to webrtcbin's sink pad for the video m-line), the receive branch
/// (depayloader → decoder → RGB, at most <see cref="WebRtcPeerOptions.DriverMaxWidth"/> wide → appsink keeping the newest
/// frame) and, for <see cref="WebRtcPeerOptions.IgnoreAudio"/>, a funnel to a fakesink for incoming audio.
/// </summary>
public static class WebRtcPipelineDescription
{
    /// <summary>The gst-launch description of the whole pipeline for <paramref name="o"/> and <paramref name="offer"/>'s codec.</summary>
    /// <param name="o">The peer's settings (checked: <see cref="WebRtcPeerOptions.Validate"/>).</param>
    /// <param name="offer">The offer as read (<see cref="WebRtcOffer.Read"/>): its codec and payload type.</param>
    /// <exception cref="WebRtcException">A codec other than VP8 or H264.</exception>
    public static string Describe(WebRtcPeerOptions o, WebRtcOffer offer)
    {
        var keyframeDistance = Math.Max(1, 2 * o.OutputFps);
        var threads = Math.Clamp(Environment.ProcessorCount, 1, 4);
        var (encode, decode) = offer.Codec switch
        {
            "VP8" => (
                $"vp8enc deadline=1 cpu-used=8 end-usage=cbr target-bitrate={o.BitrateKbps * 1000} lag-in-frames=0 "
                + $"error-resilient=partitions keyframe-max-dist={keyframeDistance} threads={threads} ! "
                + $"rtpvp8pay pt={offer.PayloadType} mtu=1200 picture-id-mode=15-bit",
                "rtpvp8depay name=depay ! vp8dec"),
            "H264" => (
                $"x264enc tune=zerolatency speed-preset=ultrafast bitrate={o.BitrateKbps} key-int-max={keyframeDistance} threads={threads} ! "
                + "video/x-h264,profile=constrained-baseline ! "
                + $"rtph264pay pt={offer.PayloadType} mtu=1200 config-interval=-1 aggregate-mode=zero-latency",
                "rtph264depay name=depay ! avdec_h264"),
            _ => throw new WebRtcException($"unsupported codec {offer.Codec}"),
        };
        var send = o.ReceiveOnly ? "" // no avatar track: no encoder
            : "appsrc name=src is-live=true format=time do-timestamp=true block=false max-buffers=2 leaky-type=downstream ! "
              + "videoconvert ! video/x-raw,format=I420 ! "
              + $"{encode} ! queue name=sendq ";
        // Incoming audio streams (IgnoreAudio) are linked to this funnel as they appear, and dropped.
        var discard = o.IgnoreAudio ? "funnel name=discard ! fakesink sync=false async=false enable-last-sample=false " : "";
        return "webrtcbin name=webrtc bundle-policy=max-bundle "
               + send + discard
               + $"{decode} ! videoconvert ! videoscale ! video/x-raw,format=RGB,width=[1,{o.DriverMaxWidth}],pixel-aspect-ratio=1/1 ! "
               + "appsink name=sink sync=false drop=true max-buffers=1 enable-last-sample=false";
    }
}
