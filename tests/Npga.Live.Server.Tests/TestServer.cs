using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
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

    public static async Task<TestServer> Start(Action<LiveOptions>? configure = null)
    {
        var app = LiveServer.Build(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"], configure);
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
