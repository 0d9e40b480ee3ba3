using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Npga.Live.Core.Imaging;
using Npga.Live.Media.GStreamer;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Npga.Live.WebRtc.Tests;

/// <summary>
/// The browser's part, played by a second webrtcbin in the test process: it OFFERS one sendrecv
/// video m-line (videotestsrc, VP8 or H.264, 640x480 at 30 fps), sends that track, and decodes
/// the answerer's track into an appsink. 127.0.0.1 is added to its ICE agent, like the server's.
/// Its local candidates are handed to <see cref="CandidateGathered"/> on a thread-pool thread.
/// </summary>
public sealed unsafe class TestOfferer : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly GstElement _pipeline;
    private readonly GstWebRtcBin _webrtc;
    private readonly GstAppSink _sink;
    private readonly GstPad _depaySink;
    private readonly List<GSignalConnection> _signals = new();
    private readonly object _lock = new();
    private bool _disposed;

    /// <param name="codec">"VP8" (payload type 96) or "H264" (payload type 102, packetization-mode 1, x264's constrained baseline).</param>
    /// <param name="obs">
    /// Offer like OBS Studio's WHIP output instead: an audio m-line first (opus/48000/2 from audiotestsrc, payload type 111)
    /// and the video m-line, both <c>a=sendonly</c>, bundled; the answerer's track is then never received.
    /// </param>
    public TestOfferer(string codec = "VP8", bool obs = false)
    {
        var (send, receive) = codec switch
        {
            "VP8" => ("vp8enc deadline=1 cpu-used=8 lag-in-frames=0 keyframe-max-dist=30 ! rtpvp8pay pt=96 ! "
                      + "application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000",
                      "rtpvp8depay name=depay ! vp8dec"),
            "H264" => ("x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 ! video/x-h264,profile=constrained-baseline ! "
                       + "rtph264pay pt=102 config-interval=-1 aggregate-mode=zero-latency ! "
                       // No profile-level-id here: rtph264pay sets the one of x264's stream (42c0xx), which
                       // would not match a browser's 42e01f.
                       + "application/x-rtp,media=video,encoding-name=H264,payload=102,clock-rate=90000,packetization-mode=(string)1",
                       "rtph264depay name=depay ! avdec_h264"),
            _ => throw new ArgumentException(codec),
        };
        var audio = obs
            ? "audiotestsrc is-live=true wave=sine freq=440 volume=0.1 ! audioconvert ! audioresample ! audio/x-raw,rate=48000,channels=2 ! "
              + "opusenc ! rtpopuspay pt=111 ! application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000 ! offerer. "
            : "";
        _pipeline = Gst.ParseLaunch(
            "webrtcbin name=offerer bundle-policy=max-bundle "
            + audio
            + "videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=480,framerate=30/1 ! videoconvert ! "
            + $"video/x-raw,format=I420 ! {send} ! offerer. "
            + $"{receive} ! videoconvert ! video/x-raw,format=RGB ! appsink name=sink sync=false drop=true max-buffers=1 enable-last-sample=false");
        _webrtc = GstWebRtcBin.Find(_pipeline, "offerer");
        _sink = GstAppSink.Find(_pipeline, "sink");
        using (var depay = _pipeline.RequireByName("depay")) _depaySink = depay.GetStaticPad("sink")!;
        _signals.Add(_webrtc.ConnectSignal("on-ice-candidate", (nint)(delegate* unmanaged[Cdecl]<nint, uint, nint, nint, void>)&OnIceCandidate, this));
        _signals.Add(_webrtc.ConnectSignal("pad-added", (nint)(delegate* unmanaged[Cdecl]<nint, nint, nint, void>)&OnPadAdded, this));
        _webrtc.AddLocalIceAddress("127.0.0.1");
        if (obs)
            for (int i = 0; i < 2; i++)
            {
                using var transceiver = _webrtc.GetTransceiver(i) ?? throw new InvalidOperationException($"the offerer has no transceiver {i}");
                transceiver.SetPropertyFromString("direction", "sendonly");
            }
        if (_pipeline.SetState(GstState.Playing) == GstStateChangeReturn.Failure) throw new InvalidOperationException("the offerer did not start");
    }

    /// <summary>A local candidate (m-line index, "candidate:…"), raised on a thread-pool thread.</summary>
    public event Action<int, string>? CandidateGathered;

    /// <summary>Creates the offer, sets it as local description and returns its text.</summary>
    public string CreateOffer()
    {
        using var offer = _webrtc.CreateOffer(Timeout);
        _webrtc.SetLocalDescription(GstWebRtcSdpType.Offer, offer, Timeout);
        return offer.ToText();
    }

    /// <summary>Sets the answerer's SDP as remote description.</summary>
    public void AcceptAnswer(string sdp)
    {
        using var answer = GstSdpMessage.Parse(sdp);
        lock (_lock)
        {
            if (_disposed) return;
            _webrtc.SetRemoteDescription(GstWebRtcSdpType.Answer, answer, Timeout);
        }
    }

    /// <summary>Adds one of the answerer's candidates.</summary>
    public void AddCandidate(int mline, string candidate)
    {
        lock (_lock)
        {
            if (!_disposed) _webrtc.AddIceCandidate(mline, candidate);
        }
    }

    /// <summary>The newest decoded frame of the answerer's track, or null after <paramref name="timeout"/>.</summary>
    public RgbImage? TryPull(TimeSpan timeout)
    {
        using var sample = _sink.TryPullSample(timeout);
        if (sample is null) return null;
        var caps = sample.Caps;
        var image = new RgbImage(caps.Width, caps.Height);
        var stride = (caps.Width * 3 + 3) & ~3;
        using var map = sample.Map();
        for (int y = 0; y < caps.Height; y++) map.Span.Slice(y * stride, caps.Width * 3).CopyTo(image.Row(y));
        return image;
    }

    /// <summary>The browser vanishing: the pipeline goes to NULL at once (no goodbye on the wire).</summary>
    public void Vanish() => _pipeline.SetState(GstState.Null);

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
        }
        _pipeline.SetState(GstState.Null);
        foreach (var s in _signals) s.Dispose();
        _depaySink.Dispose();
        _sink.Dispose();
        _webrtc.Dispose();
        _pipeline.Dispose();
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnIceCandidate(nint webrtc, uint mline, nint candidate, nint userData)
    {
        try
        {
            var self = NativeCallbackState.Get<TestOfferer>(userData);
            var text = Marshal.PtrToStringUTF8(candidate);
            if (!string.IsNullOrEmpty(text))
                ThreadPool.QueueUserWorkItem(_ => self.CandidateGathered?.Invoke((int)mline, text));
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"offerer: on-ice-candidate: {e}");
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnPadAdded(nint webrtc, nint pad, nint userData)
    {
        try
        {
            var self = NativeCallbackState.Get<TestOfferer>(userData);
            using var p = GstPad.FromBorrowed(pad);
            if (!p.Name.StartsWith("src", StringComparison.Ordinal)) return;
            var r = p.Link(self._depaySink);
            if (r != GstPadLinkReturn.Ok) Console.Error.WriteLine($"offerer: cannot link {p.Name}: {r}");
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"offerer: pad-added: {e}");
        }
    }
}
