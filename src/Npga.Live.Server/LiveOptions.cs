using Microsoft.Extensions.Configuration;
using Npga.Live.Core;
using Npga.Live.Server.Access;
using Npga.Live.Server.Limits;
using Npga.Live.Server.Sessions;

namespace Npga.Live.Server;

/// <summary>
/// Settings of <c>npga serve</c>, bound from the configuration section <c>Live</c> (appsettings.json, environment
/// variables <c>Live__MaxSessions=…</c>, command line <c>--Live:MaxSessions=…</c> or the serve command's switches).
/// </summary>
public sealed class LiveOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Live";

    /// <summary>Folder of avatar packages, one sub-folder each (default <c>models/avatars</c> of the <see cref="Npga.Live.Core.ContentRoot"/>).</summary>
    public string? AvatarsDir { get; set; }

    /// <summary>The avatar a session starts with when it asks for none (default <c>default</c>).</summary>
    public string DefaultAvatar { get; set; } = "default";

    /// <summary>Folder served at <c>/</c> (default <c>web/</c> of the <see cref="Npga.Live.Core.ContentRoot"/>).</summary>
    public string? WebRoot { get; set; }

    /// <summary>Most concurrent sessions; a further Join is refused with a <c>busy:</c> message (default 3).</summary>
    public int MaxSessions { get; set; } = 3;

    /// <summary>
    /// Admission by capacity: a Join (or WHIP publish) is refused with a <c>busy:</c> message when the running sessions'
    /// render stages, with one more session like them, would be busy more than this share of the time
    /// (<see cref="SessionManager.RenderLoad"/>: each session's render milliseconds per second over the last 2 s, summed; a
    /// session that has not rendered yet, and the newcomer, count as the mean of those that have), so that admitted
    /// sessions keep their frame rate and latency. The first session is always admitted. Default 0.9; 0 turns it off (only
    /// <see cref="MaxSessions"/> limits); at most 64.
    /// </summary>
    public double MaxRenderLoad { get; set; } = 0.9;

    /// <summary>Largest hub message, bytes (default 64 KiB; an SDP offer is 5–10 KiB).</summary>
    public int MaxMessageBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// Seconds a hub connection may send nothing (no handshake, message or ping) before it is closed, counted from the
    /// moment it opens, and its session ended (default 15, at least 1). The page pings every 5 s; keep this at least twice
    /// that, so a page stalled for a few seconds keeps its session.
    /// </summary>
    public double ClientTimeoutSeconds { get; set; } = 15;

    /// <summary>
    /// Most open TCP connections (HTTP and upgraded WebSocket connections each up to this many; Kestrel's
    /// <c>MaxConcurrentConnections</c> and <c>MaxConcurrentUpgradedConnections</c>); a further one is refused
    /// (default 200, at least <see cref="MaxSessions"/>). An idle hub connection costs about 23 KB.
    /// </summary>
    public int MaxConnections { get; set; } = 200;

    /// <summary>Largest HTTP request body, bytes (Kestrel's <c>MaxRequestBodySize</c>; default 1 MiB, at least <see cref="MaxMessageBytes"/>).</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Seconds a session may take from Join to ICE connected before it is ended (default 15).</summary>
    public double ConnectTimeoutSeconds { get; set; } = 15;

    /// <summary>Avatar video width, pixels (default 512).</summary>
    public int Width { get; set; } = 512;

    /// <summary>Avatar video height, pixels (default 512).</summary>
    public int Height { get; set; } = 512;

    /// <summary>Avatar video frame rate the encoder is set up for, frames per second (default 30).</summary>
    public int Fps { get; set; } = 30;

    /// <summary>
    /// When an avatar's screen-space CNN runs (<c>Auto</c>, <c>On</c>, <c>Off</c>; default <c>Auto</c>: while a session's
    /// frames keep within the frame period 1000 / <see cref="Fps"/> ms, <see cref="Npga.Live.Pipeline.Live.RefineGovernor"/>).
    /// </summary>
    public Npga.Live.Pipeline.Live.RefineMode Refine { get; set; } = Npga.Live.Pipeline.Live.RefineMode.Auto;

    /// <summary>
    /// Whether a session's tracker waits for its renderer (<see cref="Npga.Live.Pipeline.Reenact.ReenactOptions.PaceTracking"/>):
    /// it then tracks only the frames the avatar is rendered from, not every webcam frame (default true).
    /// </summary>
    public bool PaceTracking { get; set; } = true;

    /// <summary>Video bitrate of the avatar track, kbit/s (default 1500).</summary>
    public int BitrateKbps { get; set; } = 1500;

    /// <summary>STUN servers for real networks, <c>stun://host:port</c> (none by default: host candidates on loopback and LAN).</summary>
    public List<string> StunServers { get; set; } = [];

    /// <summary>TURN servers for real networks, <c>turn://user:password@host:port</c>.</summary>
    public List<string> TurnServers { get; set; } = [];

    /// <summary>
    /// Origins of other sites whose pages may use the JS API (<c>npga-live.js</c>) against this server: CORS for
    /// <c>/hub</c> and the static files, e.g. <c>https://example.org</c>. Empty (the default): the page's own origin only;
    /// the iframe embed (<c>embed.js</c>) needs none.
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>
    /// Sites whose pages may show <c>/embed.html</c> in an iframe (CSP <c>frame-ancestors</c>), e.g.
    /// <c>https://example.org</c> or <c>https://*.example.org</c>; <c>'none'</c> for none. Empty (the default): any site.
    /// Every other page may be framed only by this server's own (<see cref="SecurityHeaders"/>).
    /// </summary>
    public List<string> EmbedAncestors { get; set; } = [];

    /// <summary>Join tokens and the admin API key (section <c>Live:Auth</c>); none by default: the server is open.</summary>
    public AuthOptions Auth { get; set; } = new();

    /// <summary>Request and hub-call rate limits (section <c>Live:RateLimits</c>).</summary>
    public RateLimitOptions RateLimits { get; set; } = new();

    /// <summary>Threads splatting each frame per session (default: every core).</summary>
    public int? RenderThreads { get; set; }

    /// <summary>
    /// The settings of the <c>Live</c> section of <paramref name="configuration"/> with <paramref name="configure"/> applied
    /// last, <see cref="AvatarsDir"/> and <see cref="WebRoot"/> defaulted under the <see cref="ContentRoot"/>, and checked:
    /// the values (<see cref="Validate"/>), the web folder, the STUN/TURN urls.
    /// </summary>
    /// <param name="configuration">The host's configuration (appsettings.json, <c>Live__*</c> variables, <c>--Live:*</c> switches).</param>
    /// <param name="configure">Further settings applied last (the serve command's switches, tests).</param>
    /// <exception cref="ArgumentOutOfRangeException">A value outside its range.</exception>
    /// <exception cref="DirectoryNotFoundException">The web folder does not exist.</exception>
    /// <exception cref="FormatException">A malformed STUN or TURN url.</exception>
    public static LiveOptions Load(IConfiguration configuration, Action<LiveOptions>? configure = null)
    {
        var options = new LiveOptions();
        configuration.GetSection(Section).Bind(options);
        configure?.Invoke(options);
        options.AvatarsDir ??= Path.Combine(ContentRoot.Models, "avatars");
        options.WebRoot ??= ContentRoot.Web;
        options.Validate();
        if (!Directory.Exists(options.WebRoot)) throw new DirectoryNotFoundException($"web folder not found: {options.WebRoot}");
        SessionManager.BuildIceServers(options); // fail at start on a malformed STUN/TURN url
        return options;
    }

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value outside its range (the message names it).</exception>
    public void Validate()
    {
        if (MaxSessions < 1) throw new ArgumentOutOfRangeException(nameof(MaxSessions), MaxSessions, "at least 1 session");
        if (!(MaxRenderLoad >= 0 && MaxRenderLoad <= 64)) throw new ArgumentOutOfRangeException(nameof(MaxRenderLoad), MaxRenderLoad, "0 (off) to 64");
        if (MaxMessageBytes < 16 * 1024) throw new ArgumentOutOfRangeException(nameof(MaxMessageBytes), MaxMessageBytes, "at least 16 KiB (an SDP offer must fit)");
        if (!(ClientTimeoutSeconds >= 1 && ClientTimeoutSeconds <= 3600)) throw new ArgumentOutOfRangeException(nameof(ClientTimeoutSeconds), ClientTimeoutSeconds, "1 to 3600 s");
        if (MaxConnections < MaxSessions) throw new ArgumentOutOfRangeException(nameof(MaxConnections), MaxConnections, $"at least MaxSessions ({MaxSessions})");
        if (MaxRequestBodyBytes < MaxMessageBytes) throw new ArgumentOutOfRangeException(nameof(MaxRequestBodyBytes), MaxRequestBodyBytes, $"at least MaxMessageBytes ({MaxMessageBytes})");
        if (!(ConnectTimeoutSeconds > 0)) throw new ArgumentOutOfRangeException(nameof(ConnectTimeoutSeconds), ConnectTimeoutSeconds, "must be positive");
        if (Width is < 64 or > 2048 || Height is < 64 or > 2048) throw new ArgumentOutOfRangeException(nameof(Width), $"{Width}x{Height}", "64 to 2048 pixels a side");
        if (Fps is < 1 or > 120) throw new ArgumentOutOfRangeException(nameof(Fps), Fps, "1 to 120");
        if (BitrateKbps is < 100 or > 50_000) throw new ArgumentOutOfRangeException(nameof(BitrateKbps), BitrateKbps, "100 to 50000 kbit/s");
        foreach (var o in AllowedOrigins)
            if (!Uri.TryCreate(o, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https") || u.AbsolutePath != "/")
                throw new ArgumentOutOfRangeException(nameof(AllowedOrigins), o, "an origin is scheme://host[:port], nothing more");
        if (RenderThreads is < 1) throw new ArgumentOutOfRangeException(nameof(RenderThreads), RenderThreads, "at least 1");
        foreach (var a in EmbedAncestors)
            if (!SecurityHeaders.IsValidAncestor(a))
                throw new ArgumentOutOfRangeException(nameof(EmbedAncestors), a, "an origin (https://host[:port]), https://*.host, 'self' or 'none'");
        Auth.Validate();
        RateLimits.Validate();
    }
}
