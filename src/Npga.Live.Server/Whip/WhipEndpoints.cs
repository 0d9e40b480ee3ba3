using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Npga.Live.Media.WebRtc;
using Npga.Live.Server.Access;
using Npga.Live.Server.Avatars;
using Npga.Live.Server.Sessions;

namespace Npga.Live.Server.Whip;

/// <summary>
/// WHIP (RFC 9725) and WHEP (draft-ietf-wish-whep) over plain HTTP, non-trickle: one SDP offer in, one complete answer
/// (every server candidate in it) out. Endpoints (docs/LIVE.md):
/// <list type="bullet">
/// <item><c>POST /whip</c>, <c>POST /whip/{avatar}</c> (<c>application/sdp</c>, one sendrecv or sendonly video m-line and
/// any number of audio m-lines, which are answered recvonly and dropped): a live session like a hub one (same slots,
/// tracking, rendering): 201, the answer (<c>application/sdp</c>), <c>Location: /whip/sessions/{id}</c>. A sendrecv offer
/// gets the avatar back on the same connection; a sendonly one (OBS Studio) is answered recvonly
/// (<see cref="WebRtcPeerOptions.ReceiveOnly"/>) and its avatar is watched by WHEP.</item>
/// <item><c>DELETE /whip/sessions/{id}</c>: ends it (200). <c>PATCH</c> (<c>application/trickle-ice-sdpfrag</c>): adds the
/// client's candidates (204; an ICE restart 501).</item>
/// <item><c>POST /whep/sessions/{id}</c> (a recvonly video offer): a view-only peer getting that session's avatar: 201,
/// answer, <c>Location: /whep/viewers/{vid}</c>; <c>DELETE</c> there ends it; <c>PATCH</c> there is 405.</item>
/// <item><c>OPTIONS</c> on each: 204 with <c>Allow</c> (and <c>Accept-Post</c> / <c>Accept-Patch</c>).</item>
/// </list>
/// Errors, each with a one-line text body: 400 a bad offer or fragment (the <see cref="WebRtcOffer"/> reason), 404 an
/// unknown avatar or resource, 403 an avatar the join token does not cover, 413 an offer over
/// <see cref="LiveOptions.MaxMessageBytes"/>, 415 another content type, 503 with <c>Retry-After</c> when every session slot
/// (or a session's <see cref="MaxViewersPerSession"/>) is taken, 500 when a session cannot start or answer. With join
/// tokens configured every endpoint needs one (<see cref="JoinTokenGate"/>: 401); the POSTs are rate-limited per IP.
/// </summary>
public sealed class WhipEndpoints(SessionManager sessions, WhipRegistry registry, LiveOptions options, ILoggerFactory logs)
{
    /// <summary>Most WHEP viewers one session serves at once (each encodes its own stream).</summary>
    public const int MaxViewersPerSession = 4;

    /// <summary>The seconds a 503 asks a client to wait.</summary>
    public const int RetryAfterSeconds = 5;

    private const string Sdp = "application/sdp", SdpFrag = "application/trickle-ice-sdpfrag";
    private readonly ILogger _log = logs.CreateLogger<WhipEndpoints>();

    /// <summary>Maps the endpoints; returns the POST endpoints (for rate limiting) and all of them (for the token gate).</summary>
    public (IReadOnlyList<IEndpointConventionBuilder> Posts, IReadOnlyList<IEndpointConventionBuilder> All) Map(IEndpointRouteBuilder app)
    {
        var posts = new List<IEndpointConventionBuilder>
        {
            app.MapPost("/whip", (HttpContext h) => PostWhip(h, null)),
            app.MapPost("/whip/{avatar}", (HttpContext h, string avatar) => PostWhip(h, avatar)),
            app.MapPost("/whep/sessions/{id}", (HttpContext h, string id) => PostWhep(h, id)),
        };
        var all = new List<IEndpointConventionBuilder>(posts)
        {
            app.MapMethods("/whip", ["OPTIONS"], (HttpContext h) => Options(h, "OPTIONS, POST")),
            app.MapMethods("/whip/{avatar}", ["OPTIONS"], (HttpContext h) => Options(h, "OPTIONS, POST")),
            app.MapMethods("/whep/sessions/{id}", ["OPTIONS"], (HttpContext h) => Options(h, "OPTIONS, POST")),
            app.MapMethods("/whip/sessions/{id}", ["OPTIONS"], (HttpContext h) => Options(h, "OPTIONS, PATCH, DELETE")),
            app.MapMethods("/whep/viewers/{id}", ["OPTIONS"], (HttpContext h) => Options(h, "OPTIONS, DELETE")),
            app.MapDelete("/whip/sessions/{id}", (HttpContext h, string id) => DeleteWhip(h, id)),
            app.MapPatch("/whip/sessions/{id}", (HttpContext h, string id) => PatchWhip(h, id)),
            app.MapDelete("/whep/viewers/{id}", (HttpContext h, string id) => DeleteWhep(h, id)),
            app.MapPatch("/whep/viewers/{id}", (HttpContext h) => NotAllowed(h, "OPTIONS, DELETE", "a WHEP viewer takes no trickled candidates (its answer is complete; send every candidate in the offer)")),
        };
        return (posts, all);
    }

    private async Task PostWhip(HttpContext http, string? avatar)
    {
        if (await ReadOffer(http, Sdp) is not { } sdp) return;
        var scope = JoinTokenPrincipal.Avatars(http.User);
        avatar ??= scope.Count == 0 || scope.Contains(sessions.DefaultAvatar) ? sessions.DefaultAvatar : scope[0];
        if (!AvatarCatalog.IsValidId(avatar) || !sessions.Catalog.Contains(avatar))
        {
            await Text(http, StatusCodes.Status404NotFound, $"no avatar '{(avatar.Length > 64 ? avatar[..64] + "…" : avatar)}'");
            return;
        }
        if (scope.Count > 0 && !scope.Contains(avatar))
        {
            await Text(http, StatusCodes.Status403Forbidden, $"the join token does not cover avatar '{avatar}' (it covers {string.Join(", ", scope)})");
            return;
        }
        var id = WhipRegistry.NewId();
        var client = new WhipClient();
        LiveSession session;
        bool receiveOnly;
        try
        {
            // OBS Studio's WHIP output offers sendonly audio and video: answered by a receive-only peer (its avatar is
            // watched by WHEP), the audio accepted and dropped. A sendrecv offer gets the avatar back on its connection.
            receiveOnly = WebRtcOffer.IsSendOnlyVideo(sdp);
            session = sessions.Start("whip:" + id, avatar, false, client, o => o with { IgnoreAudio = true, ReceiveOnly = receiveOnly });
        }
        catch (ServerBusyException e)
        {
            await Busy(http, e.Message);
            return;
        }
        catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or Npga.Live.Avatar.AvatarFormatException or Npga.Live.Media.MediaException)
        {
            _log.LogWarning("WHIP session not started: {Reason}", e.Message);
            await Text(http, StatusCodes.Status500InternalServerError, $"session not started: {e.Message}");
            return;
        }
        string answer;
        try
        {
            await Task.Run(() => session.AcceptOffer(sdp), http.RequestAborted);
            answer = await NonTrickleAnswer.Complete(client.AnswerReady, () => session.IceGatheringComplete, () => client.Candidates, http.RequestAborted);
        }
        catch (WebRtcException e)
        {
            await Text(http, StatusCodes.Status400BadRequest, $"bad offer: {e.Message}"); // the session ended itself
            return;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or OperationCanceledException)
        {
            session.End($"WHIP answer failed: {e.Message}");
            if (!http.RequestAborted.IsCancellationRequested) await Text(http, StatusCodes.Status500InternalServerError, $"no answer: {e.Message}");
            return;
        }
        registry.Add(new WhipResource(id, session, SdpCandidates.Mids(sdp), SdpCandidates.IceUfrag(sdp)));
        if (receiveOnly)
            // Its avatar goes only to WHEP viewers, and a publisher such as OBS never shows the Location: the operator
            // finds the viewers' URL here (the id is the session's only handle; the log is the operator's).
            _log.LogInformation("WHIP session {Session} started, receive-only (avatar {Avatar}): watch it by WHEP at POST /whep/sessions/{Resource}, or open /whip.html?whep={Resource}",
                session.Id, avatar, id, id);
        else _log.LogInformation("WHIP session {Session} started at /whip/sessions/{Resource}… (avatar {Avatar})", session.Id, id[..6], avatar);
        await Created(http, $"/whip/sessions/{id}", answer);
    }

    private async Task PostWhep(HttpContext http, string id)
    {
        if (registry.Session(id) is not { } resource)
        {
            await Text(http, StatusCodes.Status404NotFound, "no such WHIP session");
            return;
        }
        if (await ReadOffer(http, Sdp) is not { } sdp) return;
        var viewer = new WhepViewer(WhipRegistry.NewId(), resource.Session, options, _log, registry.Remove);
        if (!resource.Session.Viewers.TryAdd(viewer.Peer, MaxViewersPerSession))
        {
            viewer.End("the session has its most viewers");
            await Busy(http, $"busy: the session has {MaxViewersPerSession} viewers, its most; try again shortly");
            return;
        }
        registry.Add(viewer);
        string answer;
        try
        {
            answer = await viewer.Answer(sdp, http.RequestAborted);
        }
        catch (WebRtcException e)
        {
            viewer.End($"bad offer: {e.Message}");
            await Text(http, StatusCodes.Status400BadRequest, $"bad offer: {e.Message}");
            return;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            viewer.End($"WHEP answer failed: {e.Message}");
            if (!http.RequestAborted.IsCancellationRequested) await Text(http, StatusCodes.Status500InternalServerError, $"no answer: {e.Message}");
            return;
        }
        _log.LogInformation("WHEP viewer {Viewer}… watches session {Session}", viewer.Id[..6], resource.Session.Id);
        await Created(http, $"/whep/viewers/{viewer.Id}", answer);
    }

    private Task DeleteWhip(HttpContext http, string id)
    {
        if (registry.Session(id) is not { } resource) return Text(http, StatusCodes.Status404NotFound, "no such WHIP session");
        resource.Session.End("the WHIP client ended the session (DELETE)");
        return Text(http, StatusCodes.Status200OK, "ended");
    }

    private Task DeleteWhep(HttpContext http, string id)
    {
        if (registry.Viewer(id) is not { } viewer) return Text(http, StatusCodes.Status404NotFound, "no such WHEP viewer");
        viewer.End("the WHEP client ended the viewer (DELETE)");
        return Text(http, StatusCodes.Status200OK, "ended");
    }

    private async Task PatchWhip(HttpContext http, string id)
    {
        if (registry.Session(id) is not { } resource)
        {
            await Text(http, StatusCodes.Status404NotFound, "no such WHIP session");
            return;
        }
        if (await ReadOffer(http, SdpFrag) is not { } fragment) return;
        if (SdpCandidates.IceUfrag(fragment) is { } ufrag && resource.OfferUfrag is not null && ufrag != resource.OfferUfrag)
        {
            await Text(http, StatusCodes.Status501NotImplemented, "ICE restarts are not supported: start a new session");
            return;
        }
        try
        {
            foreach (var (mline, candidate) in SdpCandidates.ReadFragment(fragment, resource.OfferMids))
                resource.Session.AddCandidate(new IceCandidateMessage(candidate, mline));
        }
        catch (Exception e) when (e is FormatException or ArgumentException or WebRtcException)
        {
            await Text(http, StatusCodes.Status400BadRequest, $"bad candidate: {e.Message}");
            return;
        }
        catch (ObjectDisposedException)
        {
            await Text(http, StatusCodes.Status404NotFound, "the session has ended");
            return;
        }
        http.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>The request body as text when its type is <paramref name="mediaType"/>, not empty and not over the limit; else writes the error and returns null.</summary>
    private async Task<string?> ReadOffer(HttpContext http, string mediaType)
    {
        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var type) || !type.MediaType.Equals(mediaType, StringComparison.OrdinalIgnoreCase))
        {
            await Text(http, StatusCodes.Status415UnsupportedMediaType, $"the body must be {mediaType}, not '{http.Request.ContentType ?? "none"}'");
            return null;
        }
        int max = options.MaxMessageBytes;
        if (http.Request.ContentLength > max)
        {
            await Text(http, StatusCodes.Status413PayloadTooLarge, $"the body is over {max} bytes");
            return null;
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int n;
        while ((n = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            if (buffer.Length + n > max)
            {
                await Text(http, StatusCodes.Status413PayloadTooLarge, $"the body is over {max} bytes");
                return null;
            }
            buffer.Write(chunk, 0, n);
        }
        var text = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        if (string.IsNullOrWhiteSpace(text))
        {
            await Text(http, StatusCodes.Status400BadRequest, $"the body is empty: send the {(mediaType == Sdp ? "SDP offer" : "SDP fragment")}");
            return null;
        }
        return text;
    }

    private async Task Created(HttpContext http, string location, string answer)
    {
        http.Response.StatusCode = StatusCodes.Status201Created;
        http.Response.Headers[HeaderNames.Location] = location;
        foreach (var link in IceServerLinks()) http.Response.Headers.Append(HeaderNames.Link, link);
        http.Response.ContentType = Sdp;
        await http.Response.WriteAsync(answer);
    }

    /// <summary>The configured STUN/TURN servers as RFC 9725 <c>Link: &lt;url&gt;; rel="ice-server"</c> values.</summary>
    private IEnumerable<string> IceServerLinks() => sessions.IceServers.SelectMany(s => s.Urls.Select(u => s.Username is null
        ? $"<{u}>; rel=\"ice-server\""
        : $"<{u}>; rel=\"ice-server\"; username=\"{s.Username}\"; credential=\"{s.Credential}\"; credential-type=\"password\""));

    private static Task Busy(HttpContext http, string message)
    {
        http.Response.Headers[HeaderNames.RetryAfter] = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return Text(http, StatusCodes.Status503ServiceUnavailable, message);
    }

    private static Task Options(HttpContext http, string allow)
    {
        http.Response.StatusCode = StatusCodes.Status204NoContent;
        http.Response.Headers[HeaderNames.Allow] = allow;
        if (allow.Contains("POST", StringComparison.Ordinal)) http.Response.Headers["Accept-Post"] = Sdp;
        if (allow.Contains("PATCH", StringComparison.Ordinal)) http.Response.Headers["Accept-Patch"] = SdpFrag;
        return Task.CompletedTask;
    }

    private static Task NotAllowed(HttpContext http, string allow, string message)
    {
        http.Response.Headers[HeaderNames.Allow] = allow;
        return Text(http, StatusCodes.Status405MethodNotAllowed, message);
    }

    private static Task Text(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/plain; charset=utf-8";
        return http.Response.WriteAsync(message + "\n");
    }
}
