using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Npga.Live.Server;

namespace Npga.Live.Cli.Commands;

/// <summary>
/// <c>npga serve [--urls http://127.0.0.1:5000] [--avatars DIR] [--max-sessions N] [--token-secret-file F]
/// [--admin-key-file F] [--Live:Key=value …]</c>: the live server (<see cref="LiveServer"/>): the page at <c>/</c>, the
/// hub at <c>/hub</c>, <c>/healthz</c>, <c>/metrics</c>; with a token secret the hub needs join tokens (<c>npga token</c>).
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
        var tokenSecret = new Option<string?>("--token-secret-file") { Description = "Require join tokens signed with the secret in this file (npga token issues them)" };
        var adminKey = new Option<string?>("--admin-key-file") { Description = "Enable POST /admin/tokens for requests carrying the API key in this file" };
        var cmd = new Command("serve", "Live server: webcam in over WebRTC, avatar out to the browser") { urls, avatars, maxSessions, tokenSecret, adminKey };
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
                    if (r.GetValue(tokenSecret) is { } secret) o.Auth.TokenSecretFile = Path.GetFullPath(secret);
                    if (r.GetValue(adminKey) is { } key) o.Auth.AdminKeyFile = Path.GetFullPath(key);
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
