using Npga.Live.Media.Tests.Support;
using System.Diagnostics;
using Xunit.Abstractions;
using static Npga.Live.Cli.Tests.ReenactTestKit;

namespace Npga.Live.Cli.Tests;

/// <summary>
/// `npga reenact` on input it cannot use and output it cannot write: a clear "error: …", exit code 2, no file left at --out,
/// and never a hang (each run has a time limit).
/// </summary>
public sealed class ReenactBadInputTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("npga-reenact-bad-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Tmp(string name) => Path.Combine(_dir, name);

    private void AssertCleanError(CliRunner.Result r, string because)
    {
        output.WriteLine($"{because}: exit {r.ExitCode}: {r.Stderr.Trim()}");
        Assert.Equal(2, r.ExitCode);
        // Progress lines ("reenact: …") may come first; every other line is the error.
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => !l.StartsWith("reenact:", StringComparison.Ordinal)).ToList();
        Assert.Single(lines);
        Assert.StartsWith("error:", lines[0]);
        Assert.DoesNotContain("Unhandled exception", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr); // no stack trace
    }

    [Theory]
    [InlineData("missing", "file not found")]
    [InlineData("zero-length", "empty")]
    [InlineData("garbage", "cannot read video")]
    [InlineData("truncated", "cannot read video")]
    [InlineData("audio-only", "video")]
    public void UnusableDrivingVideo_IsAClearError_AndLeavesNoOutput(string kind, string says)
    {
        var driving = Tmp(kind + (kind == "audio-only" ? ".m4a" : ".mp4"));
        switch (kind)
        {
            case "zero-length": File.WriteAllBytes(driving, []); break;
            case "garbage":
                var junk = new byte[20_000];
                new Random(3).NextBytes(junk);
                File.WriteAllBytes(driving, junk);
                break;
            case "truncated":
                // An MP4 cut in half loses its index (mp4mux writes it at the end).
                var whole = WriteClip(Tmp("whole.mp4"), Enumerable.Range(0, 30).Select(i => Noise(64, 64, new Random(i))), 30);
                var bytes = File.ReadAllBytes(whole);
                File.WriteAllBytes(driving, bytes[..(bytes.Length / 2)]);
                break;
            case "audio-only":
                if (Exec("gst-launch-1.0", "-q", "audiotestsrc", "num-buffers=50", "!", "audioconvert", "!", "avenc_aac", "!", "mp4mux", "!", "filesink", $"location={driving}") is { } why)
                {
                    output.WriteLine($"SKIPPED: cannot make an audio-only file: {why}");
                    return;
                }
                break;
        }
        var clock = Stopwatch.StartNew();
        var r = CliRunner.Run(Limit, "reenact", "--avatar", FixtureAvatar, "--driving", driving, "--out", Tmp("out.mp4"));
        AssertCleanError(r, kind);
        Assert.Contains(says, r.Stderr);
        Assert.Contains(Path.GetFileName(driving), r.Stderr);
        Assert.False(File.Exists(Tmp("out.mp4")), "no output file may be left");
        Assert.False(File.Exists(Tmp("out.partial.mp4")));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Theory]
    [InlineData("/proc/x.mp4", "cannot be opened for writing")]
    [InlineData("missing-dir", "does not exist")]
    public void UnwritableOutput_IsAClearErrorBeforeAnyWork(string outPath, string says)
    {
        if (outPath == "missing-dir") outPath = Tmp("no/such/dir/x.mp4");
        var driving = WriteClip(Tmp("grey.mp4"), Enumerable.Repeat(Solid(64, 64, 100), 10), 25);
        var r = CliRunner.Run(Limit, "reenact", "--avatar", FixtureAvatar, "--driving", driving, "--out", outPath);
        AssertCleanError(r, outPath);
        Assert.Contains(says, r.Stderr);
        Assert.Contains(outPath, r.Stderr);
        Assert.DoesNotContain("frame(s)", r.Stderr); // failed before any frame was processed
        Assert.False(File.Exists(outPath));
    }

    [Fact]
    public void FullDisk_IsAClearError_ThePartialOutputIsRemoved_AndNothingHangs()
    {
        using var disk = TmpfsMount.TryCreate("size=300k", output);
        if (disk is null) return;
        // Noise shown side by side does not compress: a few dozen frames overflow 300 KiB.
        var rng = new Random(7);
        var driving = WriteClip(Tmp("noise.mp4"), Enumerable.Range(0, 120).Select(_ => Noise(128, 128, rng)), 30);
        var outPath = Path.Combine(disk.Dir, "full.mp4");
        var clock = Stopwatch.StartNew();
        var r = CliRunner.Run(Limit, "reenact", "--avatar", FixtureAvatar, "--driving", driving, "--out", outPath, "--side-by-side", "--width", "128", "--height", "128");
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s");
        AssertCleanError(r, "full disk");
        Assert.Contains("disk is full", r.Stderr);
        Assert.Contains("was removed", r.Stderr);
        Assert.Empty(Directory.GetFiles(disk.Dir));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(45));
    }

    [Theory]
    [InlineData("odd", "even")]
    [InlineData("tiny", "--width")]
    [InlineData("no-avatar", "no such folder")]
    [InlineData("report-dir", "does not exist")]
    public void BadArguments_AreClearErrors(string kind, string says)
    {
        var driving = WriteClip(Tmp("grey.mp4"), Enumerable.Repeat(Solid(64, 64, 100), 5), 25);
        string[] args = kind switch
        {
            "odd" => ["--width", "129"],
            "tiny" => ["--width", "4"],
            "no-avatar" => ["--avatar", Tmp("nothing-here")],
            _ => ["--report", Tmp("missing/r.json")],
        };
        string avatar = kind == "no-avatar" ? args[1] : FixtureAvatar;
        if (kind == "no-avatar") args = [];
        var r = CliRunner.Run(Limit, ["reenact", "--avatar", avatar, "--driving", driving, "--out", Tmp("o.mp4"), .. args]);
        AssertCleanError(r, kind);
        Assert.Contains(says, r.Stderr);
        Assert.False(File.Exists(Tmp("o.mp4")));
    }

    /// <summary>Runs a program; null when it succeeded, else why not.</summary>
    private static string? Exec(string file, params string[] args)
    {
        try
        {
            var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(TimeSpan.FromSeconds(30))) { p.Kill(); return "timed out"; }
            return p.ExitCode == 0 ? null : $"exit {p.ExitCode}: {err.Result.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return e.Message;
        }
    }
}
