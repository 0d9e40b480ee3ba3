using Microsoft.AspNetCore.Builder;
using Npga.Live.Browser;
using Npga.Live.Media.WebRtc;
using Npga.Live.Server;

namespace Npga.Live.Bench;

/// <summary>
/// What the browser benchmarks (<c>npga bench live</c>, <c>npga bench soak</c>) share: running inside a loopback-only
/// network namespace (re-running the command under <c>unshare -n</c> when outside one), the driving clip and the
/// browser's presence, the fake webcam's clip, and the in-process server on a free loopback port.
/// </summary>
internal static class LiveBenchSetup
{
    /// <summary>
    /// The environment variable naming the real-footage folder (<c>scripts/npga</c> sets it to a checkout's
    /// <c>../shared/data</c>); without <c>--driving</c>, its <c>driving/d3.mp4</c> is the clip.
    /// </summary>
    public const string SharedDataVariable = "NPGA_SHARED_DATA";

    /// <summary>
    /// Null when this process may go on (it is inside a loopback-only namespace, the clip and the browser are there,
    /// <paramref name="driving"/> then names the clip); otherwise the command's exit code: the re-run's inside a new
    /// namespace, or 2 after an error message naming the <paramref name="verb"/> (e.g. "bench live").
    /// </summary>
    public static int? Check(string verb, ref string? driving)
    {
        if (!LoopbackNamespace.IsInside())
        {
            var code = LoopbackNamespace.RunSelfInside(Environment.GetCommandLineArgs().Skip(1));
            if (code is { } c) return c;
            Console.Error.WriteLine($"error: {verb} runs only inside a loopback-only network namespace, and unshare -n is not allowed here");
            return 2;
        }
        driving ??= Environment.GetEnvironmentVariable(SharedDataVariable) is { Length: > 0 } data ? Path.Combine(data, "driving", "d3.mp4") : null;
        if (driving is null)
        {
            Console.Error.WriteLine($"error: {verb} needs --driving CLIP (or {SharedDataVariable} naming the folder that holds driving/d3.mp4)");
            return 2;
        }
        if (!File.Exists(driving))
        {
            Console.Error.WriteLine($"error: driving clip not found: {driving}");
            return 2;
        }
        if (!LiveBrowser.IsAvailable)
        {
            Console.Error.WriteLine($"error: needs {LiveBrowser.ChromiumPath} and {LiveBrowser.ChromeDriverPath} (run scripts/setup.sh)");
            return 2;
        }
        return null;
    }

    /// <summary>
    /// Starts the live server in this process on a free loopback port, logging warnings and worse, with
    /// <paramref name="configure"/> applied to its options; returns it and its address.
    /// </summary>
    public static (WebApplication App, Uri Url) StartServer(Action<LiveOptions> configure, CancellationToken ct)
    {
        var app = LiveServer.Build(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"], configure);
        try
        {
            app.StartAsync(ct).GetAwaiter().GetResult();
            return (app, LiveServer.BoundAddresses(app)[0]);
        }
        catch
        {
            ((IDisposable)app).Dispose();
            throw;
        }
    }

    /// <summary>A line naming the machine: cores and operating system.</summary>
    public static string Machine => $"{Environment.ProcessorCount} cores, {Environment.OSVersion}";
}
