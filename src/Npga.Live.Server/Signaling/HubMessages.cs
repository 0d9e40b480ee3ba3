using Npga.Live.Server.Sessions;

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

/// <summary>Arguments of <c>SetView</c>: the orbit round the avatar's head, degrees.</summary>
public sealed record ViewRequest(double YawDeg, double PitchDeg);

/// <summary>Arguments of <c>SetExpression</c>: the pad's 4 bilinear weights (null = tracked only) and the pad's share 0–1.</summary>
public sealed record ExpressionRequest(float[]? Weights, double Mix);
