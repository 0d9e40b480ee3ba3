using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npga.Live.Core;
using Npga.Live.Media.GStreamer;
using Npga.Live.Server.Access;
using Npga.Live.Server.Limits;
using Npga.Live.Server.Metrics;
using Npga.Live.Server.Sessions;
using Npga.Live.Server.Signaling;
using Npga.Live.Server.Whip;

namespace Npga.Live.Server;

/// <summary>
/// The composition root of <c>npga serve</c>, in the shape of ASP.NET Core's <c>Program.cs</c> (<see cref="Build"/> reads
/// top to bottom: native start-up, settings, content, services, middleware, endpoints). An ASP.NET Core host (Kestrel)
/// serving <c>web/</c> at <c>/</c>, the SignalR browser client at <c>/lib/</c> (from npm, no CDN), the hub at
/// <c>/hub</c>, <c>/healthz</c> and <c>/metrics</c>, and WHIP/WHEP at <c>/whip</c> and <c>/whep</c>
/// (<see cref="WhipEndpoints"/>). Settings come from the <c>Live</c> section (<see cref="LiveOptions"/>): the shipped
/// <c>appsettings.json</c> beside the program, environment variables (<c>Live__MaxSessions</c>) and the command line
/// (<c>--Live:MaxSessions=2</c>, <c>--urls</c>), later sources winning. Kestrel's connection and request-body limits
/// come from <see cref="LiveOptions.MaxConnections"/> and <see cref="LiveOptions.MaxRequestBodyBytes"/>; hub connections
/// that send nothing are closed (<see cref="IdleConnectionWatch"/>), and refused hub calls are counted and logged once
/// per connection (<see cref="ClientErrorFilter"/>). Access: with a token secret (<see cref="AuthOptions"/>) the hub
/// needs a join token (<see cref="JoinTokenGate"/>) and, with an admin key, <c>POST /admin/tokens</c> issues them
/// (<see cref="AdminTokenEndpoint"/>); connection attempts, joins and hub calls are rate-limited
/// (<see cref="HttpRateLimits"/>, <see cref="HubCallLimiter"/>); every response carries <see cref="SecurityHeaders"/>.
/// Without a token secret the server is open, and says so at start. The pieces with settings of their own are named
/// extension methods (<see cref="LiveServerExtensions"/>). The library, not the <c>npga</c> executable, holds it so that
/// <c>npga serve</c>, <c>npga bench live</c> and the tests start the same server in-process.
/// </summary>
public static class LiveServer
{
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
    /// <exception cref="InvalidOperationException">A GStreamer element is missing, the default avatar is not offered, or a secret file cannot be read or is too short.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting outside its range.</exception>
    /// <exception cref="FormatException">A malformed STUN/TURN url.</exception>
    /// <exception cref="DirectoryNotFoundException">The avatars or web folder (default: under <see cref="ContentRoot"/>) does not exist.</exception>
    public static WebApplication Build(string[] args, Action<LiveOptions>? configure = null)
    {
        // Native start-up, before anything touches GStreamer: glibc's arenas, gst_init, the elements a session needs.
        NativeStartup.Run();

        // Settings: appsettings.json beside the program < Live__* variables < the command line < configure.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Insert(0, new JsonConfigurationSource { Path = "appsettings.json", Optional = true, ReloadOnChange = false });
        var options = LiveOptions.Load(builder.Configuration, configure);
        var tokens = options.Auth.TokenSecretFile is { } secretFile
            ? new JoinTokenCodec(SecretFile.Read(secretFile, "token secret", JoinTokenCodec.MinSecretBytes))
            : null;
        var adminKey = options.Auth.AdminKeyFile is { } keyFile ? new ApiKey(SecretFile.Read(keyFile, "admin key", ApiKey.MinBytes)) : null;

        // Content: the avatar catalogue and the expression presets (fails when the default avatar is not offered).
        var assets = LiveAssets.Load(options);

        // Host and services.
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxConcurrentConnections = options.MaxConnections;
            k.Limits.MaxConcurrentUpgradedConnections = options.MaxConnections;
            k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
        });
        // ClientErrorFilter logs a refused hub call once per connection; SignalR's own Error line with a stack trace for
        // every failed call would let a client flood the log.
        builder.Logging.AddFilter(ClientErrorFilter.DispatcherCategory, LogLevel.Critical);
        var access = new AccessCounters();
        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddSingleton(assets);
        builder.Services.AddSingleton<ConnectionCounters>();
        builder.Services.AddSingleton(access);
        builder.Services.AddSingleton<HubCallLimiter>();
        builder.Services.AddSingleton<ClientErrorFilter>();
        builder.Services.AddLiveRateLimits(options.RateLimits, access);
        builder.Services.AddSingleton<ISessionNotifierFactory, HubSessionNotifierFactory>();
        builder.Services.AddSingleton<SessionManager>();
        builder.Services.AddSingleton<WhipRegistry>();
        builder.Services.AddLiveCors(options);
        builder.Services.AddLiveSignalR(options);

        var app = builder.Build();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Npga.Live.Server");
        assets.LogWarnings(log);
        var sessions = app.Services.GetRequiredService<SessionManager>();

        // Middleware, in order: security headers, CORS, the pages and the SignalR client, rate limits, join tokens.
        app.Use(new SecurityHeaders(options.EmbedAncestors).Wrap);
        if (options.AllowedOrigins.Count > 0) app.UseCors();
        app.UseLiveStaticFiles(options, log);
        app.UseRateLimiter();
        if (tokens is not null)
            app.Use(new JoinTokenGate(tokens, TimeProvider.System, access, app.Services.GetRequiredService<ILogger<JoinTokenGate>>()).Wrap);

        // Endpoints.
        var hub = app.MapLiveHub("/hub", options).RequireRateLimiting(HttpRateLimits.HubPolicy);
        if (tokens is not null) hub.WithMetadata(JoinTokenRequired.Instance);
        var whip = new WhipEndpoints(sessions, app.Services.GetRequiredService<WhipRegistry>(), options, app.Services.GetRequiredService<ILoggerFactory>()).Map(app);
        foreach (var e in whip.Posts) e.RequireRateLimiting(HttpRateLimits.WhipPolicy);
        if (tokens is not null) foreach (var e in whip.All) e.WithMetadata(JoinTokenRequired.Instance);
        if (adminKey is not null && tokens is not null)
            AdminTokenEndpoint.Map(app, adminKey, tokens, assets.Catalog, options.Auth, TimeProvider.System, access, log).RequireRateLimiting(HttpRateLimits.AdminPolicy);
        var connections = app.Services.GetRequiredService<ConnectionCounters>();
        app.MapGet("/healthz", () => Results.Json(new HealthReport("ok", sessions.SlotsInUse, options.MaxSessions, assets.Catalog.Entries.Count, Gst.Version)));
        app.MapGet("/metrics", () => Results.Text(MetricsEndpoint.Render(sessions, options, connections, access), "text/plain; version=0.0.4"));
        app.MapGet("/api/avatars", () => Results.Json(assets.Catalog.Entries));

        // Lifetime: sessions end (and free what they held) on shutdown; the log says at start who may join.
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
