namespace Npga.Live.Media.WebRtc;

/// <summary>Settings of one <see cref="WebRtcPeer"/>.</summary>
public sealed record WebRtcPeerOptions
{
    /// <summary>Width in pixels of the avatar frames given to <see cref="WebRtcPeer.SendFrame(Npga.Live.Core.Imaging.PooledRgbImage)"/> (even, 16..4096; H.264 needs even sizes).</summary>
    public int OutputWidth { get; init; } = 512;

    /// <summary>Height in pixels of the avatar frames (even, 16..4096).</summary>
    public int OutputHeight { get; init; } = 512;

    /// <summary>Nominal frame rate of the avatar track, frames per second (1..120), told to the encoder for its rate control.</summary>
    public int OutputFps { get; init; } = 30;

    /// <summary>Received webcam frames wider than this are scaled down, aspect ratio kept (pixels, 16..4096).</summary>
    public int DriverMaxWidth { get; init; } = 640;

    /// <summary>Target bitrate of the avatar track in kbit/s (50..50000).</summary>
    public int BitrateKbps { get; init; } = 1500;

    /// <summary>
    /// STUN servers, <c>stun://host:port</c>. webrtcbin 1.22 takes one: the first is used, the
    /// others are ignored.
    /// </summary>
    public IReadOnlyList<string> StunServers { get; init; } = [];

    /// <summary>TURN servers, <c>turn://user:password@host:port</c> (or <c>turns://</c>); all are added.</summary>
    public IReadOnlyList<string> TurnServers { get; init; } = [];

    /// <summary>
    /// Add 127.0.0.1 to the ICE agent before negotiating, so that loopback host candidates are
    /// gathered (libnice leaves loopback out); needed when the browser runs on the same host or
    /// inside a loopback-only network namespace.
    /// </summary>
    public bool AddLoopbackAddress { get; init; } = true;

    /// <summary>How long each negotiation step (set a description, create the answer) may take before <see cref="WebRtcPeer.AcceptOffer"/> gives up.</summary>
    public TimeSpan NegotiationTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Once connected, a peer that receives no video frame for this long is reported Failed ("no
    /// video from the browser for N s"). Browsers send frames continuously (at least about one a
    /// second for a still or disabled camera), so silence means the browser went away without
    /// saying so. ICE does not notice that in time: with webrtcbin 1.22 and libnice 0.1.21 (no
    /// consent-freshness checks), a peer whose browser vanished stayed "connected" for over 75 s
    /// (measured on loopback). Zero or <see cref="Timeout.InfiniteTimeSpan"/> disables it.
    /// </summary>
    public TimeSpan MediaTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A view-only peer (a WHEP viewer): the offer's video m-line must be <c>a=recvonly</c>, the answer is
    /// <c>a=sendonly</c>, the peer only sends (<see cref="WebRtcPeer.SendFrame(Npga.Live.Core.Imaging.PooledRgbImage)"/>; <see cref="WebRtcPeer.TryReadFrame"/>
    /// never gets a frame) and <see cref="MediaTimeout"/> does not apply (nothing comes in). Off by default: the offer
    /// must then be <c>a=sendrecv</c> (or <c>a=sendonly</c> with <see cref="ReceiveOnly"/>).
    /// </summary>
    public bool ViewOnly { get; init; }

    /// <summary>
    /// A receive-only peer (a WHIP publisher such as OBS Studio that only sends), the mirror of <see cref="ViewOnly"/>:
    /// the offer's video m-line must be <c>a=sendonly</c>, the answer is <c>a=recvonly</c>, the peer has no avatar track
    /// (no encoder; <see cref="WebRtcPeer.SendFrame(Npga.Live.Core.Imaging.PooledRgbImage)"/> always returns false) and only decodes the incoming video
    /// (<see cref="WebRtcPeer.TryReadFrame"/>; <see cref="MediaTimeout"/> applies). Not together with <see cref="ViewOnly"/>.
    /// </summary>
    public bool ReceiveOnly { get; init; }

    /// <summary>
    /// Take offers with audio m-lines besides the one video m-line (WHIP clients such as OBS Studio send audio too): each
    /// is answered <c>a=recvonly</c> with the offer's codec, and whatever audio comes in is dropped (webrtcbin's incoming
    /// audio streams go to a fakesink). Off by default: an active audio m-line is then refused (the page never sends audio).
    /// </summary>
    public bool IgnoreAudio { get; init; }

    /// <summary>Checks the settings' ranges and the STUN/TURN URIs' form.</summary>
    /// <exception cref="ArgumentException">An option is out of range (<see cref="ArgumentOutOfRangeException"/>), an odd frame size, both one-way modes, or a STUN/TURN URI of the wrong form.</exception>
    public void Validate()
    {
        static void Range(int value, int min, int max, string name)
        {
            if (value < min || value > max) throw new ArgumentOutOfRangeException(name, value, $"{name} must be {min}..{max}");
        }
        Range(OutputWidth, 16, 4096, nameof(OutputWidth));
        Range(OutputHeight, 16, 4096, nameof(OutputHeight));
        if (OutputWidth % 2 != 0 || OutputHeight % 2 != 0)
            throw new ArgumentException($"the avatar track needs an even width and height (4:2:0 video), got {OutputWidth}x{OutputHeight}", nameof(OutputWidth));
        Range(OutputFps, 1, 120, nameof(OutputFps));
        Range(DriverMaxWidth, 16, 4096, nameof(DriverMaxWidth));
        Range(BitrateKbps, 50, 50_000, nameof(BitrateKbps));
        if (ViewOnly && ReceiveOnly)
            throw new ArgumentException("a peer cannot be both view-only (it only sends) and receive-only (it only receives)", nameof(ReceiveOnly));
        if (NegotiationTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(NegotiationTimeout), NegotiationTimeout, "the negotiation timeout must be positive");
        ArgumentNullException.ThrowIfNull(StunServers, nameof(StunServers));
        ArgumentNullException.ThrowIfNull(TurnServers, nameof(TurnServers));
        foreach (var s in StunServers)
            if (s is null || !s.StartsWith("stun://", StringComparison.OrdinalIgnoreCase) || s.Length <= "stun://".Length)
                throw new ArgumentException($"a STUN server must look like stun://host:port, got '{s}'", nameof(StunServers));
        foreach (var t in TurnServers)
            if (t is null || !(t.StartsWith("turn://", StringComparison.OrdinalIgnoreCase) || t.StartsWith("turns://", StringComparison.OrdinalIgnoreCase))
                || !t.Contains('@'))
                throw new ArgumentException($"a TURN server must look like turn://user:password@host:port, got '{(t is null ? null : RedactCredentials(t))}'", nameof(TurnServers));
    }

    /// <summary>"turn://user:secret@host:3478" → "turn://***@host:3478".</summary>
    internal static string RedactCredentials(string uri)
    {
        var scheme = uri.IndexOf("://", StringComparison.Ordinal);
        var at = uri.LastIndexOf('@');
        return scheme < 0 || at < scheme ? uri : uri[..(scheme + 3)] + "***" + uri[at..];
    }
}
