using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Npga.Live.Server;

namespace Npga.Live.Cli.Commands;

/// <summary>
/// <c>npga serve [--urls http://127.0.0.1:5000] [--avatars DIR] [--max-sessions N] [--Live:Key=value …]</c>: the live
/// server (<see cref="LiveServer"/>): the page at <c>/</c>, the hub at <c>/hub</c>, <c>/healthz</c>, <c>/metrics</c>.
/// Any other <c>--Live:…</c> setting (docs/LIVE.md, <see cref="LiveOptions"/>) passes through to the configuration.
/// Runs until Ctrl-C; exit 2 when it cannot start (the message says why).
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = "Addresses to listen on", DefaultValueFactory = _ => "http://127.0.0.1:5000" };
        var avatars = new Option<string?>("--avatars") { Description = "Folder of avatar packages (default models/avatars)" };
        var maxSessions = new Option<int?>("--max-sessions") { Description = "Most concurrent sessions (default 3)" };
        var cmd = new Command("serve", "Live server: webcam in over WebRTC, avatar out to the browser") { urls, avatars, maxSessions };
        cmd.TreatUnmatchedTokensAsErrors = false;
        cmd.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            var config = r.UnmatchedTokens.Append("--urls").Append(r.GetValue(urls)!).ToArray();
            WebApplication app;
            try
            {
                app = LiveServer.Build(config, o =>
                {
                    if (r.GetValue(avatars) is { } dir) o.AvatarsDir = Path.GetFullPath(dir);
                    if (r.GetValue(maxSessions) is { } n) o.MaxSessions = n;
                });
            }
            catch (Exception e) when (e is InvalidOperationException or DirectoryNotFoundException or ArgumentException or FormatException or InvalidDataException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 2;
            }
            try
            {
                await app.StartAsync(ct);
                Console.WriteLine($"npga serve: listening on {string.Join(", ", LiveServer.BoundAddresses(app).Select(u => u.GetLeftPart(UriPartial.Authority)))} (Ctrl-C stops)");
                await app.WaitForShutdownAsync(ct);
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"error: cannot listen on {r.GetValue(urls)}: {e.Message}");
                return 2;
            }
            return 0;
        });
        return cmd;
    }
}
