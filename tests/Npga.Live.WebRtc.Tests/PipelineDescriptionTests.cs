using Npga.Live.Core.Imaging;
using Npga.Live.Media.WebRtc;

namespace Npga.Live.WebRtc.Tests;

/// <summary>The peer's pipeline as a description (<see cref="WebRtcPipelineDescription"/>) and its frame buffers (<see cref="DecodedFramePool"/>); no GStreamer needed.</summary>
public class PipelineDescriptionTests
{
    [Fact]
    public void Vp8_SendsWithTheOffersPayloadType_AndDecodesIntoTheNewestFrameSink()
    {
        var d = WebRtcPipelineDescription.Describe(new WebRtcPeerOptions { BitrateKbps = 800, OutputFps = 25, DriverMaxWidth = 320 },
            new WebRtcOffer(0, "VP8", 102, null, ["VP8", "H264"]));
        Assert.StartsWith("webrtcbin name=webrtc bundle-policy=max-bundle ", d);
        Assert.Contains("appsrc name=src is-live=true", d);
        Assert.Contains("vp8enc deadline=1", d);
        Assert.Contains("target-bitrate=800000", d);
        Assert.Contains("keyframe-max-dist=50", d);
        Assert.Contains("rtpvp8pay pt=102", d);
        Assert.Contains("rtpvp8depay name=depay ! vp8dec", d);
        Assert.Contains("width=[1,320]", d);
        Assert.EndsWith("appsink name=sink sync=false drop=true max-buffers=1 enable-last-sample=false", d);
        Assert.DoesNotContain("funnel", d);
    }

    [Fact]
    public void H264_ReceiveOnly_WithAudio_HasNoEncoderButADiscardForTheAudio()
    {
        var o = new WebRtcOffer(1, "H264", 127, "packetization-mode=1", ["H264"]);
        var send = WebRtcPipelineDescription.Describe(new WebRtcPeerOptions(), o);
        Assert.Contains("x264enc tune=zerolatency", send);
        Assert.Contains("rtph264pay pt=127", send);
        var receiveOnly = WebRtcPipelineDescription.Describe(new WebRtcPeerOptions { ReceiveOnly = true, IgnoreAudio = true }, o);
        Assert.DoesNotContain("appsrc", receiveOnly);
        Assert.DoesNotContain("x264enc", receiveOnly);
        Assert.Contains("rtph264depay name=depay ! avdec_h264", receiveOnly);
        Assert.Contains("funnel name=discard ! fakesink", receiveOnly);
        Assert.Throws<WebRtcException>(() => WebRtcPipelineDescription.Describe(new WebRtcPeerOptions(), o with { Codec = "AV1" }));
    }

    [Fact]
    public void FramePool_ReusesReturnedBuffersOfTheSize_DropsOthers_KeepsAtMostItsCapacity()
    {
        var pool = new DecodedFramePool();
        var a = pool.Rent(640, 480);
        pool.Return(a);
        Assert.Same(a, pool.Rent(640, 480));
        pool.Return(a);
        var b = pool.Rent(320, 240); // the browser changed its resolution: the 640x480 buffer is dropped
        Assert.NotSame(a, b);
        Assert.Equal((320, 240), (b.Width, b.Height));
        Assert.NotSame(a, pool.Rent(640, 480));
        var many = Enumerable.Range(0, DecodedFramePool.Capacity + 3).Select(_ => new RgbImage(4, 4)).ToList();
        foreach (var m in many) pool.Return(m);
        var back = Enumerable.Range(0, DecodedFramePool.Capacity + 3).Select(_ => pool.Rent(4, 4)).ToList();
        Assert.Equal(DecodedFramePool.Capacity, back.Count(many.Contains));
        pool.Close();
        pool.Return(many[0]);
        Assert.NotSame(many[0], pool.Rent(4, 4));
    }
}
