using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Npga.Live.Core.Imaging;
using Npga.Live.Media.GStreamer;

namespace Npga.Live.Media.WebRtc;

/// <summary>
/// One browser's WebRTC session, answered by GStreamer's <c>webrtcbin</c>: the browser offers one
/// video m-line (sendrecv), this peer answers, decodes the browser's webcam track into RGB frames
/// (<see cref="TryReadFrame"/>) and sends avatar frames back on the same m-line
/// (<see cref="SendFrame(PooledRgbImage)"/>), in the codec the offer and the installed plugins agree on (VP8
/// preferred, else H.264). Two one-way modes: <see cref="WebRtcPeerOptions.ViewOnly"/> (a WHEP viewer: recvonly offer,
/// the peer only sends) and <see cref="WebRtcPeerOptions.ReceiveOnly"/> (a WHIP publisher such as OBS Studio: sendonly
/// offer, the peer only receives, no encoder); with <see cref="WebRtcPeerOptions.IgnoreAudio"/> audio m-lines are
/// answered recvonly and their streams dropped.
/// </summary>
/// <remarks>
/// <para>The pipeline, built by <see cref="AcceptOffer"/>:</para>
/// <code>
/// appsrc (RGB, live, do-timestamp) ! videoconvert ! vp8enc | x264enc ! rtpvp8pay | rtph264pay pt=(offer's) ! queue ! webrtcbin.sink_N
/// webrtcbin.src_N ! rtpvp8depay ! vp8dec | rtph264depay ! avdec_h264 ! videoconvert ! videoscale ! RGB (at most DriverMaxWidth wide) ! appsink (drop, max-buffers=1)
/// webrtcbin.src_M (audio, IgnoreAudio) ! funnel ! fakesink
/// </code>
/// <para>A receive-only peer has no appsrc/encoder branch: its webrtcbin sink pad is requested, unlinked, only to set
/// the transceiver's direction (recvonly) and codec.</para>
/// <para>Events (<see cref="AnswerCreated"/>, <see cref="LocalCandidate"/>, <see cref="StateChanged"/>)
/// are raised one at a time, in order, on a thread-pool thread, never on a GStreamer thread: a
/// handler may call any member, <see cref="Dispose"/> included. Local candidates are held back
/// until <see cref="AnswerCreated"/> has been raised, so signalling can forward them in order. An
/// exception thrown by an <see cref="AnswerCreated"/> or <see cref="LocalCandidate"/> handler
/// fails the session (the browser would miss the answer or a candidate); one thrown by a
/// <see cref="StateChanged"/> handler is traced and dropped.</para>
/// <para>Failures after the answer (ICE failed or disconnected, DTLS failure, a pipeline error,
/// no video for <see cref="WebRtcPeerOptions.MediaTimeout"/>) are reported as
/// <see cref="WebRtcPeerState.Failed"/> with a reason; nothing is thrown into native code.
/// The owner disposes the peer; until then the native pipeline is kept.</para>
/// <para><see cref="SendFrame(PooledRgbImage)"/> and <see cref="TryReadFrame"/> may be called from different
/// threads concurrently; each from one thread at a time.</para>
/// </remarks>
public sealed unsafe class WebRtcPeer : IVideoFrameSource, IVideoFrameSink, IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    private const string Loopback = "127.0.0.1";

    private readonly WebRtcPeerOptions _options;
    private readonly SerialEventQueue _events;
    private readonly object _gate = new();          // negotiation and teardown
    private readonly object _callbackLock = new();  // native callbacks, candidates, vs teardown
    private readonly object _sendLock = new();
    private readonly object _readLock = new();
    private readonly object _pollLock = new();
    private readonly object _stateLock = new();
    private readonly ManualResetEventSlim _negotiated = new(false);
    private readonly List<(int MLine, string Candidate)> _pendingRemote = new();
    private readonly List<(int MLine, string Candidate)> _pendingLocal = new();
    private readonly List<GSignalConnection> _signals = new();
    private readonly DecodedFramePool _framePool = new(); // the buffers webcam frames are decoded into

    private WebRtcPeerState _state = WebRtcPeerState.New;
    private string? _failure;
    private int _disposeStarted;
    private volatile bool _disposed;
    private bool _accepted;
    private bool _remoteDescriptionSet;
    private int _offerMLines;
    private int _remoteCandidates;
    private bool _answerPosted;
    private volatile bool _sending;

    private GstElement? _pipeline;
    private GstBus? _bus;
    private GstWebRtcBin? _webrtc;
    private GstAppSrc? _source;
    private GstAppSink? _sink;
    private GstPad? _depaySink;
    private GstElement? _discard;
    private GstPadProbe? _frameProbe;
    private Timer? _poll;

    private long _framesReceived;
    private long _framesSent;
    private long _framesRead;
    private long _lastFrameTimestamp;
    private long _connectedTimestamp;
    private int _frameWidth;
    private int _frameHeight;

    /// <summary>Creates an idle peer; nothing native is built until <see cref="AcceptOffer"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is out of range (see <see cref="WebRtcPeerOptions"/>) or a STUN/TURN URI has the wrong form.</exception>
    /// <exception cref="WebRtcException">GStreamer cannot be loaded, or webrtcbin is not installed.</exception>
    public WebRtcPeer(WebRtcPeerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _events = new SerialEventQueue(OnHandlerError);
        try
        {
            Gst.Init();
        }
        catch (GstException e)
        {
            throw new WebRtcException($"cannot start a WebRTC peer: {e.Message}", e);
        }
        if (!Gst.HasElement("webrtcbin"))
            throw new WebRtcException("cannot start a WebRTC peer: GStreamer's webrtcbin is not installed (gstreamer1.0-plugins-bad with libnice)");
    }

    /// <summary>
    /// The local SDP answer (text, CRLF line ends), raised once after <see cref="AcceptOffer"/> set
    /// it as the local description. Forward it to the browser (<c>setRemoteDescription</c>).
    /// </summary>
    public event Action<string>? AnswerCreated;

    /// <summary>
    /// A local ICE candidate: m-line index and the <c>candidate:…</c> line (no <c>a=</c>). Raised
    /// only after <see cref="AnswerCreated"/>; forward each to the browser (<c>addIceCandidate</c>).
    /// </summary>
    public event Action<int, string>? LocalCandidate;

    /// <summary>The state moved forward: the new state, and for <see cref="WebRtcPeerState.Failed"/> the reason (else null).</summary>
    public event Action<WebRtcPeerState, string?>? StateChanged;

    /// <summary>The current state.</summary>
    public WebRtcPeerState State
    {
        get { lock (_stateLock) return _state; }
    }

    /// <summary>Why the peer failed, or null while it has not.</summary>
    public string? FailureReason
    {
        get { lock (_stateLock) return _failure; }
    }

    /// <summary>The negotiated video codec, "VP8" or "H264"; null before <see cref="AcceptOffer"/>.</summary>
    public string? Codec { get; private set; }

    /// <summary>The RTP payload type of the negotiated codec (the offer's); 0 before <see cref="AcceptOffer"/>.</summary>
    public int PayloadType { get; private set; }

    /// <summary>Webcam frames decoded so far (including those dropped because a newer one came before <see cref="TryReadFrame"/>).</summary>
    public long FramesReceived => Interlocked.Read(ref _framesReceived);

    /// <summary>
    /// Whether webrtcbin has gathered all its local ICE candidates (<c>ice-gathering-state</c> complete), for
    /// non-trickle signalling (WHIP/WHEP) that sends one answer holding every candidate. False before
    /// <see cref="AcceptOffer"/> and once disposed.
    /// </summary>
    public bool IceGatheringComplete
    {
        get
        {
            lock (_callbackLock) return !_disposed && _webrtc is not null && _webrtc.IceGatheringState == GstWebRtcIceGatheringState.Complete;
        }
    }

    /// <summary>Avatar frames accepted by <see cref="SendFrame(PooledRgbImage)"/> so far.</summary>
    public long FramesSent => Interlocked.Read(ref _framesSent);

    /// <summary>
    /// Answers the browser's offer: builds the pipeline for the chosen codec, adds 127.0.0.1 to
    /// the ICE agent (when <see cref="WebRtcPeerOptions.AddLoopbackAddress"/>), sets the offer as
    /// remote description, links the sending branch to the offered video m-line with the offer's
    /// payload type, creates the answer and sets it as local description, then raises
    /// <see cref="AnswerCreated"/>. Candidates given earlier to <see cref="AddRemoteCandidate"/>
    /// are applied once the offer is set. Blocks for the negotiation (typically well under a
    /// second; each step is bounded by <see cref="WebRtcPeerOptions.NegotiationTimeout"/>).
    /// </summary>
    /// <param name="sdp">The offer's SDP text.</param>
    /// <exception cref="ArgumentNullException"><paramref name="sdp"/> is null.</exception>
    /// <exception cref="WebRtcException">
    /// Malformed SDP, no video m-line, another active audio/video m-line, no codec this server
    /// decodes and encodes (see <see cref="WebRtcOffer"/>; the peer stays
    /// <see cref="WebRtcPeerState.New"/> and may be given another offer); or webrtcbin refused the
    /// offer, failed or timed out (the peer is then <see cref="WebRtcPeerState.Failed"/>).
    /// </exception>
    /// <exception cref="InvalidOperationException">An offer was already accepted (renegotiation is not supported).</exception>
    /// <exception cref="ObjectDisposedException">The peer was disposed.</exception>
    public void AcceptOffer(string sdp)
    {
        ArgumentNullException.ThrowIfNull(sdp);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_accepted) throw new InvalidOperationException("an offer was already accepted; renegotiation is not supported (create a new peer)");
            using var message = WebRtcOffer.ParseMessage(sdp);
            var offer = WebRtcOffer.Read(message, _options.ViewOnly, _options.ReceiveOnly, _options.IgnoreAudio);
            _accepted = true;
            Codec = offer.Codec;
            PayloadType = offer.PayloadType;
            try
            {
                Negotiate(message, offer);
            }
            catch (Exception e) when (e is GstException or WebRtcException or ObjectDisposedException)
            {
                _pipeline?.SetState(GstState.Null);
                _negotiated.Set();
                ObjectDisposedException.ThrowIf(_disposed, this);
                var error = e as WebRtcException ?? new WebRtcException($"cannot answer the offer: {e.Message}", e);
                Fail(error.Message);
                throw error;
            }
        }
    }

    /// <summary>
    /// Most remote candidates a peer takes, before and after the offer together (100). A browser
    /// gathers a handful per network interface (host, reflexive and relay, UDP and TCP); the limit
    /// bounds what a client can make the server hold before its offer (at most 100 x
    /// <see cref="IceCandidate.MaxLength"/> characters, 100 KiB) and what it can hand to the ICE agent.
    /// </summary>
    public const int MaxRemoteCandidates = 100;

    /// <summary>
    /// Most m-lines a candidate sent before the offer may point into: its m-line index must be
    /// below this (16). Once the offer is set, the index must be one of the offer's m-lines.
    /// </summary>
    public const int MaxMLinesBeforeOffer = 16;

    /// <summary>
    /// Adds one of the browser's ICE candidates. Before <see cref="AcceptOffer"/> it is kept and
    /// applied after the offer (one whose m-line index the offer does not have is then dropped).
    /// An empty candidate (the browser's end-of-candidates) is ignored, as are candidates after a
    /// failure.
    /// </summary>
    /// <param name="sdpMLineIndex">The candidate's m-line index (0-based).</param>
    /// <param name="candidate">The <c>candidate:…</c> line (an <c>a=</c> prefix is accepted), at most <see cref="IceCandidate.MaxLength"/> characters.</param>
    /// <exception cref="ArgumentNullException"><paramref name="candidate"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="sdpMLineIndex"/> is negative, not an m-line of the accepted offer, or before
    /// the offer <see cref="MaxMLinesBeforeOffer"/> or more.
    /// </exception>
    /// <exception cref="WebRtcException">
    /// The candidate is malformed or too long (see <see cref="IceCandidate.Parse"/>), or the peer
    /// already took <see cref="MaxRemoteCandidates"/>; the candidate is not kept, the peer is unchanged.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The peer was disposed.</exception>
    public void AddRemoteCandidate(int sdpMLineIndex, string candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentOutOfRangeException.ThrowIfNegative(sdpMLineIndex);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (string.IsNullOrWhiteSpace(candidate) || candidate.Trim() is "a=end-of-candidates" or "end-of-candidates") return;
        IceCandidate.Parse(candidate);
        lock (_callbackLock)
        {
            if (_disposed) return;
            int mlines = _remoteDescriptionSet ? _offerMLines : MaxMLinesBeforeOffer;
            if (sdpMLineIndex >= mlines)
                throw new ArgumentOutOfRangeException(nameof(sdpMLineIndex), sdpMLineIndex, _remoteDescriptionSet
                    ? $"the candidate's m-line index {sdpMLineIndex} is not an m-line of the offer (it has {mlines})"
                    : $"the candidate's m-line index {sdpMLineIndex} is out of range (below {mlines} before the offer)");
            if (_remoteCandidates >= MaxRemoteCandidates)
                throw new WebRtcException($"too many ICE candidates: a session takes at most {MaxRemoteCandidates}");
            _remoteCandidates++;
            if (!_remoteDescriptionSet) _pendingRemote.Add((sdpMLineIndex, candidate));
            else _webrtc?.AddIceCandidate(sdpMLineIndex, candidate);
        }
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for a decoded webcam frame and returns the newest
    /// (older undelivered ones are dropped: the appsink keeps one). The frame is packed RGB24, at
    /// most <see cref="WebRtcPeerOptions.DriverMaxWidth"/> wide with the browser's aspect ratio;
    /// its size may change mid-stream when the browser adapts its resolution.
    /// <see cref="VideoFrame.Index"/> counts the frames this method returned (0-based);
    /// <see cref="VideoFrame.Time"/> is the frame's presentation time in the pipeline. The frame's buffer is pooled: hand it
    /// back with <see cref="VideoFrame.Release"/> once done with it (the live pipeline does), or let the GC take it.
    /// </summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits until a frame comes or the peer is disposed.</param>
    /// <param name="frame">The frame, when true is returned.</param>
    /// <returns>False when no frame came in time, before the offer was accepted, after a failure, or when the peer was disposed meanwhile.</returns>
    /// <exception cref="ObjectDisposedException">The peer was disposed before the call.</exception>
    public bool TryReadFrame(TimeSpan timeout, out VideoFrame frame)
    {
        frame = null!;
        ObjectDisposedException.ThrowIf(_disposed, this);
        var clock = Stopwatch.StartNew();
        if (!_negotiated.Wait(timeout < TimeSpan.Zero ? Timeout.InfiniteTimeSpan : timeout)) return false;
        lock (_readLock)
        {
            if (_disposed || _sink is null || State >= WebRtcPeerState.Failed) return false;
            var left = timeout < TimeSpan.Zero ? timeout : timeout - clock.Elapsed;
            if (left < TimeSpan.Zero && timeout >= TimeSpan.Zero) left = TimeSpan.Zero;
            using var sample = _sink.TryPullSample(left);
            if (sample is null) return false;
            frame = ToFrame(sample);
            return true;
        }
    }

    /// <summary>
    /// Queues one avatar frame for the browser (copied; <paramref name="image"/> may be reused at
    /// once). It is timestamped on arrival (the pipeline's running clock), so frames should come at
    /// about <see cref="WebRtcPeerOptions.OutputFps"/>. Never blocks: when the encoder falls behind,
    /// the oldest queued frame is dropped (appsrc holds at most two frames and, its default, 200 kB: one frame of 512×512 RGB; measured with the byte limit off too, no difference beyond the noise of npga bench live).
    /// </summary>
    /// <returns>True when queued; false before the answer exists, after a failure, or when disposed meanwhile (the frame is dropped).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is null.</exception>
    /// <exception cref="ArgumentException">The image is not <see cref="WebRtcPeerOptions.OutputWidth"/> x <see cref="WebRtcPeerOptions.OutputHeight"/>.</exception>
    /// <exception cref="ObjectDisposedException">The peer was disposed before the call.</exception>
    public bool SendFrame(RgbImage image)
    {
        CheckOutgoing(image);
        if (!_sending) return false;
        var stride = RgbRows.GstStride(image.Width);
        using var buffer = GstBuffer.Allocate(stride * image.Height);
        using (var map = buffer.Map(GstMapFlags.Write))
            RgbRows.CopyToStrided(image, map.WritableSpan, stride);
        return Push(buffer);
    }

    /// <summary>
    /// Queues one avatar frame for the browser in place: GStreamer reads the pooled image's pinned pixels themselves,
    /// holding the image (<see cref="PooledRgbImage.Hold"/>) until its buffer is freed (encoded, or dropped by appsrc's
    /// queue), so the caller may release its own hold at once but must not write the pixels again. The same image may go
    /// to several peers. Rows whose width is not a multiple of 4 do not have GStreamer's RGB stride and are copied, as
    /// <see cref="SendFrame(RgbImage)"/> does. Otherwise as <see cref="SendFrame(RgbImage)"/>.
    /// </summary>
    /// <returns>True when queued; false before the answer exists, after a failure, or when disposed meanwhile (the frame is dropped, its hold returned).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="frame"/> is null.</exception>
    /// <exception cref="ArgumentException">The image is not <see cref="WebRtcPeerOptions.OutputWidth"/> x <see cref="WebRtcPeerOptions.OutputHeight"/>.</exception>
    /// <exception cref="InvalidOperationException">The caller holds no hold on <paramref name="frame"/> (it is back in its pool).</exception>
    /// <exception cref="ObjectDisposedException">The peer was disposed before the call.</exception>
    public bool SendFrame(PooledRgbImage frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var image = frame.Image;
        if (RgbRows.GstStride(image.Width) != image.Stride) return SendFrame(image);
        CheckOutgoing(image);
        if (!_sending) return false;
        frame.Hold();
        using var buffer = GstBuffer.Wrap(frame.Address, image.Stride * image.Height, frame.Release);
        return Push(buffer);
    }

    private void CheckOutgoing(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (image.Width != _options.OutputWidth || image.Height != _options.OutputHeight)
            throw new ArgumentException(
                $"the frame is {image.Width}x{image.Height}, the avatar track is {_options.OutputWidth}x{_options.OutputHeight}", nameof(image));
    }

    /// <summary>Pushes <paramref name="buffer"/> into the avatar track's appsrc (which takes it over); an unpushed buffer is freed by the caller's dispose.</summary>
    private bool Push(GstBuffer buffer)
    {
        lock (_sendLock)
        {
            if (_disposed || _source is null || State >= WebRtcPeerState.Failed) return false;
            if (_source.Push(buffer) != GstFlowReturn.Ok) return false;
            Interlocked.Increment(ref _framesSent);
            return true;
        }
    }

    /// <summary>
    /// Stops the pipeline (NULL state), disconnects every signal and frees every native object,
    /// then raises <see cref="StateChanged"/> with <see cref="WebRtcPeerState.Closed"/> (the last
    /// event). Idempotent and safe from any thread, event handlers included; waits for an
    /// <see cref="AcceptOffer"/> in progress on another thread to finish (at most its timeouts).
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposeStarted, 1) != 0) return;
        _disposed = true;
        _sending = false;
        Volatile.Read(ref _poll)?.Dispose();
        Volatile.Read(ref _pipeline)?.SetState(GstState.Null); // unblocks pulls and pushes at once
        lock (_gate)
        {
            _pipeline?.SetState(GstState.Null);
            _poll?.Dispose();
            lock (_callbackLock)
            lock (_sendLock)
            lock (_readLock)
            lock (_pollLock)
            {
                foreach (var s in _signals) s.Dispose();
                _signals.Clear();
                _frameProbe?.Dispose();
                _depaySink?.Dispose();
                _discard?.Dispose();
                _discard = null;
                _source?.Dispose();
                _sink?.Dispose();
                _webrtc?.Dispose();
                _bus?.Dispose();
                _pipeline?.Dispose();
                _frameProbe = null;
                _depaySink = null;
                _source = null;
                _sink = null;
                _webrtc = null;
                _bus = null;
                _pipeline = null;
            }
        }
        _framePool.Close();
        _negotiated.Set();
        Transition(WebRtcPeerState.Closed, null);
        _events.Complete();
    }

    // ---- negotiation

    private void Negotiate(GstSdpMessage offerSdp, WebRtcOffer offer)
    {
        var timeout = _options.NegotiationTimeout;
        var offerMLines = offerSdp.MediaCount;
        _pipeline = Gst.ParseLaunch(WebRtcPipelineDescription.Describe(_options, offer));
        _bus = _pipeline.GetBus();
        _webrtc = GstWebRtcBin.Find(_pipeline, "webrtc");
        _sink = GstAppSink.Find(_pipeline, "sink");
        using (var depay = _pipeline.RequireByName("depay"))
            _depaySink = depay.GetStaticPad("sink") ?? throw new GstException($"'{depay.Name}' has no sink pad");
        if (_options.IgnoreAudio) _discard = _pipeline.RequireByName("discard");
        if (!_options.ReceiveOnly)
        {
            _source = GstAppSrc.Find(_pipeline, "src");
            using var caps = GstCaps.Parse(
                $"video/x-raw,format=RGB,width={_options.OutputWidth},height={_options.OutputHeight},framerate={_options.OutputFps}/1,pixel-aspect-ratio=1/1");
            _source.SetCaps(caps);
        }

        if (_options.StunServers.Count > 0) _webrtc.SetProperty("stun-server", _options.StunServers[0]);
        foreach (var turn in _options.TurnServers)
            if (!_webrtc.AddTurnServer(turn))
                throw new WebRtcException($"webrtcbin refused the TURN server '{WebRtcPeerOptions.RedactCredentials(turn)}'");

        _signals.Add(_webrtc.ConnectSignal("on-ice-candidate",
            (nint)(delegate* unmanaged[Cdecl]<nint, uint, nint, nint, void>)&OnIceCandidate, this));
        _signals.Add(_webrtc.ConnectSignal("pad-added",
            (nint)(delegate* unmanaged[Cdecl]<nint, nint, nint, void>)&OnPadAdded, this));
        var notify = (nint)(delegate* unmanaged[Cdecl]<nint, nint, nint, void>)&OnConnectionNotify;
        _signals.Add(_webrtc.ConnectSignal("notify::ice-connection-state", notify, this));
        _signals.Add(_webrtc.ConnectSignal("notify::connection-state", notify, this));
        using (var sinkPad = _sink.GetStaticPad("sink") ?? throw new GstException("the appsink has no sink pad"))
            _frameProbe = sinkPad.AddProbe(GstPadProbeType.Buffer, &OnDecodedFrame, this);

        if (_options.AddLoopbackAddress) _webrtc.AddLocalIceAddress(Loopback);

        if (_pipeline.SetState(GstState.Playing) == GstStateChangeReturn.Failure)
        {
            var error = _bus.Pop(TimeSpan.FromSeconds(1), GstMessageType.Error) as GstErrorMessage;
            throw new WebRtcException("the WebRTC pipeline refused to start" + (error is null ? "" : $": {PipelineErrors.Describe(error)}"));
        }
        Volatile.Write(ref _poll, new Timer(_ => Poll(), null, PollInterval, PollInterval));
        Transition(WebRtcPeerState.Connecting, null);

        try
        {
            _webrtc.SetRemoteDescription(GstWebRtcSdpType.Offer, offerSdp, timeout);
        }
        catch (GstException e)
        {
            throw new WebRtcException($"webrtcbin refused the offer: {e.Message}", e);
        }
        lock (_callbackLock)
        {
            _offerMLines = offerMLines;
            _remoteDescriptionSet = true;
            foreach (var (mline, candidate) in _pendingRemote)
            {
                if (mline < _offerMLines) _webrtc.AddIceCandidate(mline, candidate);
                else Trace.TraceWarning($"WebRtcPeer: dropped a candidate for m-line {mline}: the offer has {_offerMLines} m-lines");
            }
            _pendingRemote.Clear();
        }

        // webrtcbin 1.22 makes no transceiver when it takes a remote offer; it would make a
        // recvonly one while answering. Requesting "sink_N" now makes a sendrecv transceiver bound
        // to m-line N, which the answer then uses: the sending branch goes there. A receive-only
        // peer requests the pad too but links nothing to it: its transceiver only sets the
        // direction (recvonly) and the one codec answered.
        if (_options.ReceiveOnly)
        {
            using var requested = _webrtc.RequestPad($"sink_{offer.VideoMLineIndex}")
                                  ?? throw new WebRtcException($"webrtcbin refused the pad sink_{offer.VideoMLineIndex}");
        }
        else
        {
            using var queue = _pipeline.RequireByName("sendq");
            queue.LinkPads("src", _webrtc, $"sink_{offer.VideoMLineIndex}");
        }
        ConfigureTransceiver(offer);

        GstSdpMessage answer;
        try
        {
            answer = _webrtc.CreateAnswer(timeout);
        }
        catch (GstException e)
        {
            throw new WebRtcException($"webrtcbin could not answer the offer: {e.Message}", e);
        }
        using (answer)
        {
            try
            {
                _webrtc.SetLocalDescription(GstWebRtcSdpType.Answer, answer, timeout);
            }
            catch (GstException e)
            {
                throw new WebRtcException($"webrtcbin refused its own answer: {e.Message}", e);
            }
            var text = answer.ToText();
            lock (_callbackLock)
            {
                _events.Post(() => AnswerCreated?.Invoke(text));
                foreach (var (mline, candidate) in _pendingLocal) PostCandidate(mline, candidate);
                _pendingLocal.Clear();
                _answerPosted = true;
            }
        }
        _sending = true;
        _negotiated.Set();
    }

    /// <summary>Sets the transceiver behind webrtcbin's sink pad for the video m-line to sendrecv with only the chosen codec and payload type.</summary>
    private void ConfigureTransceiver(WebRtcOffer offer)
    {
        var padName = $"sink_{offer.VideoMLineIndex}";
        using var pad = _webrtc!.GetStaticPad(padName) ?? throw new WebRtcException($"webrtcbin has no pad {padName} after linking it");
        var transceiverPtr = pad.DupObjectProperty("transceiver");
        if (transceiverPtr == 0) throw new WebRtcException($"webrtcbin's pad {padName} has no transceiver");
        using var transceiver = new GstObject(new GstObjectHandle(transceiverPtr));
        var mline = transceiver.GetIntProperty("mlineindex");
        if (mline != offer.VideoMLineIndex)
            throw new WebRtcException($"webrtcbin bound {padName} to m-line {mline}, not to the offered video m-line {offer.VideoMLineIndex}");
        transceiver.SetPropertyFromString("direction", _options.ViewOnly ? "sendonly" : _options.ReceiveOnly ? "recvonly" : "sendrecv");
        transceiver.SetPropertyFromString("codec-preferences",
            $"application/x-rtp,media=video,encoding-name={offer.Codec},payload={offer.PayloadType},clock-rate=90000");
    }

    // ---- state

    private void Transition(WebRtcPeerState next, string? reason)
    {
        lock (_stateLock)
        {
            if (next <= _state) return;
            _state = next;
            if (next == WebRtcPeerState.Failed) _failure = reason;
            if (next == WebRtcPeerState.Connected) Volatile.Write(ref _connectedTimestamp, Stopwatch.GetTimestamp());
            _events.Post(() =>
            {
                try
                {
                    StateChanged?.Invoke(next, reason);
                }
                catch (Exception e)
                {
                    // Reporting it through StateChanged again could loop: trace only.
                    Trace.TraceError($"WebRtcPeer: a StateChanged handler threw: {e}");
                }
            });
        }
    }

    private void Fail(string reason)
    {
        _sending = false;
        Transition(WebRtcPeerState.Failed, reason);
    }

    private void OnHandlerError(Exception e)
    {
        // An AnswerCreated or LocalCandidate handler failed: the browser misses the answer or a
        // candidate, so the session cannot work.
        Trace.TraceError($"WebRtcPeer: an event handler threw: {e}");
        Fail($"an event handler threw {e.GetType().Name}: {e.Message}");
    }

    /// <summary>Every 200 ms: bus errors, connection state, media timeout.</summary>
    private void Poll()
    {
        if (_disposed || !Monitor.TryEnter(_pollLock)) return;
        try
        {
            if (_disposed || _bus is null) return;
            if (_bus.Pop(TimeSpan.Zero, GstMessageType.Error) is GstErrorMessage error)
                Fail($"pipeline error: {PipelineErrors.Describe(error)}");
            CheckConnection();
            if (State == WebRtcPeerState.Connected && _options.MediaTimeout > TimeSpan.Zero && !_options.ViewOnly)
            {
                var since = Math.Max(Volatile.Read(ref _lastFrameTimestamp), Volatile.Read(ref _connectedTimestamp));
                var silent = Stopwatch.GetElapsedTime(since);
                if (silent > _options.MediaTimeout)
                    Fail($"no video from the browser for {silent.TotalSeconds:0.#} s (media timeout {_options.MediaTimeout.TotalSeconds:0.#} s): it went away or stopped sending");
            }
        }
        catch (Exception e)
        {
            Fail($"internal error while watching the session: {e.Message}");
        }
        finally
        {
            Monitor.Exit(_pollLock);
        }
    }

    /// <summary>Reads webrtcbin's ICE and peer connection states and moves the peer's state accordingly.</summary>
    private void CheckConnection()
    {
        GstWebRtcIceConnectionState ice;
        GstWebRtcPeerConnectionState connection;
        lock (_callbackLock)
        {
            if (_disposed || _webrtc is null) return;
            ice = _webrtc.IceConnectionState;
            connection = _webrtc.ConnectionState;
        }
        if (ice is GstWebRtcIceConnectionState.Failed or GstWebRtcIceConnectionState.Disconnected or GstWebRtcIceConnectionState.Closed)
            Fail($"ICE connection {ice.ToString().ToLowerInvariant()}: the browser is unreachable or went away");
        else if (connection == GstWebRtcPeerConnectionState.Failed)
            Fail("the connection failed (ICE or the DTLS handshake)");
        else if (connection is GstWebRtcPeerConnectionState.Disconnected or GstWebRtcPeerConnectionState.Closed)
            Fail($"the connection is {connection.ToString().ToLowerInvariant()}");
        else if (connection == GstWebRtcPeerConnectionState.Connected)
            Transition(WebRtcPeerState.Connected, null);
    }

    private void PostCandidate(int mline, string candidate) => _events.Post(() => LocalCandidate?.Invoke(mline, candidate));

    private VideoFrame ToFrame(GstSample sample)
    {
        // The caps are read on every sample: the browser changes its resolution under load, and a new caps object may
        // sit at the address of the old one, so the caps pointer cannot tell that they changed.
        var caps = sample.Caps;
        if (caps.Format != "RGB" || caps.Width <= 0 || caps.Height <= 0)
            throw new WebRtcException($"the decoder delivered {caps.MediaType} {caps.Format} {caps.Width}x{caps.Height}, not RGB");
        _frameWidth = caps.Width;
        _frameHeight = caps.Height;
        var image = _framePool.Rent(_frameWidth, _frameHeight);
        var stride = RgbRows.GstStride(_frameWidth);
        using (var map = sample.Map())
        {
            long needed = (long)stride * (_frameHeight - 1) + image.Stride;
            if (map.Length < needed)
                throw new WebRtcException($"a decoded frame holds {map.Length} bytes, a {_frameWidth}x{_frameHeight} RGB frame needs {needed}");
            RgbRows.CopyFromStrided(map.Span, stride, image);
        }
        var time = GstClockTime.ToTimeSpan(sample.Pts) ?? TimeSpan.Zero;
        return new VideoFrame(_framesRead++, time, image) { Release = _framePool.Return };
    }

    // ---- native callbacks: never throw, never block on the event handlers

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnIceCandidate(nint webrtc, uint mline, nint candidate, nint userData)
    {
        WebRtcPeer? peer = null;
        try
        {
            peer = NativeCallbackState.Get<WebRtcPeer>(userData);
            var text = Marshal.PtrToStringUTF8(candidate);
            if (string.IsNullOrEmpty(text)) return;
            lock (peer._callbackLock)
            {
                if (peer._disposed) return;
                if (peer._answerPosted) peer.PostCandidate((int)mline, text);
                else peer._pendingLocal.Add(((int)mline, text));
            }
        }
        catch (Exception e)
        {
            peer?.SafeFail($"internal error handling a local ICE candidate: {e.Message}");
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnPadAdded(nint webrtc, nint pad, nint userData)
    {
        WebRtcPeer? peer = null;
        try
        {
            peer = NativeCallbackState.Get<WebRtcPeer>(userData);
            using var incoming = GstPad.FromBorrowed(pad);
            var name = incoming.Name;
            if (!name.StartsWith("src", StringComparison.Ordinal)) return; // requested sink pads are announced too
            lock (peer._callbackLock)
            {
                if (peer._disposed || peer._depaySink is null || peer._webrtc is null) return;
                // The stream's kind is told by its payload type (rtpbin's pad behind webrtcbin's is named
                // recv_rtp_src_<session>_<ssrc>_<pt>): webrtcbin 1.22 may bind a bundled stream's pad to another
                // m-line's transceiver, and the pad's caps say only application/x-rtp when it is added.
                if (peer._discard is not null && PayloadTypeOf(incoming) is { } pt && pt != peer.PayloadType)
                {
                    // Audio (IgnoreAudio): dropped, so that webrtcbin's stream is linked and the pipeline never stalls.
                    peer._webrtc.LinkPads(name, peer._discard, "sink_%u");
                    return;
                }
                if (peer._depaySink.IsLinked)
                {
                    peer.Fail($"webrtcbin opened a second incoming stream ({name}); only one video track is supported");
                    return;
                }
                var result = incoming.Link(peer._depaySink);
                if (result != GstPadLinkReturn.Ok)
                    peer.Fail($"cannot link the incoming stream {name} to the {peer.Codec} decoder: {result}");
            }
        }
        catch (Exception e)
        {
            peer?.SafeFail($"internal error linking the incoming stream: {e.Message}");
        }
    }

    /// <summary>
    /// The RTP payload type of webrtcbin's incoming <paramref name="pad"/>, read from the name of the rtpbin pad it forwards
    /// (<c>recv_rtp_src_&lt;session&gt;_&lt;ssrc&gt;_&lt;pt&gt;</c>); null when that cannot be read.
    /// </summary>
    private static int? PayloadTypeOf(GstPad pad)
    {
        using var target = pad.GhostTarget;
        var name = target?.Name;
        if (name is null || !name.StartsWith("recv_rtp_src_", StringComparison.Ordinal)) return null;
        var last = name.LastIndexOf('_');
        return int.TryParse(name.AsSpan(last + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pt) ? pt : null;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnConnectionNotify(nint webrtc, nint paramSpec, nint userData)
    {
        try
        {
            // Read the states off webrtcbin's thread: it may hold its own lock around the notify.
            var peer = NativeCallbackState.Get<WebRtcPeer>(userData);
            if (!peer._disposed) ThreadPool.UnsafeQueueUserWorkItem(static p => p.SafeCheckConnection(), peer, preferLocal: false);
        }
        catch (Exception)
        {
            // never unwind into native code; the poll timer reads the states too
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static GstPadProbeReturn OnDecodedFrame(nint pad, nint info, nint userData)
    {
        try
        {
            var peer = NativeCallbackState.Get<WebRtcPeer>(userData);
            Interlocked.Increment(ref peer._framesReceived);
            Volatile.Write(ref peer._lastFrameTimestamp, Stopwatch.GetTimestamp());
        }
        catch (Exception)
        {
            // never unwind into native code
        }
        return GstPadProbeReturn.Ok;
    }

    private void SafeCheckConnection()
    {
        try { CheckConnection(); }
        catch (Exception e) { SafeFail($"internal error reading the connection state: {e.Message}"); }
    }

    private void SafeFail(string reason)
    {
        try { Fail(reason); }
        catch (Exception) { /* nothing left to report to */ }
    }
}
