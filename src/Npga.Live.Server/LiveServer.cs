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
using Npga.Live.Server.Avatars;
using Npga.Live.Server.Metrics;
using Npga.Live.Server.Sessions;
using Npga.Live.Server.Signaling;
using Npga.Live.Tracking;

namespace Npga.Live.Server;

/// <summary>
/// The composition root of <c>npga serve</c>: an ASP.NET Core host (Kestrel) serving <c>web/</c> at <c>/</c>, the
/// SignalR browser client at <c>/lib/</c> (from npm, no CDN), the hub at <c>/hub</c>, <c>/healthz</c> and
/// <c>/metrics</c>. Settings come from the <c>Live</c> section (<see cref="LiveOptions"/>): the shipped
/// <c>appsettings.json</c> beside the program, environment variables (<c>Live__MaxSessions</c>) and the command line
/// (<c>--Live:MaxSessions=2</c>, <c>--urls</c>), later sources winning. Kestrel's connection and request-body limits
/// come from <see cref="LiveOptions.MaxConnections"/> and <see cref="LiveOptions.MaxRequestBodyBytes"/>; hub connections
/// that send nothing are closed (<see cref="IdleConnectionWatch"/>), and refused hub calls are counted and logged once
/// per connection (<see cref="ClientErrorFilter"/>).
/// </summary>
public static class LiveServer
{
    /// <summary>GStreamer elements a session needs; start-up fails naming the missing ones.</summary>
    public static readonly string[] RequiredElements = ["webrtcbin", "nicesrc", "rtpvp8depay", "rtpvp8pay", "vp8dec", "vp8enc", "videoconvert", "videoscale", "appsrc", "appsink"];

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
    /// <exception cref="InvalidOperationException">A GStreamer element is missing, or the settings are invalid.</exception>
    /// <exception cref="DirectoryNotFoundException">The avatars or web folder does not exist.</exception>
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
        options.AvatarsDir ??= Path.Combine(RepoPaths.Models, "avatars");
        options.WebRoot ??= Path.Combine(RepoPaths.RequireRoot(), "web");
        options.Validate();
        if (!Directory.Exists(options.WebRoot)) throw new DirectoryNotFoundException($"web folder not found: {options.WebRoot}");
        SessionManager.BuildIceServers(options); // fail at start on a malformed STUN/TURN url

        string modelId = TrackerOptions.DefaultExpressionModelId;
        var catalog = new AvatarCatalog(options.AvatarsDir, modelId);
        if (!catalog.Contains(options.DefaultAvatar))
            throw new InvalidOperationException($"the default avatar '{options.DefaultAvatar}' is not in {catalog.Directory} (offered: {string.Join(", ", catalog.Entries.Select(e => e.Id))})");
        var presetsPath = Path.Combine(RepoPaths.Models, "expression", modelId, "presets.json");
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
        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddSingleton(new LiveAssets(catalog, presets));
        builder.Services.AddSingleton(connections);
        builder.Services.AddSingleton<ClientErrorFilter>();
        builder.Services.AddSingleton<SessionManager>();
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
            o.AddFilter<ClientErrorFilter>();
        });

        var app = builder.Build();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Npga.Live.Server");
        foreach (var s in catalog.Skipped) log.LogWarning("avatar folder not offered: {Reason}", s);
        if (presets is null) log.LogWarning("no expression presets at {Path}: the expression pad is off", presetsPath);

        if (options.AllowedOrigins.Count > 0) app.UseCors();
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = new PhysicalFileProvider(options.WebRoot) });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(options.WebRoot) });
        var signalrClient = Path.Combine(RepoPaths.RequireRoot(), "node_modules", "@microsoft", "signalr", "dist", "browser");
        if (Directory.Exists(signalrClient))
            app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(signalrClient), RequestPath = "/lib" });
        else log.LogWarning("the SignalR browser client is missing ({Path}); run scripts/setup.sh", signalrClient);

        var sessions = app.Services.GetRequiredService<SessionManager>();
        // MapHub's own mapping, with the idle watch in front of the hub in the connection pipeline.
        var idle = new IdleConnectionWatch(TimeSpan.FromSeconds(options.ClientTimeoutSeconds), connections,
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<IdleConnectionWatch>());
        app.MapConnections("/hub", new HttpConnectionDispatcherOptions(), b =>
            {
                b.Use(idle.Wrap);
                b.UseHub<LiveHub>();
            })
            .Add(e => e.Metadata.Add(new HubMetadata(typeof(LiveHub))));
        app.MapGet("/healthz", () => Results.Json(new HealthReport("ok", sessions.SlotsInUse, options.MaxSessions, catalog.Entries.Count, Gst.Version)));
        app.MapGet("/metrics", () => Results.Text(MetricsEndpoint.Render(sessions, options, connections), "text/plain; version=0.0.4"));
        app.MapGet("/api/avatars", () => Results.Json(catalog.Entries));
        app.Lifetime.ApplicationStopping.Register(sessions.Dispose);
        return app;
    }
}

/// <summary>The body of <c>/healthz</c>.</summary>
/// <param name="Status">"ok" while the server answers.</param>
/// <param name="Sessions">Slots in use.</param>
/// <param name="MaxSessions">The slot limit.</param>
/// <param name="Avatars">Avatars offered.</param>
/// <param name="GStreamer">The GStreamer version in use.</param>
public sealed record HealthReport(string Status, int Sessions, int MaxSessions, int Avatars, string GStreamer);
