namespace Npga.Live.Server.Signaling;

/// <summary>Arguments of the hub's <c>Join</c> (docs/LIVE.md).</summary>
/// <param name="Avatar">Avatar id to start with, or null for the server's default.</param>
/// <param name="Probe">Copy the frame code of each webcam frame into the avatar frame made from it (latency and alignment probe).</param>
public sealed record JoinRequest(string? Avatar = null, bool Probe = false);

/// <summary>The result of <c>Join</c>.</summary>
/// <param name="SessionId">The new session's id.</param>
/// <param name="Avatar">The avatar the session starts with.</param>
/// <param name="Avatars">Every avatar offered.</param>
/// <param name="Expressions">Names of the expression pad's four corners (top-left, top-right, bottom-left, bottom-right), empty without presets.</param>
/// <param name="IceServers">STUN/TURN servers for the browser's RTCPeerConnection (empty on loopback and LAN).</param>
public sealed record JoinResult(string SessionId, string Avatar, IReadOnlyList<AvatarInfo> Avatars, IReadOnlyList<string> Expressions, IReadOnlyList<IceServerInfo> IceServers);

/// <summary>An avatar as the page lists it.</summary>
public sealed record AvatarInfo(string Id, string Name, string Credit);

/// <summary>An ICE server in the shape of WebRTC's <c>RTCIceServer</c>.</summary>
public sealed record IceServerInfo(string[] Urls, string? Username = null, string? Credential = null);

/// <summary>A trickled ICE candidate, either way.</summary>
/// <param name="Candidate">The <c>candidate:…</c> line (without <c>a=</c>).</param>
/// <param name="SdpMLineIndex">Index of the m-line it belongs to.</param>
public sealed record IceCandidateMessage(string Candidate, int SdpMLineIndex);

/// <summary>Arguments of <c>SetView</c>: the orbit round the avatar's head, degrees.</summary>
public sealed record ViewRequest(double YawDeg, double PitchDeg);

/// <summary>Arguments of <c>SetExpression</c>: the pad's 4 bilinear weights (null = tracked only) and the pad's share 0–1.</summary>
public sealed record ExpressionRequest(float[]? Weights, double Mix);

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
