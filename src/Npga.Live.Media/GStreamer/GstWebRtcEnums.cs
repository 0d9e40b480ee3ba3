namespace Npga.Live.Media.GStreamer;

// webrtcbin's C enumerations (gst-plugins-bad 1.22, gst/webrtc/webrtc_fwd.h; ABI-stable).

/// <summary><c>GstWebRTCSDPType</c>: the kind of a session description.</summary>
public enum GstWebRtcSdpType
{
    /// <summary>An offer.</summary>
    Offer = 1,
    /// <summary>A provisional answer.</summary>
    ProvisionalAnswer = 2,
    /// <summary>An answer.</summary>
    Answer = 3,
    /// <summary>A rollback.</summary>
    Rollback = 4,
}

/// <summary><c>GstWebRTCICEConnectionState</c>: webrtcbin's <c>ice-connection-state</c>.</summary>
public enum GstWebRtcIceConnectionState
{
    /// <summary>No checks yet.</summary>
    New = 0,
    /// <summary>Connectivity checks running.</summary>
    Checking = 1,
    /// <summary>A working candidate pair was found.</summary>
    Connected = 2,
    /// <summary>Checks finished, a pair was selected.</summary>
    Completed = 3,
    /// <summary>No working pair.</summary>
    Failed = 4,
    /// <summary>Connectivity was lost.</summary>
    Disconnected = 5,
    /// <summary>The ICE agent shut down.</summary>
    Closed = 6,
}

/// <summary><c>GstWebRTCPeerConnectionState</c>: webrtcbin's <c>connection-state</c> (ICE and DTLS together).</summary>
public enum GstWebRtcPeerConnectionState
{
    /// <summary>Nothing started.</summary>
    New = 0,
    /// <summary>ICE or DTLS in progress.</summary>
    Connecting = 1,
    /// <summary>ICE and DTLS up.</summary>
    Connected = 2,
    /// <summary>Connectivity lost.</summary>
    Disconnected = 3,
    /// <summary>ICE or DTLS failed.</summary>
    Failed = 4,
    /// <summary>Closed.</summary>
    Closed = 5,
}

/// <summary><c>GstWebRTCICEGatheringState</c>: webrtcbin's <c>ice-gathering-state</c>.</summary>
public enum GstWebRtcIceGatheringState
{
    /// <summary>Nothing gathered yet.</summary>
    New = 0,
    /// <summary>Gathering local candidates.</summary>
    Gathering = 1,
    /// <summary>Every local candidate is gathered.</summary>
    Complete = 2,
}
