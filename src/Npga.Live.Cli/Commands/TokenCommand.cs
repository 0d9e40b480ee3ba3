using System.CommandLine;
using System.Globalization;
using Npga.Live.Server.Access;
using Npga.Live.Server.Avatars;

namespace Npga.Live.Cli.Commands;

/// <summary>
/// <c>npga token --secret-file F [--ttl 1h] [--scope AVATAR[,AVATAR…]]</c>: prints a signed join token
/// (<see cref="JoinTokenCodec"/>) for a server started with the same secret (<c>npga serve --token-secret-file F</c>),
/// one line on stdout; its expiry goes to stderr. Exit 2 on a bad argument or an unreadable or short secret file.
/// </summary>
internal static class TokenCommand
{
    public static Command Create()
    {
        var secretFile = new Option<string>("--secret-file") { Description = "File holding the server's token secret (at least 32 bytes)", Required = true };
        var ttl = new Option<string>("--ttl") { Description = "How long the token is accepted: 90s, 15m, 1h, 7d (default 1h; at most 366d)", DefaultValueFactory = _ => "1h" };
        var scope = new Option<string[]>("--scope") { Description = "Avatar ids the token is limited to (comma-separated or repeated; default any)", AllowMultipleArgumentsPerToken = true };
        var cmd = new Command("token", "Print a signed, expiring join token for a server that requires them") { secretFile, ttl, scope };
        cmd.SetAction((ParseResult r) =>
        {
            try
            {
                var lifetime = ParseDuration(r.GetValue(ttl)!);
                var avatars = (r.GetValue(scope) ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
                if (avatars.FirstOrDefault(a => !AvatarCatalog.IsValidId(a)) is { } bad) throw new FormatException($"--scope '{bad}' is not an avatar id (1-64 of A-Z a-z 0-9 _ -)");
                if (avatars.Count > JoinTokenCodec.MaxAvatars) throw new FormatException($"--scope names {avatars.Count} avatars; at most {JoinTokenCodec.MaxAvatars}");
                var codec = new JoinTokenCodec(SecretFile.Read(Path.GetFullPath(r.GetValue(secretFile)!), "token secret", JoinTokenCodec.MinSecretBytes));
                var now = DateTimeOffset.UtcNow;
                Console.WriteLine(codec.Issue(lifetime, avatars, now));
                Console.Error.WriteLine($"expires {now.AddSeconds(Math.Ceiling(lifetime.TotalSeconds)):yyyy-MM-dd HH:mm:ss} UTC{(avatars.Count > 0 ? $"; avatars {string.Join(", ", avatars)}" : "")}");
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 2;
            }
        });
        return cmd;
    }

    /// <summary>A duration: a number with a unit s, m, h or d (<c>90s</c>, <c>1.5h</c>), or a bare number of seconds.</summary>
    /// <exception cref="FormatException">Not such a duration, or one outside 1 s to <see cref="JoinTokenCodec.MaxLifetime"/>.</exception>
    internal static TimeSpan ParseDuration(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        double unit = 1;
        if (t.Length > 0 && t[^1] is 's' or 'm' or 'h' or 'd')
        {
            unit = t[^1] switch { 'm' => 60, 'h' => 3600, 'd' => 86400, _ => 1 };
            t = t[..^1];
        }
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || !double.IsFinite(n))
            throw new FormatException($"--ttl '{text}' is not a duration (90s, 15m, 1h, 7d)");
        if (!(n * unit >= 1 && n * unit <= JoinTokenCodec.MaxLifetime.TotalSeconds))
            throw new FormatException($"--ttl '{text}': 1s to {JoinTokenCodec.MaxLifetime.TotalDays:0}d");
        return TimeSpan.FromSeconds(n * unit);
    }
}
