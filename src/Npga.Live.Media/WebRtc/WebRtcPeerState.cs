namespace Npga.Live.Media.WebRtc;

/// <summary>
/// The life of a <see cref="WebRtcPeer"/>. States only move forward, in this order; Failed and
/// Closed are final (Closed follows Failed when the failed peer is disposed).
/// </summary>
public enum WebRtcPeerState
{
    /// <summary>Created; no offer accepted yet.</summary>
    New,
    /// <summary>The offer was accepted; ICE and DTLS are in progress.</summary>
    Connecting,
    /// <summary>ICE and DTLS are up (webrtcbin's <c>connection-state</c> is connected): media flows.</summary>
    Connected,
    /// <summary>The session broke: ICE failed or disconnected, DTLS failed, a pipeline error, or no media for the media timeout. The reason comes with the event.</summary>
    Failed,
    /// <summary>Disposed.</summary>
    Closed,
}
