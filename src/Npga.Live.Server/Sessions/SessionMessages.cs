namespace Npga.Live.Server.Sessions;

// What a live session hands out: the STUN/TURN servers a page should use, its local ICE candidates and its figures.
// The hub sends them to the page as they are (docs/LIVE.md), WHIP collects the candidates, /metrics reads the figures.

/// <summary>An ICE server in the shape of WebRTC's <c>RTCIceServer</c>.</summary>
public sealed record IceServerInfo(string[] Urls, string? Username = null, string? Credential = null);

/// <summary>A trickled ICE candidate, either way.</summary>
/// <param name="Candidate">The <c>candidate:…</c> line (without <c>a=</c>).</param>
/// <param name="SdpMLineIndex">Index of the m-line it belongs to.</param>
public sealed record IceCandidateMessage(string Candidate, int SdpMLineIndex);

/// <summary>A session's figures, sent about once a second (<c>Stats</c>) and shown by <c>/metrics</c>.</summary>
/// <param name="FpsIn">Webcam frames decoded per second.</param>
/// <param name="FpsOut">Avatar frames sent per second.</param>
/// <param name="Face">Whether the last frame had a face.</param>
/// <param name="TrackMs">Median tracking time over the last second, ms (null when no frame went through; likewise below).</param>
/// <param name="RenderMs">Median deform + render + refine time, ms.</param>
/// <param name="EncodeMs">Median time handing a frame to the encoder, ms.</param>
/// <param name="LatencyMs">Median server latency, webcam frame decoded → avatar frame handed to the encoder, ms.</param>
/// <param name="Dropped">Frames dropped in the pipeline so far (newest frame wins).</param>
/// <param name="Avatar">The avatar being shown.</param>
/// <param name="State">The WebRTC peer's state.</param>
/// <param name="Refine">Whether the last frame ran the avatar's CNN (<c>LiveOptions.Refine</c>); null when the avatar has none.</param>
public sealed record SessionStats(double FpsIn, double FpsOut, bool Face, double? TrackMs, double? RenderMs, double? EncodeMs, double? LatencyMs, long Dropped, string Avatar, string State,
    bool? Refine = null);
