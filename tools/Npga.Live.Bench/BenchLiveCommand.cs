using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npga.Live.Browser;
using Npga.Live.Core;
using Npga.Live.Media.WebRtc;
using Npga.Live.Pipeline.Live;
using Npga.Live.Server;
using Npga.Live.Server.Sessions;

namespace Npga.Live.Bench;

/// <summary>
/// <c>npga bench live [--driving CLIP] [--seconds 60] [--avatar default] [--no-pacing] [--pages N] [--max-render-load L]</c>: the whole live loop on this machine, inside
/// a loopback-only network namespace (the command re-runs itself under <c>unshare -n</c> when it is not in one): the
/// server in-process, headless Chromium whose fake webcam plays the clip, the page in probe mode. It prints the frame
/// rate the page receives and the glass-to-glass latency: the page stamps <c>performance.now()</c> as a frame code into
/// a canvas it sends instead of the raw webcam, the server copies each webcam frame's code into the avatar frame made
/// from it, and the page reads the code back from each avatar frame it is about to show
/// (<c>requestVideoFrameCallback</c>): latency = now − code, covering the browser's encode, the network, the server's
/// decode, track, render and encode, and the browser's decode. Medians and p95 over the run, after a warm-up. With
/// <c>--pages N</c> N pages join one after another (each after the one before has streamed for the warm-up), as N people
/// would: those the server refuses (<c>busy:</c>, by its slots or its render load, <see cref="LiveOptions.MaxRenderLoad"/>)
/// are counted, the others measured side by side; the top-level figures are the first page's.
/// </summary>
internal static class BenchLiveCommand
{
    public static Command Create()
    {
        var driving = new Option<string?>("--driving") { Description = "Clip the fake webcam plays (default $NPGA_SHARED_DATA/driving/d3.mp4; scripts/npga sets it to ../shared/data)" };
        var seconds = new Option<double>("--seconds") { Description = "Measured seconds", DefaultValueFactory = _ => 60 };
        var warmup = new Option<double>("--warmup") { Description = "Seconds after the first frame before measuring", DefaultValueFactory = _ => 5 };
        var avatar = new Option<string>("--avatar") { Description = "Avatar id", DefaultValueFactory = _ => "default" };
        var report = new Option<string?>("--report") { Description = "Write the figures as JSON here" };
        var screenshot = new Option<string?>("--screenshot") { Description = "After the run, reload the page without the probe and save a PNG screenshot here" };
        var refine = new Option<RefineMode>("--refine") { Description = "When the avatar's CNN runs: auto (while frames keep the frame period), on, off", DefaultValueFactory = _ => RefineMode.Auto };
        var noPacing = new Option<bool>("--no-pacing") { Description = "The tracker tracks every webcam frame instead of waiting for the renderer (Live:PaceTracking false)" };
        var pages = new Option<int>("--pages") { Description = "Pages joining one after another (people); those told busy are counted, the rest measured", DefaultValueFactory = _ => 1 };
        var maxLoad = new Option<double?>("--max-render-load") { Description = "Live:MaxRenderLoad, admission by render load (0: off; default the server's)" };
        var cmd = new Command("live", "Live loop: received fps and glass-to-glass latency (headless Chromium, loopback only)") { driving, seconds, warmup, avatar, report, screenshot, refine, noPacing, pages, maxLoad };
        cmd.SetAction((ParseResult r, CancellationToken ct) => Task.FromResult(Run(r.GetValue(driving), r.GetValue(seconds), r.GetValue(warmup), r.GetValue(avatar)!, r.GetValue(report), r.GetValue(screenshot), r.GetValue(refine), !r.GetValue(noPacing),
            Math.Max(1, r.GetValue(pages)), r.GetValue(maxLoad), ct)));
        return cmd;
    }

    private static int Run(string? driving, double seconds, double warmup, string avatar, string? reportPath, string? screenshotPath, RefineMode refine, bool pace,
        int pageCount, double? maxRenderLoad, CancellationToken ct)
    {
        if (LiveBenchSetup.Check("bench live", ref driving) is { } exit) return exit;
        var tmp = Directory.CreateTempSubdirectory("npga-bench-live-").FullName;
        try
        {
            var clip = Path.Combine(tmp, "webcam.y4m");
            FakeWebcamClip.Write(driving!, clip);
            var (app, url) = LiveBenchSetup.StartServer(o =>
            {
                o.DefaultAvatar = avatar;
                o.Refine = refine;
                o.PaceTracking = pace;
                o.MaxSessions = Math.Max(o.MaxSessions, pageCount);
                if (maxRenderLoad is { } m) o.MaxRenderLoad = m;
            }, ct);
            using var _ = app;
            using var browser = screenshotPath is null ? new LiveBrowser(clip) : new LiveBrowser(clip, 1280, 1000);
            var tabs = new List<LiveTab>();
            var refused = new List<string>();
            for (int i = 0; i < pageCount; i++)
            {
                var page = browser.Open(new Uri(url, "/?probe=1&stats=1"), window: true);
                var joined = page.WaitFor(s => (s.TryGetProperty("framesReceived", out var n) && n.GetInt64() > 0) || s.GetProperty("state").GetString() is "busy" or "error",
                    TimeSpan.FromSeconds(60), "first avatar frame");
                if (joined.GetProperty("state").GetString() is "busy" or "error")
                {
                    refused.Add(joined.TryGetProperty("error", out var e) ? e.GetString() ?? "busy" : "busy");
                    page.Close();
                    continue;
                }
                tabs.Add(page);
                Thread.Sleep(TimeSpan.FromSeconds(warmup)); // the next page joins on a server that has felt this one's load
            }
            if (tabs.Count == 0)
            {
                Console.Error.WriteLine($"error: no page was admitted: {string.Join("; ", refused)}");
                return 1;
            }
            var tab = tabs[0];
            var starts = tabs.Select(t => t.State!.Value).ToList();
            var start = starts[0];
            long allocatedAt0 = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            var serverSide = new List<SessionStatsSample>();
            var sessions = app.Services.GetRequiredService<SessionManager>();
            while (clock.Elapsed.TotalSeconds < seconds && !ct.IsCancellationRequested)
            {
                Thread.Sleep(1000);
                foreach (var s in sessions.Sessions)
                {
                    var st = s.Stats;
                    serverSide.Add(new SessionStatsSample(st.FpsIn, st.FpsOut, st.TrackMs ?? double.NaN, st.RenderMs ?? double.NaN, st.EncodeMs ?? double.NaN, st.LatencyMs ?? double.NaN, st.Refine));
                }
            }
            double allocatedMbPerS = (GC.GetTotalAllocatedBytes(precise: true) - allocatedAt0) / 1e6 / clock.Elapsed.TotalSeconds;
            var ends = tabs.Select(t => t.State!.Value).ToList();
            var end = ends[0];
            double elapsed = clock.Elapsed.TotalSeconds;
            // per page: frames presented per second and the frame codes' latencies over the measured window
            var measured = tabs.Select((_, i) => (
                Fps: (ends[i].GetProperty("framesReceived").GetInt64() - starts[i].GetProperty("framesReceived").GetInt64()) / elapsed,
                Latencies: ends[i].GetProperty("latencies").EnumerateArray().Skip(starts[i].GetProperty("latencies").GetArrayLength()).Select(e => e.GetDouble()).ToList())).ToList();
            var perPage = measured.Select(m => new
            {
                received_fps = Math.Round(m.Fps, 2),
                latency_ms_median = Math.Round(Statistics.Median(m.Latencies), 1),
                latency_ms_p95 = Math.Round(Statistics.Percentile(m.Latencies, 95), 1),
                latency_samples = m.Latencies.Count,
            }).ToList();
            double? Rate(string counter) =>
                Receiver(end, counter) is { } b && Receiver(start, counter) is { } a ? Math.Round((b - a) / elapsed, 2) : null;
            var (fps, lat) = measured[0];
            var result = new
            {
                machine = LiveBenchSetup.Machine,
                driving = Path.GetFileName(driving), avatar, seconds = Math.Round(elapsed, 1),
                received_fps = perPage[0].received_fps,
                latency_ms_median = perPage[0].latency_ms_median,
                latency_ms_p95 = perPage[0].latency_ms_p95,
                latency_samples = lat.Count,
                server_fps_in = Math.Round(Statistics.Median(serverSide.Select(s => s.FpsIn)), 1),
                server_fps_out = Math.Round(Statistics.Median(serverSide.Select(s => s.FpsOut)), 1),
                server_track_ms = Math.Round(Statistics.Median(serverSide.Select(s => s.TrackMs)), 2),
                server_render_ms = Math.Round(Statistics.Median(serverSide.Select(s => s.RenderMs)), 2),
                server_encode_ms = Math.Round(Statistics.Median(serverSide.Select(s => s.EncodeMs)), 2),
                server_latency_ms = Math.Round(Statistics.Median(serverSide.Select(s => s.LatencyMs)), 1),
                rtp_frames_received_fps = Rate("framesReceived"),
                rtp_frames_decoded_fps = Rate("framesDecoded"),
                rtp_frames_dropped_fps = Rate("framesDropped"),
                rtp_freezes = Rate("freezeCount") is { } f ? Math.Round(f * elapsed) : (double?)null,
                rtp_packets_lost = Rate("packetsLost") is { } l ? Math.Round(l * elapsed) : (double?)null,
                jitter_buffer_ms = Receiver(end, "jitterBufferMs") is { } j ? Math.Round(j, 1) : (double?)null,
                decode_ms = Receiver(end, "decodeMs") is { } dm ? Math.Round(dm, 2) : (double?)null,
                refine = refine.ToString().ToLowerInvariant(),
                pace_tracking = pace,
                cnn_on_share = serverSide.Any(s => s.Refine is not null) ? Math.Round(serverSide.Count(s => s.Refine == true) / (double)serverSide.Count(s => s.Refine is not null), 2) : (double?)null,
                // managed bytes allocated by the process (the server and the Selenium client) per webcam frame the server decoded
                allocated_mb_per_s = Math.Round(allocatedMbPerS, 2),
                allocated_kb_per_frame_in = Math.Round(1e3 * allocatedMbPerS / (tabs.Count * Statistics.Median(serverSide.Select(s => s.FpsIn))), 1),
                max_render_load = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<LiveOptions>>().Value.MaxRenderLoad,
                pages = perPage,
                pages_refused = refused,
            };
            Console.WriteLine($"npga bench live: {result.driving} -> {avatar}, {result.seconds} s measured, {result.machine}");
            Console.WriteLine($"  received            {result.received_fps,8:F1} fps (page, requestVideoFrameCallback)");
            Console.WriteLine($"  glass-to-glass      {result.latency_ms_median,8:F1} ms median, {result.latency_ms_p95:F1} ms p95 ({lat.Count} frame codes)");
            Console.WriteLine($"  server in / out     {result.server_fps_in,8:F1} / {result.server_fps_out:F1} fps");
            Console.WriteLine($"  server stages       track {result.server_track_ms:F2} ms, deform+render {result.server_render_ms:F2} ms, encode {result.server_encode_ms:F2} ms; decode->encoded {result.server_latency_ms:F1} ms");
            Console.WriteLine($"  frames              server sent {result.server_fps_out:F1}/s -> page RTP received {result.rtp_frames_received_fps:F1}/s, decoded {result.rtp_frames_decoded_fps:F1}/s, dropped {result.rtp_frames_dropped_fps:F1}/s -> presented {result.received_fps:F1}/s; freezes {result.rtp_freezes}, packets lost {result.rtp_packets_lost}; jitter buffer {result.jitter_buffer_ms} ms, decode {result.decode_ms} ms a frame");
            Console.WriteLine($"  managed allocation  {result.allocated_mb_per_s,8:F1} MB/s, {result.allocated_kb_per_frame_in:F0} KB per webcam frame the server decoded (the server and the Selenium client; GC.GetTotalAllocatedBytes)");
            Console.WriteLine($"  CNN ({result.refine})          {(result.cnn_on_share is { } share ? $"on in {share:P0} of the seconds sampled" : "the avatar has none")}");
            if (pageCount > 1)
            {
                Console.WriteLine($"  pages               {tabs.Count} of {pageCount} admitted (render load limit {result.max_render_load:0.##}), {refused.Count} refused");
                for (int i = 0; i < perPage.Count; i++)
                    Console.WriteLine($"    page {i}            {perPage[i].received_fps,8:F1} fps, {perPage[i].latency_ms_median:F1} ms median, {perPage[i].latency_ms_p95:F1} ms p95 ({perPage[i].latency_samples} frame codes)");
                foreach (var m in refused) Console.WriteLine($"    refused           {m}");
            }
            if (reportPath is not null) File.WriteAllText(reportPath, JsonSerializer.Serialize(result, new JsonSerializerOptions
            {
                WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals, // NaN: no sample
            }));
            if (screenshotPath is not null)
            {
                tab.Eval($"location.href = '{new Uri(url, "/?stats=1")}'");
                Thread.Sleep(1000);
                tab.WaitFor(s => s.TryGetProperty("framesReceived", out var n) && n.GetInt64() > 60, TimeSpan.FromSeconds(60), "avatar video");
                File.WriteAllBytes(screenshotPath, tab.Screenshot());
                Console.WriteLine($"  screenshot          {screenshotPath}");
            }
            app.StopAsync().GetAwaiter().GetResult();
            return lat.Count == 0 || fps <= 0 ? 1 : 0;
        }
        catch (Exception e) when (e is TimeoutException or OpenQA.Selenium.WebDriverException or Npga.Live.Media.MediaException or InvalidOperationException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        finally
        {
            Directory.Delete(tmp, true);
        }
    }

    /// <summary>A figure of the page's avatar-track receiver (<c>stats.receiver</c>, web/npga-live.js), or null when absent.</summary>
    private static double? Receiver(JsonElement state, string name) =>
        state.TryGetProperty("stats", out var st) && st.ValueKind == JsonValueKind.Object && st.TryGetProperty("receiver", out var r)
        && r.ValueKind == JsonValueKind.Object && r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private sealed record SessionStatsSample(double FpsIn, double FpsOut, double TrackMs, double RenderMs, double EncodeMs, double LatencyMs, bool? Refine);
}
