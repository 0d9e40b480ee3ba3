using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using Npga.Live.Server.Limits;
using Npga.Live.Server.Metrics;
using Npga.Live.Server.Signaling;

namespace Npga.Live.Server;

/// <summary>The pieces of the composition root (<see cref="LiveServer.Build"/>) that carry settings of their own.</summary>
public static class LiveServerExtensions
{
    /// <summary>CORS for the origins in <see cref="LiveOptions.AllowedOrigins"/> (credentials allowed); nothing when there are none.</summary>
    public static IServiceCollection AddLiveCors(this IServiceCollection services, LiveOptions options)
    {
        if (options.AllowedOrigins.Count > 0)
            services.AddCors(c => c.AddDefaultPolicy(p => p.WithOrigins([.. options.AllowedOrigins.Select(o => o.TrimEnd('/'))])
                .AllowAnyHeader().AllowAnyMethod().AllowCredentials()));
        return services;
    }

    /// <summary>
    /// SignalR with the server's limits: <see cref="LiveOptions.MaxMessageBytes"/>, no detailed errors, the client timeout
    /// (<see cref="LiveOptions.ClientTimeoutSeconds"/>; the handshake's is twice that), a 5 s keep-alive, and the hub
    /// filters <see cref="HubCallLimiter"/> (outermost) and <see cref="ClientErrorFilter"/> (registered by the caller).
    /// </summary>
    public static IServiceCollection AddLiveSignalR(this IServiceCollection services, LiveOptions options)
    {
        services.AddSignalR(o =>
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
        return services;
    }

    /// <summary>
    /// Serves <see cref="LiveOptions.WebRoot"/> at <c>/</c> (<c>index.html</c> for a folder) and the SignalR browser client
    /// bundled beside the program (<see cref="LiveServer.SignalRClientDir"/>) at <c>/lib</c>, whatever the content root, so
    /// a checkout's <c>web/</c> needs no copy of it; without the client a warning says how to get it.
    /// </summary>
    /// <exception cref="ArgumentException"><see cref="LiveOptions.WebRoot"/> is not set (<see cref="LiveOptions.Load"/> sets it).</exception>
    public static WebApplication UseLiveStaticFiles(this WebApplication app, LiveOptions options, ILogger log)
    {
        var web = new PhysicalFileProvider(options.WebRoot ?? throw new ArgumentException("WebRoot is not set", nameof(options)));
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = web });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = web });
        if (File.Exists(Path.Combine(LiveServer.SignalRClientDir, "signalr.min.js")))
            app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(LiveServer.SignalRClientDir), RequestPath = "/lib" });
        else log.LogWarning("the SignalR browser client is missing ({Path}): build with node_modules present (scripts/setup.sh)", LiveServer.SignalRClientDir);
        return app;
    }

    /// <summary>
    /// Maps <see cref="LiveHub"/> at <paramref name="pattern"/> as <c>MapHub</c> does, with an <see cref="IdleConnectionWatch"/>
    /// in front of the hub in the connection pipeline (a connection that sends nothing for
    /// <see cref="LiveOptions.ClientTimeoutSeconds"/> is closed and counted in <see cref="ConnectionCounters"/>).
    /// </summary>
    public static ConnectionEndpointRouteBuilder MapLiveHub(this WebApplication app, string pattern, LiveOptions options)
    {
        var idle = new IdleConnectionWatch(TimeSpan.FromSeconds(options.ClientTimeoutSeconds), app.Services.GetRequiredService<ConnectionCounters>(),
            app.Services.GetRequiredService<ILogger<IdleConnectionWatch>>());
        var hub = app.MapConnections(pattern, new HttpConnectionDispatcherOptions(), b =>
        {
            b.Use(idle.Wrap);
            b.UseHub<LiveHub>();
        });
        hub.Add(e => e.Metadata.Add(new HubMetadata(typeof(LiveHub))));
        return hub;
    }
}
