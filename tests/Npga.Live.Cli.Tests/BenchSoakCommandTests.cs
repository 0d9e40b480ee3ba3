using System.Diagnostics;
using System.Text.Json;
using Npga.Live.Browser;
using Npga.Live.Core;
using Npga.Live.Tests.Shared;
using Xunit.Abstractions;

namespace Npga.Live.Cli.Tests;

/// <summary>
/// <c>npga bench soak</c> (npga-bench, tools/Npga.Live.Bench) as a process, short: two pages of headless Chromium against the in-process server for 66 s,
/// inside the loopback-only network namespace the suite runs in (skipped elsewhere, without Chromium, or without the
/// real clips).
/// </summary>
public class BenchSoakCommandTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("--minutes", "0")]
    [InlineData("--sessions", "0")]
    [InlineData("--rejoin-seconds", "NaN")]
    [InlineData("--rejoin-seconds", "Infinity")]
    public void A_run_with_a_setting_out_of_range_is_refused_before_anything_starts(string option, string value)
    {
        var r = CliRunner.RunBench(TimeSpan.FromSeconds(60), "bench", "soak", option, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--rejoin-seconds 0 or more", r.Stderr);
    }

    [Fact]
    public void A_short_soak_reports_memory_over_time_and_every_page_joined_rejoined_and_streaming_at_the_end()
    {
        if (LoopbackOnly.Skip(output.WriteLine)) return;
        var clip = RepoPaths.SharedData is { } d ? Path.Combine(d, "driving", "d3.mp4") : null;
        if (!LiveBrowser.IsAvailable || clip is null || !File.Exists(clip))
        {
            output.WriteLine($"SKIPPED: needs Chromium and ChromeDriver (scripts/setup.sh) and {clip ?? "../shared/data/driving/d3.mp4"}");
            return;
        }
        var dir = Directory.CreateTempSubdirectory("npga-soak-test-").FullName;
        try
        {
            string report = Path.Combine(dir, "soak.json"), csv = Path.Combine(dir, "soak.csv");
            var clock = Stopwatch.StartNew();
            var r = CliRunner.RunBench(TimeSpan.FromSeconds(150), "bench", "soak", "--minutes", "1.1", "--sessions", "2", "--avatar", "mona-lisa",
                "--driving", clip, "--sample-seconds", "2", "--report", report, "--csv", csv);
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F0} s, exit {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
            Assert.True(r.ExitCode is 0 or 1, $"exit {r.ExitCode}: {r.Stderr}"); // 1: an error (a stall on a busy machine) was reported
            Assert.Contains("RSS", r.Stdout);
            Assert.Contains("slope after the first 20", r.Stdout);
            Assert.True(File.Exists(report), "no report written");

            using var doc = JsonDocument.Parse(File.ReadAllText(report));
            var root = doc.RootElement;
            int samples = root.GetProperty("samples").GetInt32();
            Assert.True(samples >= 10, $"{samples} samples in 66 s at one per 2 s");
            Assert.True(root.GetProperty("rss_first_mb").GetDouble() > 0 && root.GetProperty("fds_first").GetInt32() > 0 && root.GetProperty("threads_first").GetInt32() > 0);
            Assert.Equal(samples + 1, File.ReadAllLines(csv).Length);
            var pages = root.GetProperty("page_results").EnumerateArray().ToList();
            Assert.Equal(2, pages.Count);
            foreach (var p in pages)
            {
                int i = p.GetProperty("index").GetInt32();
                Assert.True(p.GetProperty("joins").GetInt32() >= 2, $"page {i} joined {p.GetProperty("joins")} times");
                Assert.True(p.GetProperty("reconnects").GetInt32() >= 1, $"page {i} never reconnected");
                Assert.True(p.GetProperty("streaming_at_end").GetBoolean(), $"page {i} was not streaming at the end");
                Assert.True(p.GetProperty("fps_median").GetDouble() > 0, $"page {i}: no frames");
                Assert.True(p.GetProperty("latency_samples").GetInt32() > 0, $"page {i}: no frame codes read back");
            }
            Assert.True(root.GetProperty("sessions_started").GetInt64() >= 4);
            // each freed session starts a background full collection (SessionManager): the run saw at least one
            Assert.True(root.GetProperty("sessions_ended").GetInt64() >= 2);
            Assert.True(root.GetProperty("full_collections").GetInt32() >= 1, "sessions ended, but no full collection in the run");
            Assert.True(root.GetProperty("gc_committed_last_mb").GetDouble() > 0);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
