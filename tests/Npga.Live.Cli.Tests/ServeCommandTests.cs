using System.Diagnostics;
using System.Text.RegularExpressions;
using Npga.Live.Core;

namespace Npga.Live.Cli.Tests;

/// <summary><c>npga serve</c> as a process: it starts, answers on 127.0.0.1, stops on Ctrl-C; it refuses bad settings with exit 2.</summary>
public class ServeCommandTests
{
    [Fact]
    public async Task Serves_on_loopback_and_stops_cleanly_on_ctrl_c()
    {
        var psi = new ProcessStartInfo("dotnet", ["exec", Path.Combine(AppContext.BaseDirectory, "npga.dll"), "serve", "--urls", "http://127.0.0.1:0"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.Environment[ContentRoot.EnvironmentVariable] = RepoPaths.RequireRoot();
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        try
        {
            Uri? url = null;
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (url is null && DateTime.UtcNow < until && await p.StandardOutput.ReadLineAsync() is { } line)
                if (Regex.Match(line, @"listening on (http://127\.0\.0\.1:\d+)") is { Success: true } m) url = new Uri(m.Groups[1].Value);
            Assert.True(url is not null, "npga serve never said where it listens");
            using var http = new HttpClient { BaseAddress = url };
            Assert.Contains("\"status\":\"ok\"", await http.GetStringAsync("/healthz"));
            Assert.Contains("npga_sessions 0", await http.GetStringAsync("/metrics"));

            var clock = Stopwatch.StartNew();
            ReenactTestKit.Interrupt(p.Id);
            Assert.True(p.WaitForExit(15_000), "npga serve did not stop within 15 s of Ctrl-C");
            Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}: {await stderr}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15));
        }
        finally
        {
            if (!p.HasExited) p.Kill(true);
        }
    }

    [Fact]
    public void Bad_settings_are_refused_with_the_reason()
    {
        var missing = CliRunner.Run(TimeSpan.FromSeconds(60), "serve", "--urls", "http://127.0.0.1:0", "--avatars", "/nonexistent/avatars");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("avatars folder not found: /nonexistent/avatars", missing.Stderr);

        var badTurn = CliRunner.Run(TimeSpan.FromSeconds(60), "serve", "--urls", "http://127.0.0.1:0", "--Live:TurnServers:0=turn://host-without-credentials");
        Assert.Equal(2, badTurn.ExitCode);
        Assert.Contains("user:password", badTurn.Stderr);

        var badLimit = CliRunner.Run(TimeSpan.FromSeconds(60), "serve", "--urls", "http://127.0.0.1:0", "--max-sessions", "0");
        Assert.Equal(2, badLimit.ExitCode);
        Assert.Contains("MaxSessions", badLimit.Stderr);
    }
}
