using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Npga.Live.Media.GStreamer;
using Npga.Live.Server.Whip;

namespace Npga.Live.Server.Tests;

/// <summary>
/// A WHIP or WHEP client played by webrtcbin in the test process, non-trickle like OBS Studio: it creates its offer,
/// waits until every local candidate is gathered and puts them in the offer (<see cref="Offer"/>), then takes the
/// server's complete answer (<see cref="AcceptAnswer"/>).
/// <list type="bullet">
/// <item><see cref="Obs"/>: OBS Studio 30's WHIP output: an opus audio m-line (audiotestsrc) and an H.264 video m-line
/// (videotestsrc, packetization-mode 1), both <c>a=sendonly</c>, bundled.</item>
/// <item><see cref="Viewer"/>: a WHEP viewer: one <c>a=recvonly</c> VP8 video m-line; what comes is decoded into an
/// appsink (<see cref="FramesReceived"/>).</item>
/// </list>
/// </summary>
internal sealed unsafe class WhipTestClient : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly GstElement _pipeline;
    private readonly GstWebRtcBin _webrtc;
    private readonly GstPad? _depaySink;
    private readonly GstPadProbe? _probe;
    private readonly List<GSignalConnection> _signals = new();
    private readonly List<(int, string)> _candidates = new();
    private readonly object _lock = new();
    private long _framesReceived;
    private bool _disposed;

    private WhipTestClient(string description, bool viewer)
    {
        Gst.Init();
        _pipeline = Gst.ParseLaunch(description);
        _webrtc = GstWebRtcBin.Find(_pipeline, "client");
        _signals.Add(_webrtc.ConnectSignal("on-ice-candidate", (nint)(delegate* unmanaged[Cdecl]<nint, uint, nint, nint, void>)&OnIceCandidate, this));
        _webrtc.AddLocalIceAddress("127.0.0.1");
        if (viewer)
        {
            using (var depay = _pipeline.RequireByName("depay")) _depaySink = depay.GetStaticPad("sink")!;
            using (var sink = _pipeline.RequireByName("sink"))
            using (var pad = sink.GetStaticPad("sink")!)
                _probe = pad.AddProbe(GstPadProbeType.Buffer, &OnFrame, this);
            _signals.Add(_webrtc.ConnectSignal("pad-added", (nint)(delegate* unmanaged[Cdecl]<nint, nint, nint, void>)&OnPadAdded, this));
            using var requested = _webrtc.RequestPad("sink_0") ?? throw new InvalidOperationException("webrtcbin gave no sink_0");
            using var transceiver = _webrtc.GetTransceiver(0) ?? throw new InvalidOperationException("no transceiver");
            transceiver.SetPropertyFromString("direction", "recvonly");
            transceiver.SetPropertyFromString("codec-preferences", "application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000");
        }
        else
        {
            for (int i = 0; i < 2; i++)
            {
                using var transceiver = _webrtc.GetTransceiver(i) ?? throw new InvalidOperationException($"no transceiver {i}");
                transceiver.SetPropertyFromString("direction", "sendonly");
            }
        }
        if (_pipeline.SetState(GstState.Playing) == GstStateChangeReturn.Failure) throw new InvalidOperationException("the client did not start");
    }

    /// <summary>An OBS-shaped WHIP publisher (sendonly opus + H.264).</summary>
    public static WhipTestClient Obs() => new(
        "webrtcbin name=client bundle-policy=max-bundle "
        + "audiotestsrc is-live=true wave=sine volume=0.1 ! audioconvert ! audioresample ! audio/x-raw,rate=48000,channels=2 ! opusenc ! "
        + "rtpopuspay pt=111 ! application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000 ! client. "
        + "videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=480,framerate=30/1 ! videoconvert ! video/x-raw,format=I420 ! "
        + "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 ! video/x-h264,profile=constrained-baseline ! "
        + "rtph264pay pt=102 config-interval=-1 aggregate-mode=zero-latency ! "
        + "application/x-rtp,media=video,encoding-name=H264,payload=102,clock-rate=90000,packetization-mode=(string)1 ! client.",
        viewer: false);

    /// <summary>A WHEP viewer (recvonly VP8).</summary>
    public static WhipTestClient Viewer() => new(
        "webrtcbin name=client bundle-policy=max-bundle "
        + "rtpvp8depay name=depay ! vp8dec ! videoconvert ! video/x-raw,format=RGB ! fakesink name=sink sync=false async=false",
        viewer: true);

    /// <summary>Decoded frames of the server's track so far (viewer).</summary>
    public long FramesReceived => Interlocked.Read(ref _framesReceived);

    /// <summary>Creates the offer, sets it as local description, waits for every candidate and returns the offer with them.</summary>
    public string Offer()
    {
        string text;
        using (var offer = _webrtc.CreateOffer(Timeout))
        {
            _webrtc.SetLocalDescription(GstWebRtcSdpType.Offer, offer, Timeout);
            text = offer.ToText();
        }
        var clock = Stopwatch.StartNew();
        while (_webrtc.IceGatheringState != GstWebRtcIceGatheringState.Complete && clock.Elapsed < Timeout) Thread.Sleep(20);
        lock (_candidates) return SdpCandidates.Insert(text, _candidates.ToList());
    }

    /// <summary>Sets the server's answer (its candidates in it) as remote description.</summary>
    public void AcceptAnswer(string sdp)
    {
        using var answer = GstSdpMessage.Parse(sdp);
        _webrtc.SetRemoteDescription(GstWebRtcSdpType.Answer, answer, Timeout);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
        }
        _pipeline.SetState(GstState.Null);
        foreach (var s in _signals) s.Dispose();
        _probe?.Dispose();
        _depaySink?.Dispose();
        _webrtc.Dispose();
        _pipeline.Dispose();
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnIceCandidate(nint webrtc, uint mline, nint candidate, nint userData)
    {
        try
        {
            var self = NativeCallbackState.Get<WhipTestClient>(userData);
            var text = Marshal.PtrToStringUTF8(candidate);
            if (!string.IsNullOrEmpty(text))
                lock (self._candidates) self._candidates.Add(((int)mline, text));
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"client: on-ice-candidate: {e}");
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnPadAdded(nint webrtc, nint pad, nint userData)
    {
        try
        {
            var self = NativeCallbackState.Get<WhipTestClient>(userData);
            using var p = GstPad.FromBorrowed(pad);
            if (!p.Name.StartsWith("src", StringComparison.Ordinal) || self._depaySink is null) return;
            var r = p.Link(self._depaySink);
            if (r != GstPadLinkReturn.Ok) Console.Error.WriteLine($"client: cannot link {p.Name}: {r}");
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"client: pad-added: {e}");
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static GstPadProbeReturn OnFrame(nint pad, nint info, nint userData)
    {
        try
        {
            Interlocked.Increment(ref NativeCallbackState.Get<WhipTestClient>(userData)._framesReceived);
        }
        catch (Exception)
        {
            // never unwind into native code
        }
        return GstPadProbeReturn.Ok;
    }
}
