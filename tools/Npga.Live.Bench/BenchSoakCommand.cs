using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npga.Live.Browser;
using Npga.Live.Core;
using Npga.Live.Server.Sessions;
using WebDriverException = OpenQA.Selenium.WebDriverException;

namespace Npga.Live.Bench;

/// <summary>
/// <c>npga bench soak --minutes M --sessions S [--avatar ID] [--sample-seconds N] [--csv FILE] [--report FILE] [--rejoin-seconds S] [--full-gc]</c>: a long
/// run of the live loop, set up as <c>npga bench live</c> (<see cref="LiveBenchSetup"/>: loopback-only namespace, the
/// server in this process, headless Chromium with the fake webcam, pages in probe mode). S pages stream at once; each,
/// on its own staggered schedule, leaves and rejoins in turn by a hub disconnect and reconnect (the page's Stop, then
/// Start), a page reload, and closing its tab for a new one. Every few seconds it samples this process (the server):
/// resident memory (<c>/proc/self/status</c> VmRSS), managed heap and what the GC has committed, glibc malloc's bytes in use
/// and free inside its heaps (<c>mallinfo2</c>), open file descriptors (<c>/proc/self/fd</c>) and
/// threads, and the server's sessions and tracker/avatar stage pairs built (the server allows S + 1 sessions: a page's
/// old session may still be freeing what it held when its new one joins; its stage pool keeps a pair for each session
/// that ever ran at once). It prints a table over time, then the resident memory's slope after the first 20% of the run (least
/// squares, MB/min, with its standard error), descriptors and threads first/last/max, and per page the received fps,
/// the glass-to-glass latency, joins, rejoins and errors (a join with no avatar frame within 90 s or refused, a session
/// that ended by itself, a stream with no new frame for over 5 s). Exit code 1 when there was an error or a page was
/// not streaming at the end.
/// </summary>
internal static class BenchSoakCommand
{
    /// <summary>Seconds without a new avatar frame after which a streaming page counts as stopped.</summary>
    private const double StallSeconds = 5;

    /// <summary>Seconds a join may take to its first avatar frame.</summary>
    private const double JoinTimeoutSeconds = 90;

    /// <summary>Share of the run, from its start, left out of the memory slope (warm-up).</summary>
    private const double WarmupShare = 0.2;

    public static Command Create()
    {
        var minutes = new Option<double>("--minutes") { Description = "Length of the run, minutes", DefaultValueFactory = _ => 30 };
        var sessions = new Option<int>("--sessions") { Description = "Pages streaming at once (size it to the machine)", DefaultValueFactory = _ => 2 };
        var avatar = new Option<string>("--avatar") { Description = "Avatar id", DefaultValueFactory = _ => "default" };
        var driving = new Option<string?>("--driving") { Description = "Clip the fake webcam plays (default $NPGA_SHARED_DATA/driving/d3.mp4; scripts/npga sets it to ../shared/data)" };
        var sample = new Option<double>("--sample-seconds") { Description = "Seconds between samples of the server process", DefaultValueFactory = _ => 10 };
        var csv = new Option<string?>("--csv") { Description = "Write the samples as CSV here" };
        var report = new Option<string?>("--report") { Description = "Write the figures as JSON here" };
        var rejoin = new Option<double?>("--rejoin-seconds") { Description = "Seconds between a page's rejoins (default a fifth of the run, 15 s to 2 min; 0: pages never rejoin, one session each for the whole run)" };
        var fullGc = new Option<bool>("--full-gc") { Description = "Before each sample, a full blocking compacting collection: the heap figure is then what is live, and RSS holds no garbage (a pause each sample)" };
        var cmd = new Command("soak", "Long run: pages joining, leaving and rejoining; server memory, descriptors and threads over time; fps, latency, errors per page")
        {
            minutes, sessions, avatar, driving, sample, csv, report, rejoin, fullGc,
        };
        cmd.SetAction((ParseResult r, CancellationToken ct) => Task.FromResult(Run(r.GetValue(minutes), r.GetValue(sessions), r.GetValue(avatar)!, r.GetValue(driving),
            r.GetValue(sample), r.GetValue(csv), r.GetValue(report), r.GetValue(rejoin), r.GetValue(fullGc), ct)));
        return cmd;
    }

    private static int Run(double minutes, int sessionCount, string avatar, string? driving, double sampleSeconds, string? csvPath, string? reportPath,
        double? rejoinSeconds, bool fullGc, CancellationToken ct)
    {
        if (!(minutes > 0) || sessionCount < 1 || !(sampleSeconds > 0) || rejoinSeconds is { } rj && !(rj >= 0 && double.IsFinite(rj)))
        {
            Console.Error.WriteLine("error: --minutes and --sample-seconds must be positive, --sessions at least 1, --rejoin-seconds 0 or more");
            return 2;
        }
        if (LiveBenchSetup.Check("bench soak", ref driving) is { } exit) return exit;
        var tmp = Directory.CreateTempSubdirectory("npga-bench-soak-").FullName;
        try
        {
            var clip = Path.Combine(tmp, "webcam.y4m");
            FakeWebcamClip.Write(driving!, clip, maxFrames: 300);
            // The clip's decoding left large-object garbage: collected and compacted now, so that the GC does not start
            // the server holding (committed, resident) memory that is the benchmark's, not the server's.
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            var (app, url) = LiveBenchSetup.StartServer(o =>
            {
                o.DefaultAvatar = avatar;
                o.MaxSessions = sessionCount + 1;
                o.MaxRenderLoad = 0; // a soak keeps its sessions on an overloaded machine on purpose: admission by slots only
            }, ct);
            using var _ = app;
            var manager = app.Services.GetRequiredService<SessionManager>();
            using var browser = new LiveBrowser(clip);
            var pageUrl = new Uri(url, "/?probe=1&stats=1");
            var run = new SoakRun(browser, pageUrl, sessionCount, minutes * 60, sampleSeconds, rejoinSeconds, manager, fullGc);
            run.Execute(ct);
            var result = run.Summarize(avatar, Path.GetFileName(driving!));
            if (csvPath is not null) File.WriteAllText(csvPath, run.Csv());
            if (reportPath is not null) File.WriteAllText(reportPath, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
            app.StopAsync().GetAwaiter().GetResult();
            return result.Ok ? 0 : 1;
        }
        catch (Exception e) when (e is TimeoutException or WebDriverException or Npga.Live.Media.MediaException or InvalidOperationException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        finally
        {
            Directory.Delete(tmp, true);
        }
    }

    /// <summary>One sample of the server process.</summary>
    /// <remarks><see cref="HeapMb"/> is the managed heap after the last collection of any kind (dead objects of older
    /// generations count until a full one), <see cref="FragmentedMb"/> the free space inside it, <see cref="FullCollections"/>
    /// the full (generation 2) collections so far.</remarks>
    private sealed record Sample(double Seconds, double RssMb, double HeapMb, double CommittedMb, double FragmentedMb, int FullCollections,
        double MallocUsedMb, double MallocFreeMb, int Fds, int Threads, int ServerSessions, int Stages, double?[] PageFps);

    /// <summary>The schedule, the pages and the samples of one run.</summary>
    private sealed class SoakRun
    {
        private readonly LiveBrowser _browser;
        private readonly Uri _url;
        private readonly double _seconds, _sampleSeconds, _period, _lastEventAt;
        private readonly SessionManager _manager;
        private readonly List<Page> _pages = [];
        private readonly List<Sample> _samples = [];
        private readonly Stopwatch _clock = new();

        private readonly bool _fullGc;

        public SoakRun(LiveBrowser browser, Uri url, int pages, double seconds, double sampleSeconds, double? rejoinSeconds, SessionManager manager, bool fullGc)
        {
            _fullGc = fullGc;
            _browser = browser;
            _url = url;
            _seconds = seconds;
            _sampleSeconds = sampleSeconds;
            _manager = manager;
            // Each page leaves and rejoins once a period (a fifth of the run, 15 s to 2 min, unless given; 0: never), the
            // pages' turns spread over the period; none in the last 10% of the run (at least 25 s), so that every page
            // streams at the end.
            _period = rejoinSeconds switch { null => Math.Clamp(seconds / 5, 15, 120), 0 => double.PositiveInfinity, { } r => r };
            _lastEventAt = seconds - Math.Max(25, 0.1 * seconds);
            for (int i = 0; i < pages; i++) _pages.Add(new Page(i, _period * (1 + i / (double)pages)));
        }

        private double Now => _clock.Elapsed.TotalSeconds;

        public void Execute(CancellationToken ct)
        {
            _clock.Start();
            Console.WriteLine($"npga bench soak: {_pages.Count} pages for {_seconds / 60:0.##} min, {(double.IsFinite(_period) ? $"each rejoining every {_period:0} s (reconnect, reload, new tab in turn) until {_lastEventAt:0} s" : "never rejoining")}; sampling every {_sampleSeconds:0.#} s{(_fullGc ? " after a full collection" : "")}; {LiveBenchSetup.Machine}");
            foreach (var p in _pages) Open(p);
            var header = new StringBuilder($"{"t s",7} {"RSS MB",8} {"heap MB",8} {"GC MB",7} {"frag",6} {"gen2",5} {"malloc",7} {"free",6} {"fds",5} {"threads",7} {"sessions",8} {"stages",6}");
            foreach (var p in _pages) header.Append($" {$"p{p.Index} fps",7}");
            Console.WriteLine(header);
            double nextSample = 0;
            while (Now < _seconds && !ct.IsCancellationRequested)
            {
                foreach (var p in _pages)
                {
                    Poll(p);
                    if (p.Streaming && Now >= p.NextEventAt && p.NextEventAt <= _lastEventAt) Rejoin(p);
                }
                if (Now >= nextSample)
                {
                    TakeSample();
                    while (nextSample <= Now) nextSample += _sampleSeconds;
                }
                Thread.Sleep(TimeSpan.FromSeconds(Math.Clamp(Math.Min(nextSample, _seconds) - Now, 0, 1)));
            }
            foreach (var p in _pages) Poll(p);
            if (Now - _samples[^1].Seconds >= _sampleSeconds / 2) TakeSample();
        }

        private void Open(Page p)
        {
            var old = p.Tab;
            try
            {
                p.Tab = _browser.Open(_url, window: true); // a window each (a tab behind another stamps no frame code); the new one first: closing a browser's last window ends it
                old?.Close();
            }
            catch (WebDriverException e)
            {
                p.Error(Now, $"could not open a tab: {First(e.Message)}");
            }
            p.PageGeneration++;
            p.StartJoin(Now, null);
        }

        /// <summary>The page's turn to leave and rejoin: a hub reconnect, a reload, or a new tab, in turn.</summary>
        private void Rejoin(Page p)
        {
            var kind = p.Events % 3;
            p.Events++;
            p.NextEventAt += _period;
            try
            {
                switch (kind)
                {
                    case 0:
                        var key = p.CurrentKey;
                        p.Tab!.Eval("document.getElementById('toggle').click()"); // Stop: closes the session and the hub connection
                        var until = Now + 15;
                        while (Now < until && p.Tab.Eval("window.npgaTest.state") is { } s && s.GetString() != "idle") Thread.Sleep(100);
                        if (p.Tab.Eval("window.npgaTest.state")?.GetString() != "idle") p.Error(Now, "the page did not stop within 15 s");
                        p.Tab.Eval("document.getElementById('toggle').click()"); // Start: a new hub connection and session
                        p.Reconnects++;
                        p.StartJoin(Now, key);
                        break;
                    case 1:
                        p.Tab!.Reload();
                        p.Reloads++;
                        p.PageGeneration++;
                        p.StartJoin(Now, null);
                        break;
                    default:
                        p.Reopens++;
                        Open(p);
                        break;
                }
            }
            catch (WebDriverException e)
            {
                p.Error(Now, $"rejoin failed: {First(e.Message)}");
                Open(p);
            }
        }

        /// <summary>Reads the page's state: its frame count and new latencies; notes joins, stalls and ends.</summary>
        private void Poll(Page p)
        {
            if (p.Tab is null) return;
            JsonElement? st;
            try
            {
                st = p.Tab.Eval(PollScript);
            }
            catch (WebDriverException e)
            {
                p.Error(Now, $"page unreadable: {First(e.Message)}");
                Open(p);
                return;
            }
            double now = Now;
            if (st is not { } s) { CheckJoinTimeout(p, now, null); return; }
            string state = s.GetProperty("state").GetString() ?? "";
            string? error = s.TryGetProperty("error", out var er) && er.ValueKind == JsonValueKind.String ? er.GetString() : null;
            long frames = s.GetProperty("frames").GetInt64();
            var key = (p.PageGeneration, s.GetProperty("arr").GetInt32());
            foreach (var l in s.GetProperty("lat").EnumerateArray()) p.Latencies.Add(l.GetDouble());
            if (!p.Streaming)
            {
                if (key != p.OldKey && frames > 0 && state == "connected")
                {
                    p.Streaming = true;
                    p.CurrentKey = key;
                    p.Joins++;
                    p.JoinSeconds.Add(now - p.JoinStartedAt);
                    p.LastFrames = frames;
                    p.LastFrameAt = p.LastPollAt = now;
                    p.Stalled = false;
                }
                else if (state is "busy" or "error" or "ended")
                {
                    p.Error(now, $"join failed: {state}{(error is null ? "" : $" ({error})")}");
                    Reload(p);
                }
                else CheckJoinTimeout(p, now, state);
                return;
            }
            if (state != "connected")
            {
                p.Error(now, $"session ended by itself: {state}{(error is null ? "" : $" ({error})")}");
                Reload(p);
                return;
            }
            if (frames > p.LastFrames)
            {
                double dt = now - p.LastPollAt;
                if (dt >= 0.5) p.Fps.Add((frames - p.LastFrames) / dt);
                p.WindowFrames += frames - p.LastFrames;
                p.WindowSeconds += dt;
                if (p.Stalled) Console.WriteLine($"  p{p.Index}: frames again at {now:0} s");
                p.Stalled = false;
                p.LastFrames = frames;
                p.LastFrameAt = now;
            }
            else
            {
                p.WindowSeconds += now - p.LastPollAt;
                if (!p.Stalled && now - p.LastFrameAt > StallSeconds)
                {
                    p.Stalled = true;
                    p.Error(now, $"stream stopped: no new frame for {now - p.LastFrameAt:0} s");
                }
            }
            p.LastPollAt = now;
        }

        private void CheckJoinTimeout(Page p, double now, string? state)
        {
            if (now - p.JoinStartedAt <= JoinTimeoutSeconds) return;
            p.Error(now, $"join failed: no avatar frame within {JoinTimeoutSeconds:0} s (page state {state ?? "none"})");
            Reload(p);
        }

        private void Reload(Page p)
        {
            try
            {
                p.Tab!.Reload();
                p.PageGeneration++;
                p.StartJoin(Now, null);
            }
            catch (WebDriverException e)
            {
                p.Error(Now, $"reload failed: {First(e.Message)}");
                Open(p);
            }
        }

        private void TakeSample()
        {
            if (_fullGc)
            {
                GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            }
            var (rss, threads) = ReadStatus();
            int fds = Directory.GetFiles("/proc/self/fd").Length;
            var gc = GC.GetGCMemoryInfo();
            double heap = gc.HeapSizeBytes / 1048576.0, committed = gc.TotalCommittedBytes / 1048576.0, fragmented = gc.FragmentedBytes / 1048576.0;
            int fullCollections = GC.CollectionCount(2);
            var (mallocUsed, mallocFree) = Malloc();
            var fps = _pages.Select(p => p.WindowSeconds > 0 ? p.WindowFrames / p.WindowSeconds : (double?)null).ToArray();
            foreach (var p in _pages) p.WindowFrames = p.WindowSeconds = 0;
            var sample = new Sample(Math.Round(Now, 1), rss, heap, committed, fragmented, fullCollections, mallocUsed, mallocFree, fds, threads, _manager.SlotsInUse, _manager.StagesBuilt, fps);
            _samples.Add(sample);
            var row = new StringBuilder($"{sample.Seconds,7:F0} {rss,8:F1} {heap,8:F1} {committed,7:F1} {fragmented,6:F1} {fullCollections,5} {mallocUsed,7:F1} {mallocFree,6:F1} {fds,5} {threads,7} {sample.ServerSessions,8} {sample.Stages,6}");
            for (int i = 0; i < _pages.Count; i++) row.Append($" {(fps[i] is { } f ? f.ToString("F1", CultureInfo.InvariantCulture) : _pages[i].Streaming ? "-" : "join"),7}");
            Console.WriteLine(row);
        }

        /// <summary>
        /// glibc's malloc over all its arenas (<c>mallinfo2</c>): bytes in use (small blocks and mmapped ones) and bytes
        /// free inside its heaps (held, not returned to the system), MB; NaN where there is no glibc 2.33 or later.
        /// </summary>
        private static (double InUseMb, double FreeMb) Malloc()
        {
            try
            {
                if (!OperatingSystem.IsLinux()) return (double.NaN, double.NaN);
                var m = MallInfo2();
                return ((m.Uordblks + m.Hblkhd) / 1048576.0, m.Fordblks / 1048576.0);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                return (double.NaN, double.NaN);
            }
        }

        /// <summary>Whether jemalloc serves this process's malloc (mapped, as <c>LD_PRELOAD</c> does it): glibc's <c>mallinfo2</c> then sees only its own idle arenas.</summary>
        private static bool JemallocLoaded()
        {
            try
            {
                return OperatingSystem.IsLinux() && File.ReadLines("/proc/self/maps").Any(l => l.Contains("libjemalloc", StringComparison.Ordinal));
            }
            catch (IOException)
            {
                return false;
            }
        }

        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "mallinfo2")]
        private static extern MallInfo2Struct MallInfo2();

        [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
        private struct MallInfo2Struct
        {
            public nuint Arena, Ordblks, Smblks, Hblks, Hblkhd, Usmblks, Fsmblks, Uordblks, Fordblks, Keepcost;
        }

        /// <summary>VmRSS (MB) and Threads from /proc/self/status.</summary>
        private static (double RssMb, int Threads) ReadStatus()
        {
            double rss = double.NaN;
            int threads = 0;
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    rss = double.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0; // kB
                else if (line.StartsWith("Threads:", StringComparison.Ordinal))
                    threads = int.Parse(line[8..].Trim(), CultureInfo.InvariantCulture);
            }
            return (rss, threads);
        }

        public SoakResult Summarize(string avatar, string driving)
        {
            double end = Now;
            foreach (var p in _pages) p.StreamingAtEnd = p.Streaming && !p.Stalled && end - p.LastFrameAt <= StallSeconds + 2;
            var after = _samples.Where(s => s.Seconds >= WarmupShare * _seconds).ToList();
            var (rssSlope, rssSe) = Slope(after.Select(s => (s.Seconds / 60, s.RssMb)).ToList());
            var (heapSlope, heapSe) = Slope(after.Select(s => (s.Seconds / 60, s.HeapMb)).ToList());
            var (nativeSlope, nativeSe) = Slope(after.Select(s => (s.Seconds / 60, s.RssMb - s.CommittedMb)).ToList());
            var (committedSlope, committedSe) = Slope(after.Select(s => (s.Seconds / 60, s.CommittedMb)).ToList());
            var (mallocSlope, mallocSe) = Slope(after.Select(s => (s.Seconds / 60, s.MallocUsedMb)).ToList());
            var (freeSlope, freeSe) = Slope(after.Select(s => (s.Seconds / 60, s.MallocFreeMb)).ToList());
            var pages = _pages.Select(p => new SoakPageResult(
                p.Index, p.Joins, p.Reconnects, p.Reloads, p.Reopens,
                R(Statistics.Median(p.JoinSeconds), 1), R(p.JoinSeconds.DefaultIfEmpty(double.NaN).Max(), 1),
                R(Statistics.Median(p.Fps), 1), R(Statistics.Median(p.Latencies), 1), R(Statistics.Percentile(p.Latencies, 95), 1), p.Latencies.Count,
                p.Errors.Count, p.StreamingAtEnd, p.Errors)).ToList();
            var first = _samples[0];
            var last = _samples[^1];
            var result = new SoakResult(
                LiveBenchSetup.Machine, avatar, driving, R(end / 60, 2), _pages.Count, _samples.Count, after.Count,
                R(first.RssMb, 1), R(last.RssMb, 1), R(_samples.Max(s => s.RssMb), 1), R(rssSlope, 3), R(rssSe, 3),
                R(first.HeapMb, 1), R(last.HeapMb, 1), R(heapSlope, 3), R(heapSe, 3), R(last.CommittedMb, 1), R(committedSlope, 3), R(committedSe, 3), last.FullCollections - first.FullCollections,
                R(nativeSlope, 3), R(nativeSe, 3), R(mallocSlope, 3), R(mallocSe, 3), R(freeSlope, 3), R(freeSe, 3),
                first.Fds, last.Fds, _samples.Max(s => s.Fds), first.Threads, last.Threads, _samples.Max(s => s.Threads),
                after.Count > 0 ? after[0].Fds : 0, after.Count > 0 ? after.Min(s => s.Fds) : 0, after.Count > 0 ? after[0].Threads : 0, after.Count > 0 ? after.Min(s => s.Threads) : 0,
                _manager.SessionsStarted, _manager.SessionsEnded, last.ServerSessions, _manager.StagesBuilt,
                pages, pages.Sum(p => p.Errors), pages.All(p => p.StreamingAtEnd) && pages.All(p => p.Errors == 0));

            Console.WriteLine();
            Console.WriteLine($"npga bench soak: {driving} -> {avatar}, {result.Pages} pages, {result.Minutes:0.##} min, {result.Machine}");
            Console.WriteLine($"  RSS                 {result.RssFirstMb:F1} MB first, {result.RssLastMb:F1} last, {result.RssMaxMb:F1} max; slope after the first {WarmupShare:P0}: {result.RssSlopeMbPerMin:+0.000;-0.000} ± {result.RssSlopeSe:F3} MB/min ({after.Count} samples)");
            Console.WriteLine($"  managed heap        {result.HeapFirstMb:F1} MB first, {result.HeapLastMb:F1} last; slope {result.HeapSlopeMbPerMin:+0.000;-0.000} ± {result.HeapSlopeSe:F3} MB/min (after the last collection; {result.FullCollections} full collections in the run)");
            Console.WriteLine($"  GC committed        {result.GcCommittedLastMb:F1} MB at the end; slope {result.GcCommittedSlopeMbPerMin:+0.000;-0.000} ± {result.GcCommittedSlopeSe:F3} MB/min");
            Console.WriteLine($"  RSS outside the GC  slope {result.OutsideGcSlopeMbPerMin:+0.000;-0.000} ± {result.OutsideGcSlopeSe:F3} MB/min (RSS less what the GC has committed: native heaps, code, stacks)");
            if (JemallocLoaded())
                Console.WriteLine("  malloc              jemalloc (preloaded by scripts/npga): glibc's figures do not apply");
            else
                Console.WriteLine($"  malloc (glibc)      in use {last.MallocUsedMb:F1} MB at the end, slope {result.MallocInUseSlopeMbPerMin:+0.000;-0.000} ± {result.MallocInUseSlopeSe:F3} MB/min; free inside its heaps {last.MallocFreeMb:F1} MB, slope {result.MallocFreeSlopeMbPerMin:+0.000;-0.000} ± {result.MallocFreeSlopeSe:F3} MB/min");
            Console.WriteLine($"  file descriptors    {result.FdsFirst} first, {result.FdsLast} last, {result.FdsMax} max; after the warm-up {result.FdsAfterWarmupFirst} first, {result.FdsAfterWarmupMin} min");
            Console.WriteLine($"  threads             {result.ThreadsFirst} first, {result.ThreadsLast} last, {result.ThreadsMax} max; after the warm-up {result.ThreadsAfterWarmupFirst} first, {result.ThreadsAfterWarmupMin} min");
            Console.WriteLine($"  server sessions     {result.SessionsStarted} started, {result.SessionsEnded} ended, {result.SessionsAtEnd} at the end; {result.StagesBuilt} tracker/avatar stage pairs built (the pool keeps one per session that ever ran at once)");
            Console.WriteLine($"  {"page",-4} {"joins",5} {"reconn",6} {"reload",6} {"new tab",7} {"join s",6} {"fps",6} {"lat ms",7} {"p95 ms",7} {"errors",6}  streaming at end");
            foreach (var p in pages)
                Console.WriteLine($"  p{p.Index,-3} {p.Joins,5} {p.Reconnects,6} {p.Reloads,6} {p.NewTabs,7} {p.JoinSecondsMedian,6:F1} {p.FpsMedian,6:F1} {p.LatencyMsMedian,7:F0} {p.LatencyMsP95,7:F0} {p.Errors,6}  {(p.StreamingAtEnd ? "yes" : "NO")}");
            foreach (var p in pages)
                foreach (var e in p.ErrorList) Console.WriteLine($"  error p{p.Index}: {e}");
            Console.WriteLine(result.Ok ? "  ok: every page streamed to the end, no errors" : "  FAILED: errors, or a page not streaming at the end");
            return result;
        }

        public string Csv()
        {
            var sb = new StringBuilder("seconds,rss_mb,heap_mb,gc_committed_mb,gc_fragmented_mb,gen2_collections,malloc_in_use_mb,malloc_free_mb,fds,threads,server_sessions,stages_built");
            foreach (var p in _pages) sb.Append($",p{p.Index}_fps");
            sb.Append('\n');
            foreach (var s in _samples)
            {
                sb.Append(FormattableString.Invariant($"{s.Seconds},{s.RssMb:F1},{s.HeapMb:F1},{s.CommittedMb:F1},{s.FragmentedMb:F1},{s.FullCollections},{s.MallocUsedMb:F1},{s.MallocFreeMb:F1},{s.Fds},{s.Threads},{s.ServerSessions},{s.Stages}"));
                foreach (var f in s.PageFps) sb.Append(',').Append(f is { } v ? v.ToString("F2", CultureInfo.InvariantCulture) : "");
                sb.Append('\n');
            }
            return sb.ToString();
        }

        /// <summary>
        /// The page's state, frame count and the latencies not read before. The page's latency array is its session's
        /// (a new one each join); the script tags each with a number and remembers on it how far it was read.
        /// </summary>
        private const string PollScript = """
            (() => {
              const t = window.npgaTest;
              if (!t) return null;
              const l = t.latencies || [];
              if (l.__soakId === undefined) l.__soakId = window.__soakSeq = (window.__soakSeq || 0) + 1;
              const from = l.__soakRead || 0;
              l.__soakRead = l.length;
              return { state: t.state, error: t.error, frames: t.framesReceived, arr: l.__soakId, lat: l.slice(from) };
            })()
            """;
    }

    /// <summary>Least-squares slope of y on x and its standard error; NaN with fewer than 3 points.</summary>
    internal static (double Slope, double StdErr) Slope(IReadOnlyList<(double X, double Y)> points)
    {
        int n = points.Count;
        if (n < 3) return (double.NaN, double.NaN);
        double mx = points.Average(p => p.X), my = points.Average(p => p.Y);
        double sxx = points.Sum(p => (p.X - mx) * (p.X - mx));
        if (sxx <= 0) return (double.NaN, double.NaN);
        double slope = points.Sum(p => (p.X - mx) * (p.Y - my)) / sxx;
        double rss = points.Sum(p => Math.Pow(p.Y - my - slope * (p.X - mx), 2));
        return (slope, Math.Sqrt(rss / (n - 2) / sxx));
    }

    private static double R(double v, int digits) => double.IsFinite(v) ? Math.Round(v, digits) : double.NaN;

    private static string First(string message) => message.Split('\n')[0];

    /// <summary>One page: its tab, where it is in its schedule, and what it measured.</summary>
    private sealed class Page(int index, double firstEventAt)
    {
        public int Index { get; } = index;
        public LiveTab? Tab { get; set; }
        public int PageGeneration { get; set; }
        public double NextEventAt { get; set; } = firstEventAt;
        public int Events { get; set; }
        public bool Streaming { get; set; }
        public bool Stalled { get; set; }
        public bool StreamingAtEnd { get; set; }
        public (int, int)? OldKey { get; private set; }
        public double JoinStartedAt { get; private set; }
        public long LastFrames { get; set; }
        public double LastFrameAt { get; set; }
        public double LastPollAt { get; set; }
        public double WindowFrames { get; set; }
        public double WindowSeconds { get; set; }
        public int Joins { get; set; }
        public int Reconnects { get; set; }
        public int Reloads { get; set; }
        public int Reopens { get; set; }
        public List<double> JoinSeconds { get; } = [];
        public List<double> Fps { get; } = [];
        public List<double> Latencies { get; } = [];
        public List<string> Errors { get; } = [];

        /// <summary>The (page generation, latency array) of the session streaming now.</summary>
        public (int, int) CurrentKey { get; set; }

        /// <summary>A join begins: streaming again once a session other than <paramref name="oldKey"/> shows a frame.</summary>
        public void StartJoin(double now, (int, int)? oldKey)
        {
            Streaming = false;
            Stalled = false;
            OldKey = oldKey ?? (PageGeneration, -1);
            JoinStartedAt = now;
        }

        public void Error(double now, string what)
        {
            var line = $"{now:0} s: {what}";
            Errors.Add(line);
            Console.WriteLine($"  p{Index}: {what} ({now:0} s)");
        }
    }

    /// <summary>The figures of one run (<c>--report</c>).</summary>
    internal sealed record SoakResult(
        string Machine, string Avatar, string Driving, double Minutes, int Pages, int Samples, int SamplesAfterWarmup,
        double RssFirstMb, double RssLastMb, double RssMaxMb, double RssSlopeMbPerMin, double RssSlopeSe,
        double HeapFirstMb, double HeapLastMb, double HeapSlopeMbPerMin, double HeapSlopeSe,
        double GcCommittedLastMb, double GcCommittedSlopeMbPerMin, double GcCommittedSlopeSe, int FullCollections, double OutsideGcSlopeMbPerMin, double OutsideGcSlopeSe,
        double MallocInUseSlopeMbPerMin, double MallocInUseSlopeSe, double MallocFreeSlopeMbPerMin, double MallocFreeSlopeSe,
        int FdsFirst, int FdsLast, int FdsMax, int ThreadsFirst, int ThreadsLast, int ThreadsMax,
        int FdsAfterWarmupFirst, int FdsAfterWarmupMin, int ThreadsAfterWarmupFirst, int ThreadsAfterWarmupMin,
        long SessionsStarted, long SessionsEnded, int SessionsAtEnd, int StagesBuilt,
        IReadOnlyList<SoakPageResult> PageResults, int Errors, bool Ok);

    /// <summary>One page's figures.</summary>
    internal sealed record SoakPageResult(
        int Index, int Joins, int Reconnects, int Reloads, int NewTabs, double JoinSecondsMedian, double JoinSecondsMax,
        double FpsMedian, double LatencyMsMedian, double LatencyMsP95, int LatencySamples, int Errors, bool StreamingAtEnd,
        IReadOnlyList<string> ErrorList);
}
