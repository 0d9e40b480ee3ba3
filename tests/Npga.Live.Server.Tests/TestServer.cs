using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npga.Live.Server.Sessions;

namespace Npga.Live.Server.Tests;

/// <summary>The live server in-process on 127.0.0.1 with a free port, with settings of the test's own.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private TestServer(WebApplication app, Uri url)
    {
        App = app;
        Url = url;
    }

    public WebApplication App { get; }

    public Uri Url { get; }

    public SessionManager Sessions => App.Services.GetRequiredService<SessionManager>();

    /// <param name="configure">Settings of the test's own.</param>
    /// <param name="log">Given every log record from <paramref name="logLevel"/> up (the configured filters apply).</param>
    /// <param name="logLevel">The lowest level logged.</param>
    public static async Task<TestServer> Start(Action<LiveOptions>? configure = null, ILoggerProvider? log = null, LogLevel logLevel = LogLevel.Warning)
    {
        // Admission by render load off unless a test turns it on: on a loaded 2-core CI machine one session keeps the
        // renderer busy, and the tests of other things run several at once.
        var app = LiveServer.Build(["--urls", "http://127.0.0.1:0", $"--Logging:LogLevel:Default={logLevel}"], o =>
        {
            o.MaxRenderLoad = 0;
            configure?.Invoke(o);
        });
        if (log is not null) app.Services.GetRequiredService<ILoggerFactory>().AddProvider(log);
        await app.StartAsync();
        return new TestServer(app, LiveServer.BoundAddresses(app)[0]);
    }

    /// <summary>Waits until <paramref name="condition"/> holds, polling every 100 ms; false on timeout.</summary>
    public static async Task<bool> Eventually(Func<bool> condition, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (condition()) return true;
            await Task.Delay(100);
        }
        return condition();
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
