using System.Diagnostics;
using System.Text.RegularExpressions;
using Npga.Live.Browser;
using Npga.Live.Core;
using Npga.Live.Media;
using Npga.Live.Pipeline.Live;
using Xunit.Abstractions;

namespace Npga.Live.Cli.Tests;

/// <summary>
/// A publish folder runs anywhere (issue 25): <c>dotnet publish</c> of the CLI (reusing the tests' build), the folder
/// copied outside the checkout, <c>dotnet npga.dll serve</c> started from it with another working folder and no content
/// root in the environment, and headless Chromium (fake webcam: d3.mp4 with frame codes) receiving the server's avatar
/// frames, each carrying the code of the driver frame it was made from; <c>avatar train</c> there says it needs a checkout. Loopback-only namespace; skipped without
/// Chromium or the real clips.
/// </summary>
public class PublishFolderTests(ITestOutputHelper output)
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    [Fact]
    public async Task A_copied_publish_folder_serves_the_avatar_to_a_browser_without_the_checkout()
    {
        if (LoopbackOnly.Skip(output.WriteLine)) return;
        var clip = RepoPaths.SharedData is { } d ? Path.Combine(d, "driving", "d3.mp4") : null;
        if (!LiveBrowser.IsAvailable || clip is null || !File.Exists(clip))
        {
            output.WriteLine($"SKIPPED: needs Chromium and ChromeDriver (scripts/setup.sh) and {clip ?? "../shared/data/driving/d3.mp4"}");
            return;
        }
        var clock = Stopwatch.StartNew();
        string published = Directory.CreateTempSubdirectory("npga-publish-out-").FullName;
        string copy = Directory.CreateTempSubdirectory("npga-publish-").FullName;
        string cwd = Directory.CreateTempSubdirectory("npga-publish-cwd-").FullName;
        try
        {
            Publish(published);
            CopyTree(published, copy);
            Directory.Delete(published, true);
            output.WriteLine($"published and copied to {copy} in {clock.Elapsed.TotalSeconds:F0} s");
            Assert.False(copy.StartsWith(RepoPaths.RequireRoot(), StringComparison.Ordinal), "the copy must lie outside the checkout");
            foreach (var f in new[] { "npga.dll", "appsettings.json", "web/index.html", "web/lib/signalr.min.js", "models/avatars/default/avatar.json", "models/tracker/facemesh.onnx" })
                Assert.True(File.Exists(Path.Combine(copy, f)), $"the publish folder lacks {f}");
            // The browser benchmarks are a tool of the checkout (npga-bench): the shipped program carries no Selenium.
            Assert.False(File.Exists(Path.Combine(copy, "WebDriver.dll")), "the publish folder carries Selenium's WebDriver.dll");
            Assert.False(File.Exists(Path.Combine(copy, "Npga.Live.Browser.dll")), "the publish folder carries Npga.Live.Browser.dll");

            var webcam = Path.Combine(cwd, "webcam.y4m");
            FakeWebcamClip.Write(clip, webcam, maxFrames: 150);
            using var server = NpgaProcess.Start(Path.Combine(copy, "npga.dll"), cwd);
            var url = await server.Url(TimeSpan.FromSeconds(60));
            using (var http = new HttpClient { BaseAddress = url })
            {
                Assert.Contains("\"avatars\":4", await http.GetStringAsync("/healthz"));
                Assert.Contains("signalR", await http.GetStringAsync("/lib/signalr.min.js"));
            }

            using var browser = new LiveBrowser(webcam);
            var tab = browser.Open(new Uri(url, "/?probe=index&stats=1"));
            tab.WaitFor(s => s.GetProperty("framesReceived").GetInt64() > 0, TimeSpan.FromSeconds(90), "first avatar frame");
            var codes = new List<int>();
            var grab = Path.Combine(cwd, "grab.png");
            for (var until = DateTime.UtcNow + TimeSpan.FromSeconds(8); DateTime.UtcNow < until && codes.Distinct().Count() < 10;)
            {
                if (tab.GrabFrame() is { } png)
                {
                    File.WriteAllBytes(grab, png);
                    if (FrameCode.Read(ImageFile.Read(grab)) is { } code) codes.Add(code);
                }
                Thread.Sleep(100);
            }
            output.WriteLine($"{codes.Count} avatar frames with a frame code ({codes.Distinct().Count()} driver frames) after {clock.Elapsed.TotalSeconds:F0} s");
            Assert.True(codes.Distinct().Count() >= 5, $"only {codes.Distinct().Count()} distinct driver frames named by the avatar frames grabbed");
            Assert.All(codes, c => Assert.InRange(c, 0, 149));

            Assert.Equal(0, server.Stop(TimeSpan.FromSeconds(15)));

            // The trainer is a checkout's: the publish folder refuses `avatar train` before touching the clip.
            using (var train = NpgaProcess.Start(Path.Combine(copy, "npga.dll"), cwd, "avatar", "train", "--video", clip, "--out", Path.Combine(cwd, "me")))
                Assert.Equal(2, train.Exit(TimeSpan.FromSeconds(30), "a publish folder does not ship it"));
        }
        finally
        {
            foreach (var dir in new[] { published, copy, cwd })
                if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F0} s in all");
    }

    [Fact]
    public void A_content_root_that_does_not_exist_is_refused_with_exit_2()
    {
        var option = CliRunner.Run(TimeSpan.FromSeconds(60), "--content-root", "/nonexistent/npga", "serve", "--urls", "http://127.0.0.1:0");
        Assert.Equal(2, option.ExitCode);
        Assert.Contains("content root not found: /nonexistent/npga", option.Stderr);

        var variable = CliRunner.Run(TimeSpan.FromSeconds(60), new Dictionary<string, string> { [ContentRoot.EnvironmentVariable] = "/nonexistent/npga" },
            "track", "--input", "x.mp4", "--out", "x.jsonl");
        Assert.Equal(2, variable.ExitCode);
        Assert.Contains($"content root not found: /nonexistent/npga (from {ContentRoot.EnvironmentVariable})", variable.Stderr);
    }

    [Fact]
    public void The_content_root_option_wins_over_the_environment()
    {
        // The checkout by option, a folder without models/ by variable: serve finds the avatars, so the option won.
        var empty = Directory.CreateTempSubdirectory("npga-empty-root-").FullName;
        try
        {
            var r = CliRunner.Run(TimeSpan.FromSeconds(60), new Dictionary<string, string> { [ContentRoot.EnvironmentVariable] = empty },
                "serve", "--content-root", RepoPaths.RequireRoot(), "--urls", "http://127.0.0.1:0", "--avatars", "/nonexistent/avatars");
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("avatars folder not found: /nonexistent/avatars", r.Stderr); // the checkout's web/ passed
            var without = CliRunner.Run(TimeSpan.FromSeconds(60), new Dictionary<string, string> { [ContentRoot.EnvironmentVariable] = empty },
                "serve", "--urls", "http://127.0.0.1:0");
            Assert.Equal(2, without.ExitCode);
            Assert.Contains($"web folder not found: {Path.Combine(empty, "web")}", without.Stderr);
        }
        finally
        {
            Directory.Delete(empty, true);
        }
    }

    /// <summary><c>dotnet publish</c> of the CLI into <paramref name="dir"/>, from the build the tests already made (no restore, no build).</summary>
    private void Publish(string dir)
    {
        var project = Path.Combine(RepoPaths.RequireRoot(), "src", "Npga.Live.Cli", "Npga.Live.Cli.csproj");
        var psi = new ProcessStartInfo("dotnet", ["publish", project, "-c", Configuration, "-o", dir, "--no-build", "--no-restore", "-nologo",
            "-v", "quiet", "-nodeReuse:false", "--disable-build-servers"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        // The test host's MSBuild variables would point the child build at the test run's own MSBuild state.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList()) psi.Environment.Remove(key);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(180)))
        {
            p.Kill(true);
            throw new TimeoutException("dotnet publish did not finish in 180 s");
        }
        Assert.True(p.ExitCode == 0, $"dotnet publish: exit {p.ExitCode}\n{stdout.Result}\n{stderr.Result}");
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }

    /// <summary><c>dotnet npga.dll serve</c> (or another verb) in <c>cwd</c>, with no content root or checkout in its environment.</summary>
    private sealed class NpgaProcess : IDisposable
    {
        private readonly Process _p;
        private readonly Task<string> _stderr;

        private NpgaProcess(Process p)
        {
            _p = p;
            _stderr = p.StandardError.ReadToEndAsync();
        }

        public static NpgaProcess Start(string dll, string cwd) => Start(dll, cwd, "serve", "--urls", "http://127.0.0.1:0");

        /// <summary><c>dotnet npga.dll ARGS</c> in <paramref name="cwd"/>, without NPGA_* variables.</summary>
        public static NpgaProcess Start(string dll, string cwd, params string[] args)
        {
            var psi = new ProcessStartInfo("dotnet", [dll, .. args])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = cwd,
            };
            foreach (var key in new[] { ContentRoot.EnvironmentVariable, ContentRoot.LegacyEnvironmentVariable, "NPGA_SHARED_DATA" }) psi.Environment.Remove(key);
            return new NpgaProcess(Process.Start(psi)!);
        }

        /// <summary>The address the server says it listens on.</summary>
        public async Task<Uri> Url(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                while (await _p.StandardOutput.ReadLineAsync(cts.Token) is { } line)
                    if (Regex.Match(line, @"listening on (http://127\.0\.0\.1:\d+)") is { Success: true } m)
                    {
                        _ = _p.StandardOutput.ReadToEndAsync(); // keep draining
                        return new Uri(m.Groups[1].Value);
                    }
            }
            catch (OperationCanceledException) { }
            if (!_p.HasExited) _p.Kill(true);
            throw new InvalidOperationException($"npga serve never said where it listens: {await _stderr}");
        }

        /// <summary>The exit code of a command that ends by itself, after checking that stderr says <paramref name="says"/>.</summary>
        public int Exit(TimeSpan timeout, string says)
        {
            if (!_p.WaitForExit(timeout)) throw new TimeoutException($"npga did not finish in {timeout.TotalSeconds} s");
            Assert.Contains(says, _stderr.Result);
            return _p.ExitCode;
        }

        /// <summary>Ctrl-C, then the exit code.</summary>
        public int Stop(TimeSpan timeout)
        {
            ReenactTestKit.Interrupt(_p.Id);
            if (!_p.WaitForExit(timeout)) throw new TimeoutException($"npga serve did not stop within {timeout.TotalSeconds} s of Ctrl-C");
            return _p.ExitCode;
        }

        public void Dispose()
        {
            if (!_p.HasExited) _p.Kill(true);
            _p.Dispose();
        }
    }
}
