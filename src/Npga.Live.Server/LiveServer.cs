using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npga.Live.Core;
using Npga.Live.Media.GStreamer;
using Npga.Live.Pipeline.Live;
using Npga.Live.Server.Access;
using Npga.Live.Server.Avatars;
using Npga.Live.Server.Limits;
using Npga.Live.Server.Metrics;
using Npga.Live.Server.Sessions;
using Npga.Live.Server.Signaling;
using Npga.Live.Server.Whip;
using Npga.Live.Tracking;

namespace Npga.Live.Server;

/// <summary>
/// The composition root of <c>npga serve</c>: an ASP.NET Core host (Kestrel) serving <c>web/</c> at <c>/</c>, the
/// SignalR browser client at <c>/lib/</c> (from npm, no CDN), the hub at <c>/hub</c>, <c>/healthz</c> and
/// <c>/metrics</c>, and WHIP/WHEP at <c>/whip</c> and <c>/whep</c> (<see cref="WhipEndpoints"/>). Settings come from the <c>Live</c> section (<see cref="LiveOptions"/>): the shipped
/// <c>appsettings.json</c> beside the program, environment variables (<c>Live__MaxSessions</c>) and the command line
/// (<c>--Live:MaxSessions=2</c>, <c>--urls</c>), later sources winning. Kestrel's connection and request-body limits
/// come from <see cref="LiveOptions.MaxConnections"/> and <see cref="LiveOptions.MaxRequestBodyBytes"/>; hub connections
/// that send nothing are closed (<see cref="IdleConnectionWatch"/>), and refused hub calls are counted and logged once
/// per connection (<see cref="ClientErrorFilter"/>). Access: with a token secret (<see cref="AuthOptions"/>) the hub
/// needs a join token (<see cref="JoinTokenGate"/>) and, with an admin key, <c>POST /admin/tokens</c> issues them
/// (<see cref="AdminTokenEndpoint"/>); connection attempts, joins and hub calls are rate-limited
/// (<see cref="HttpRateLimits"/>, <see cref="HubCallLimiter"/>); every response carries <see cref="SecurityHeaders"/>.
/// Without a token secret the server is open, and says so at start.
/// </summary>
public static class LiveServer
{
    /// <summary>GStreamer elements a session needs; start-up fails naming the missing ones.</summary>
    public static readonly string[] RequiredElements = ["webrtcbin", "nicesrc", "rtpvp8depay", "rtpvp8pay", "vp8dec", "vp8enc", "videoconvert", "videoscale", "appsrc", "appsink"];

    /// <summary>
    /// The folder of the SignalR browser client (<c>signalr.min.js</c>, served at <c>/lib/</c>): <c>web/lib/</c> beside the
    /// program, where the build copies it from <c>node_modules/@microsoft/signalr/dist/browser</c> (Npga.Live.Server.csproj).
    /// </summary>
    public static string SignalRClientDir => Path.Combine(AppContext.BaseDirectory, "web", "lib");

    /// <summary>The addresses a started server listens on, as bound (a port 0 in <c>--urls</c> resolved).</summary>
    /// <exception cref="InvalidOperationException">The server has no bound address (not started).</exception>
    public static IReadOnlyList<Uri> BoundAddresses(WebApplication app)
    {
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        if (bound is null || bound.Count == 0) throw new InvalidOperationException("the server has no bound address: start it first");
        return bound.Select(a => new Uri(a)).ToList();
    }

    /// <summary>Builds the server (not started).</summary>
    /// <param name="args">Command-line configuration (<c>--urls</c>, <c>--Live:…</c>).</param>
    /// <param name="configure">Further settings applied last (the serve command's switches, tests).</param>
    /// <exception cref="InvalidOperationException">A GStreamer element is missing, the settings are invalid, or a secret file cannot be read or is too short.</exception>
    /// <exception cref="DirectoryNotFoundException">The avatars or web folder (default: under <see cref="ContentRoot"/>) does not exist.</exception>
    public static WebApplication Build(string[] args, Action<LiveOptions>? configure = null)
    {
        NativeHeap.LimitArenas();
        Gst.Init();
        var missing = RequiredElements.Where(e => !Gst.HasElement(e)).ToList();
        if (missing.Count > 0) throw new InvalidOperationException($"GStreamer elements missing: {string.Join(", ", missing)} (run scripts/setup.sh)");

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
        {
            Path = "appsettings.json", Optional = true, ReloadOnChange = false,
        });
        var options = new LiveOptions();
        builder.Configuration.GetSection(LiveOptions.Section).Bind(options);
        configure?.Invoke(options);
        options.AvatarsDir ??= Path.Combine(ContentRoot.Models, "avatars");
        options.WebRoot ??= ContentRoot.Web;
        options.Validate();
        if (!Directory.Exists(options.WebRoot)) throw new DirectoryNotFoundException($"web folder not found: {options.WebRoot}");
        SessionManager.BuildIceServers(options); // fail at start on a malformed STUN/TURN url
        var tokens = options.Auth.TokenSecretFile is { } secretFile
            ? new JoinTokenCodec(SecretFile.Read(secretFile, "token secret", JoinTokenCodec.MinSecretBytes))
            : null;
        var adminKey = options.Auth.AdminKeyFile is { } keyFile ? new ApiKey(SecretFile.Read(keyFile, "admin key", ApiKey.MinBytes)) : null;
        var headers = new SecurityHeaders(options.EmbedAncestors);

        string modelId = TrackerOptions.DefaultExpressionModelId;
        var catalog = new AvatarCatalog(options.AvatarsDir, modelId);
        if (!catalog.Contains(options.DefaultAvatar))
            throw new InvalidOperationException($"the default avatar '{options.DefaultAvatar}' is not in {catalog.Directory} (offered: {string.Join(", ", catalog.Entries.Select(e => e.Id))})");
        var presetsPath = Path.Combine(ContentRoot.Models, "expression", modelId, "presets.json");
        var presets = File.Exists(presetsPath) ? ExpressionPresets.Load(presetsPath) : null;

        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxConcurrentConnections = options.MaxConnections;
            k.Limits.MaxConcurrentUpgradedConnections = options.MaxConnections;
            k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
        });
        // ClientErrorFilter logs a refused hub call once per connection; SignalR's own Error line with a stack trace for
        // every failed call would let a client flood the log.
        builder.Logging.AddFilter(ClientErrorFilter.DispatcherCategory, LogLevel.Critical);

        var connections = new ConnectionCounters();
        var access = new AccessCounters();
        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddSingleton(new LiveAssets(catalog, presets));
        builder.Services.AddSingleton(connections);
        builder.Services.AddSingleton(access);
        builder.Services.AddSingleton<HubCallLimiter>();
        builder.Services.AddSingleton<ClientErrorFilter>();
        builder.Services.AddLiveRateLimits(options.RateLimits, access);
        builder.Services.AddSingleton<ISessionNotifierFactory, HubSessionNotifierFactory>();
        builder.Services.AddSingleton<SessionManager>();
        builder.Services.AddSingleton<WhipRegistry>();
        if (options.AllowedOrigins.Count > 0)
            builder.Services.AddCors(c => c.AddDefaultPolicy(p => p.WithOrigins([.. options.AllowedOrigins.Select(o => o.TrimEnd('/'))])
                .AllowAnyHeader().AllowAnyMethod().AllowCredentials()));
        builder.Services.AddSignalR(o =>
        {
            o.MaximumReceiveMessageSize = options.MaxMessageBytes;
            o.EnableDetailedErrors = false;
            // At least twice the page's ping interval (web/npga-live.js pings every 5 s): a vanished peer frees its
            // slot within 15 s, a page stalled for up to 10 s keeps it. SignalR starts this clock only at the client's
            // first message; IdleConnectionWatch closes (and counts) connections that never send one. The handshake
            // timeout, twice that, bounds a handshake dripped in byte by byte.
            o.ClientTimeoutInterval = TimeSpan.FromSeconds(options.ClientTimeoutSeconds);
            o.HandshakeTimeout = TimeSpan.FromSeconds(2 * options.ClientTimeoutSeconds);
            o.KeepAliveInterval = TimeSpan.FromSeconds(5);
            o.AddFilter<HubCallLimiter>(); // outermost: a call past its limit is neither run nor counted as refused
            o.AddFilter<ClientErrorFilter>();
        });

        var app = builder.Build();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Npga.Live.Server");
        foreach (var s in catalog.Skipped) log.LogWarning("avatar folder not offered: {Reason}", s);
        if (presets is null) log.LogWarning("no expression presets at {Path}: the expression pad is off", presetsPath);

        app.Use(headers.Wrap);
        if (options.AllowedOrigins.Count > 0) app.UseCors();
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = new PhysicalFileProvider(options.WebRoot) });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(options.WebRoot) });
        // The SignalR browser client, bundled beside the program by the build (web/lib/ of the output and the publish
        // folder): served at /lib whatever the content root, so a checkout's web/ needs no copy of it.
        if (File.Exists(Path.Combine(SignalRClientDir, "signalr.min.js")))
            app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(SignalRClientDir), RequestPath = "/lib" });
        else log.LogWarning("the SignalR browser client is missing ({Path}): build with node_modules present (scripts/setup.sh)", SignalRClientDir);

        app.UseRateLimiter();
        if (tokens is not null)
            app.Use(new JoinTokenGate(tokens, TimeProvider.System, access, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<JoinTokenGate>()).Wrap);

        var sessions = app.Services.GetRequiredService<SessionManager>();
        // MapHub's own mapping, with the idle watch in front of the hub in the connection pipeline.
        var idle = new IdleConnectionWatch(TimeSpan.FromSeconds(options.ClientTimeoutSeconds), connections,
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<IdleConnectionWatch>());
        var hub = app.MapConnections("/hub", new HttpConnectionDispatcherOptions(), b =>
        {
            b.Use(idle.Wrap);
            b.UseHub<LiveHub>();
        });
        hub.Add(e => e.Metadata.Add(new HubMetadata(typeof(LiveHub))));
        hub.RequireRateLimiting(HttpRateLimits.HubPolicy);
        if (tokens is not null) hub.WithMetadata(JoinTokenRequired.Instance);
        var whip = new WhipEndpoints(sessions, app.Services.GetRequiredService<WhipRegistry>(), options, app.Services.GetRequiredService<ILoggerFactory>()).Map(app);
        foreach (var e in whip.Posts) e.RequireRateLimiting(HttpRateLimits.WhipPolicy);
        if (tokens is not null) foreach (var e in whip.All) e.WithMetadata(JoinTokenRequired.Instance);
        if (adminKey is not null && tokens is not null)
            AdminTokenEndpoint.Map(app, adminKey, tokens, catalog, options.Auth, TimeProvider.System, access, log).RequireRateLimiting(HttpRateLimits.AdminPolicy);
        app.MapGet("/healthz", () => Results.Json(new HealthReport("ok", sessions.SlotsInUse, options.MaxSessions, catalog.Entries.Count, Gst.Version)));
        app.MapGet("/metrics", () => Results.Text(MetricsEndpoint.Render(sessions, options, connections, access), "text/plain; version=0.0.4"));
        app.MapGet("/api/avatars", () => Results.Json(catalog.Entries));
        app.Lifetime.ApplicationStopping.Register(sessions.Dispose);
        app.Lifetime.ApplicationStarted.Register(() => LogAccess(app, log, tokens is not null, adminKey is not null));
        return app;
    }

    /// <summary>Says at start who may join: anyone (open; a warning when reachable beyond loopback) or token holders.</summary>
    private static void LogAccess(WebApplication app, ILogger log, bool tokens, bool admin)
    {
        if (tokens)
        {
            log.LogInformation("join tokens required on /hub (npga token, {Admin})", admin ? "POST /admin/tokens with the admin key" : "no admin endpoint");
            return;
        }
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        bool loopback = addresses.Count > 0 && addresses.All(a => Uri.TryCreate(a, UriKind.Absolute, out var u) && IsLoopback(u.Host));
        const string how = "set Live:Auth:TokenSecretFile (npga serve --token-secret-file) to require join tokens";
        if (loopback) log.LogInformation("open: no join token required, anyone on this machine may join ({How})", how);
        else log.LogWarning("open: no join token required, anyone who reaches {Addresses} may join ({How})", string.Join(", ", addresses), how);
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var ip) && System.Net.IPAddress.IsLoopback(ip);
}

/// <summary>The body of <c>/healthz</c>.</summary>
/// <param name="Status">"ok" while the server answers.</param>
/// <param name="Sessions">Slots in use.</param>
/// <param name="MaxSessions">The slot limit.</param>
/// <param name="Avatars">Avatars offered.</param>
/// <param name="GStreamer">The GStreamer version in use.</param>
public sealed record HealthReport(string Status, int Sessions, int MaxSessions, int Avatars, string GStreamer);
