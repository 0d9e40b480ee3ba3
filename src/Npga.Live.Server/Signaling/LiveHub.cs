using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Logging;
using Npga.Live.Media.WebRtc;
using Npga.Live.Server.Access;
using Npga.Live.Server.Avatars;
using Npga.Live.Server.Sessions;

namespace Npga.Live.Server.Signaling;

/// <summary>
/// The SignalR hub at <c>/hub</c>: signaling (offer/answer/ICE) and control (avatar, view, expression pad) of one live
/// session per connection (protocol: docs/LIVE.md). Every bad request becomes a <see cref="HubException"/> with a clear
/// message for that caller only (counted, and logged once per connection, by <see cref="ClientErrorFilter"/>); nothing a
/// page sends can take down another session or the server. A dropped connection ends its session. A connection that
/// joined with a join token limited to some avatars (<see cref="JoinTokenPrincipal"/>) is offered, and may show, only those.
/// The hub is thin: its methods check and parse what the page sends, delegate to <see cref="SessionManager"/> and the
/// caller's <see cref="LiveSession"/>, and turn their failures into <see cref="HubException"/>s; the session's messages to
/// the page go through <see cref="HubSessionNotifier"/>, not through the hub.
/// </summary>
public sealed class LiveHub(SessionManager sessions, ILogger<LiveHub> log) : Hub<ILiveClient>
{
    /// <summary>
    /// Starts this connection's session, with the requested avatar, else the server's default (or, when the join token
    /// is limited to avatars without it, the token's first).
    /// </summary>
    /// <exception cref="HubException"><c>busy:</c> when every slot is taken; an unknown avatar, or one the join token does not cover; a second Join; a session that cannot be built.</exception>
    public JoinResult Join(JoinRequest? request)
    {
        request ??= new JoinRequest();
        var scope = JoinTokenPrincipal.Avatars(Context.User);
        var avatar = sessions.AvatarFor(request.Avatar, scope);
        if (!AvatarCatalog.IsValidId(avatar) || !sessions.Catalog.Contains(avatar)) throw new HubException($"no avatar '{Trim(avatar)}'");
        RequireCovered(scope, avatar);
        LiveSession session;
        try
        {
            session = sessions.Start(Context.ConnectionId, avatar, request.Probe);
        }
        catch (ServerBusyException e)
        {
            log.LogDebug("connection {Connection} refused: {Reason}", Context.ConnectionId, e.Message); // ClientErrorFilter logs a connection's first refusal
            throw new HubException(e.Message);
        }
        catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or Npga.Live.Avatar.AvatarFormatException or Npga.Live.Media.MediaException)
        {
            log.LogWarning("connection {Connection}: session not started: {Reason}", Context.ConnectionId, e.Message);
            throw new HubException($"session not started: {e.Message}");
        }
        return new JoinResult(session.Id, avatar,
            sessions.OfferedTo(scope).Select(a => new AvatarInfo(a.Id, a.Name, a.Credit)).ToList(),
            sessions.Presets?.Names ?? [],
            sessions.IceServers);
    }

    /// <summary>The page's SDP offer; the answer comes back as <c>Answer</c>.</summary>
    /// <exception cref="HubException">No session, a second offer, or an offer the server cannot answer (the session then ends).</exception>
    public void Offer(string sdp)
    {
        var session = Require();
        if (string.IsNullOrWhiteSpace(sdp)) throw new HubException("the offer is empty");
        try
        {
            session.AcceptOffer(sdp);
        }
        catch (Exception e) when (e is WebRtcException or InvalidOperationException)
        {
            throw new HubException(e.Message);
        }
    }

    /// <summary>One of the page's ICE candidates (an empty one, end-of-candidates, is taken and ignored).</summary>
    /// <exception cref="HubException">
    /// No session; a malformed candidate, one over 1 KiB, an m-line index the offer does not have, or more than 100
    /// candidates in the session (<see cref="WebRtcPeer.AddRemoteCandidate"/>).
    /// </exception>
    public void Candidate(IceCandidateMessage? candidate)
    {
        var session = Require();
        if (candidate is null || candidate.Candidate is null) throw new HubException("the candidate is empty");
        try
        {
            session.AddCandidate(candidate);
        }
        catch (Exception e) when (e is ArgumentException or WebRtcException)
        {
            throw new HubException($"bad candidate: {e.Message}");
        }
        catch (ObjectDisposedException)
        {
            throw new HubException("the session has ended");
        }
    }

    /// <summary>Switches the avatar (from the next frame on).</summary>
    /// <exception cref="HubException">No session, no such avatar, or one the join token does not cover.</exception>
    public void SetAvatar(string id)
    {
        var session = Require();
        if (!AvatarCatalog.IsValidId(id) || !sessions.Catalog.Contains(id)) throw new HubException($"no avatar '{Trim(id)}'");
        RequireCovered(JoinTokenPrincipal.Avatars(Context.User), id);
        session.Controls.RequestAvatar(id);
    }

    /// <summary>Orbits the view round the head (clamped to ±60° yaw, ±40° pitch).</summary>
    /// <exception cref="HubException">No session, or angles that are not numbers.</exception>
    public void SetView(ViewRequest? view)
    {
        var session = Require();
        if (view is null) throw new HubException("the view is empty");
        try
        {
            session.Controls.SetView(view.YawDeg, view.PitchDeg);
        }
        catch (ArgumentException e)
        {
            throw new HubException(e.Message);
        }
    }

    /// <summary>The expression pad: 4 weights (null = tracked only) and the pad's share.</summary>
    /// <exception cref="HubException">No session, or weights/mix out of range.</exception>
    public void SetExpression(ExpressionRequest? expression)
    {
        var session = Require();
        if (expression is null) throw new HubException("the expression is empty");
        if (expression.Weights is not null && sessions.Presets is null) throw new HubException("this server has no expression presets");
        try
        {
            session.Controls.SetExpression(expression.Weights, expression.Mix);
        }
        catch (ArgumentException e)
        {
            throw new HubException(e.Message);
        }
    }

    /// <summary>
    /// The colour the avatar is drawn on, <c>#rrggbb</c> (sRGB hex, as CSS writes it), or null / empty for the avatar's own:
    /// a solid colour for capture tools to key out (OBS's chroma key; the bare view's transparent mode, web/obs.html).
    /// </summary>
    /// <exception cref="HubException">No session, or a colour that is not <c>#rrggbb</c>.</exception>
    public void SetBackground(string? colour)
    {
        var session = Require();
        session.Controls.SetBackground(ParseBackground(colour));
    }

    /// <summary><see cref="SetBackground"/>'s argument as RGB 0–1, or null (the avatar's own) for null or empty.</summary>
    /// <exception cref="HubException">Not <c>#rrggbb</c>.</exception>
    internal static float[]? ParseBackground(string? colour)
    {
        if (string.IsNullOrEmpty(colour)) return null;
        if (colour.Length != 7 || colour[0] != '#' || !int.TryParse(colour.AsSpan(1), System.Globalization.NumberStyles.AllowHexSpecifier, null, out int rgb))
            throw new HubException($"a background is #rrggbb, not '{Trim(colour)}'");
        return [(rgb >> 16 & 255) / 255f, (rgb >> 8 & 255) / 255f, (rgb & 255) / 255f];
    }

    /// <summary>Ends this connection's session (the page may Join again).</summary>
    public void Leave() => sessions.End(Context.ConnectionId, "left");

    /// <inheritdoc />
    public override Task OnDisconnectedAsync(Exception? exception)
    {
        sessions.End(Context.ConnectionId, exception is null ? "the page disconnected" : $"the connection dropped: {exception.Message}");
        return base.OnDisconnectedAsync(exception);
    }

    private static void RequireCovered(IReadOnlyList<string> scope, string avatar)
    {
        if (scope.Count > 0 && !scope.Contains(avatar)) throw new HubException($"the join token does not cover avatar '{avatar}' (it covers {string.Join(", ", scope)})");
    }

    private LiveSession Require() => sessions.Find(Context.ConnectionId) ?? throw new HubException("no session: call Join first");

    private static string Trim(string? s) => s is null ? "" : s.Length <= 64 ? s : s[..64] + "…";
}
