using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Npga.Live.Avatar;
using Npga.Live.Avatar.Deform;
using Npga.Live.Core;
using Npga.Live.Core.Gaussians;
using Npga.Live.Rendering;
using Npga.Live.Rendering.Ilgpu;

namespace Npga.Live.GpuCheck;

/// <summary>
/// How many concurrent 512×512 sessions at 30 fps one GPU's renderer holds: N sessions, each its own thread and its own ILGPU
/// renderer (its own CUDA context, created on that thread: ILGPU binds an accelerator to the thread that made it), render
/// different avatars and poses (posed clouds precomputed by F and G, the view turning, latent channels when the avatar has a
/// CNN) as fast as they can for a fixed time; N = 1, 2, 4, 8, 16, 32 until the mean per-session rate (all frames / N /
/// seconds) falls below 30 fps. Sessions persist from step to step (only the new ones are created, at the same time). Render only: F, G and the
/// CNN are not in this figure (on ORT's CPU provider they, not the GPU, bound the sessions).
/// </summary>
internal static class SessionsPart
{
    private const double TargetFps = 30;

    /// <summary>The rate a dry run (ILGPU's CPU accelerator, a few frames a second) counts as holding, so that the steps run.</summary>
    private const double DryTargetFps = 0.5;

    public static int Run(CheckOptions o, PartReport r)
    {
        int size = o.Dry ? 32 : 512;
        double seconds = o.StepSeconds ?? (o.Dry ? 1 : 10);
        int max = o.MaxSessions ?? (o.Dry ? 2 : 32);
        double target = o.Dry ? DryTargetFps : TargetFps;
        var clouds = PosedClouds(o, poses: o.Dry ? 2 : 6);
        r.Set("size", $"{size}x{size}");
        r.Set("step_seconds", seconds);
        r.Set("target_fps", target);
        r.Set("avatars", new JsonArray(clouds.Select(c => (JsonNode)c.Name).ToArray()));
        r.Line($"sessions: {size}x{size}, {seconds} s per step, each session its own thread and ILGPU renderer ({Devices.IlgpuName(o.Dry)}); " +
               $"avatars {string.Join(", ", clouds.Select(c => c.Name))}, {clouds[0].Poses.Length} poses each; holds when frames / N / s >= {target}");
        var workers = new List<Worker>();
        int largestHeld = 0;
        double perCreateSeconds = 3;
        string stop = $"reached N = {max}";
        try
        {
            for (int n = 1; n <= max; n *= 2)
            {
                int adding = n - workers.Count;
                if (workers.Count > 0 && r.Elapsed + seconds + adding * perCreateSeconds > o.BudgetSeconds)
                {
                    stop = $"stopped before N = {n}: the time budget ({o.BudgetSeconds:F0} s) would be passed";
                    break;
                }
                var sw = Stopwatch.StartNew();
                try
                {
                    AddSessions(workers, n, clouds, o.Dry, size);
                }
                catch (Exception e) when (workers.Count > 0 || e is not CudaUnavailableException)
                {
                    r.Add(new JsonObject { ["sessions"] = n, ["error"] = $"creating session {workers.Count + 1}: {e.GetType().Name}: {e.Message}" });
                    stop = $"creating session {workers.Count + 1} failed: {e.GetType().Name}: {e.Message}";
                    r.Line("  " + stop);
                    break;
                }
                double createMs = sw.Elapsed.TotalMilliseconds;
                perCreateSeconds = Math.Max(0.1, createMs / 1000 / adding);
                var results = Step(workers, seconds);
                var errors = results.Where(x => x.Error is not null).Select(x => x.Error!).Distinct().ToArray();
                double total = results.Sum(x => x.Frames);
                double wall = results.Max(x => x.Seconds);
                double mean = total / n / Math.Max(wall, 1e-9);
                double min = results.Min(x => x.Frames / Math.Max(x.Seconds, 1e-9));
                var ms = results.SelectMany(x => x.FrameMs).ToArray();
                bool holds = errors.Length == 0 && mean >= target;
                r.Add(new JsonObject
                {
                    ["sessions"] = n, ["frames"] = (int)total, ["seconds"] = PartReport.Num(wall, 2), ["aggregate_fps"] = PartReport.Num(total / wall, 1),
                    ["mean_session_fps"] = PartReport.Num(mean, 1), ["min_session_fps"] = PartReport.Num(min, 1),
                    ["frame_ms_median"] = PartReport.Num(Statistics.Median(ms), 3), ["frame_ms_p90"] = PartReport.Num(Statistics.Percentile(ms, 90), 3),
                    ["frame_ms_p99"] = PartReport.Num(Statistics.Percentile(ms, 99), 3), ["create_ms"] = PartReport.Num(createMs, 0), ["holds"] = holds,
                    ["errors"] = errors.Length == 0 ? null : new JsonArray(errors.Select(e => (JsonNode)e).ToArray()),
                });
                r.Line($"  N = {n,2}: {total / wall,8:F1} fps in all, {mean,7:F1} per session (min {min:F1}), frame median {Statistics.Median(ms):F2} ms " +
                       $"p90 {Statistics.Percentile(ms, 90):F2} ms; {(holds ? "holds" : "does not hold")}{(errors.Length > 0 ? "; errors: " + string.Join(" | ", errors) : "")} " +
                       $"(new sessions made in {createMs:F0} ms)");
                if (!holds)
                {
                    stop = errors.Length > 0 ? $"errors at N = {n}" : $"N = {n} falls below {target} fps per session";
                    break;
                }
                largestHeld = n;
            }
        }
        finally
        {
            foreach (var w in workers) w.Dispose();
        }
        r.Set("largest_n_held", largestHeld);
        r.Set("stop", stop);
        bool measured = ((System.Text.Json.Nodes.JsonArray)r.Root["items"]!).OfType<JsonObject>().Any(i => i["errors"] is null && i["error"] is null);
        r.Finish(measured ? "ok" : "failed", $"largest N holding {target} fps per session at {size}x{size} (render only): {largestHeld} ({stop})");
        return 0;
    }

    /// <summary>
    /// Adds sessions until there are <paramref name="n"/>: the new ones make their renderers at the same time, each on its own
    /// thread (contexts and kernel compilation are independent per ILGPU context); any that fails is made again alone.
    /// </summary>
    private static void AddSessions(List<Worker> workers, int n, List<AvatarPoses> clouds, bool dry, int size)
    {
        Worker Make(int i)
        {
            var a = clouds[i % clouds.Count];
            return new Worker(i, dry, a.Name, a.Poses, a.Latent, a.Background, a.Camera.Resized(size, size));
        }
        var fresh = Enumerable.Range(workers.Count, n - workers.Count).Select(Make).ToList();
        try
        {
            for (int k = 0; k < fresh.Count; k++)
            {
                try
                {
                    fresh[k].Ready.GetAwaiter().GetResult();
                }
                catch (Exception e) when (e is not CudaUnavailableException)
                {
                    fresh[k].Dispose();
                    fresh[k] = Make(fresh[k].Index);
                    fresh[k].Ready.GetAwaiter().GetResult();
                }
                workers.Add(fresh[k]);
            }
        }
        catch
        {
            foreach (var w in fresh.Where(x => !workers.Contains(x))) w.Dispose();
            throw;
        }
    }

    private sealed record AvatarPoses(string Name, GaussianCloud[] Poses, int Latent, float[] Background, Camera Camera);

    /// <summary>For every avatar, <paramref name="poses"/> posed clouds (random codes through F and G, one ORT thread).</summary>
    private static List<AvatarPoses> PosedClouds(CheckOptions o, int poses)
    {
        var list = new List<AvatarPoses>();
        foreach (var dir in Avatars.Folders(o.AvatarsDir))
        {
            var package = Avatars.Load(dir, o.Dry);
            using var dynamics = new AvatarDynamics(package);
            var codes = Measure.Codes(poses, package.Manifest.ExpressionModel.K, list.Count + 30);
            var clouds = new GaussianCloud[poses];
            for (int p = 0; p < poses; p++)
            {
                clouds[p] = dynamics.CreatePosedCloud();
                dynamics.Pose(codes[p], [1, 0, 0, 0, 1, 0, 0, 0, 1], [0, 0, 0], clouds[p]);
            }
            list.Add(new AvatarPoses(Path.GetFileName(dir), clouds, package.HasCnn ? package.Manifest.LatentDim : 0, Avatars.Background(package),
                package.Manifest.DefaultCamera.ToCamera()));
        }
        if (list.Count == 0) throw new DirectoryNotFoundException($"no avatar packages under {o.AvatarsDir}");
        return list;
    }

    private sealed record StepResult(int Frames, double Seconds, double[] FrameMs, string? Error);

    /// <summary>Every worker renders for <paramref name="seconds"/> from a common start.</summary>
    private static StepResult[] Step(List<Worker> workers, double seconds)
    {
        using var start = new Barrier(workers.Count + 1);
        var tasks = workers.Select(w => w.RunAsync(start, seconds)).ToArray();
        start.SignalAndWait();
        Task.WaitAll(tasks);
        return tasks.Select(t => t.Result).ToArray();
    }

    /// <summary>
    /// One session: a thread that owns an ILGPU renderer (made on that thread) and a 512×512 target, and runs the work posted
    /// to it one item at a time.
    /// </summary>
    private sealed class Worker : IDisposable
    {
        private readonly BlockingCollection<Action> _work = new();
        private readonly Thread _thread;
        private readonly int _index;
        private readonly GaussianCloud[] _poses;
        private readonly RenderTarget _target;
        private readonly Camera _camera;
        private IlgpuGaussianRenderer? _renderer;

        public Worker(int index, bool dry, string avatar, GaussianCloud[] poses, int latent, float[] background, Camera camera)
        {
            _index = index;
            _poses = poses;
            _target = new RenderTarget(camera.Width, camera.Height, latent) { Background = background };
            _camera = camera;
            _thread = new Thread(Loop) { IsBackground = true, Name = $"session-{index}-{avatar}" };
            _thread.Start();
            var made = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Ready = made.Task;
            _work.Add(() =>
            {
                try
                {
                    _renderer = Devices.Ilgpu(dry);
                    // One frame: the buffers grow to this size, the kernels are loaded.
                    _renderer.Render(_poses[0], _camera, _target);
                    made.SetResult();
                }
                catch (Exception e) { made.SetException(e); }
            });
        }

        /// <summary>The session's number (its avatar, poses and view phase follow from it).</summary>
        public int Index => _index;

        /// <summary>Completes when the renderer is made and has drawn one frame; faults with what went wrong.</summary>
        public Task Ready { get; }

        public Task<StepResult> RunAsync(Barrier start, double seconds)
        {
            var done = new TaskCompletionSource<StepResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            _work.Add(() =>
            {
                var ms = new List<double>();
                start.SignalAndWait();
                var clock = Stopwatch.StartNew();
                string? error = null;
                try
                {
                    while (clock.Elapsed.TotalSeconds < seconds)
                    {
                        int f = ms.Count;
                        long t0 = Stopwatch.GetTimestamp();
                        _renderer!.Render(_poses[(f / 3 + _index) % _poses.Length], _camera.Orbited(25 * Math.Sin(0.07 * f + _index), 8 * Math.Cos(0.05 * f + 2 * _index)), _target);
                        ms.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                    }
                }
                catch (Exception e) { error = $"{e.GetType().Name}: {e.Message}"; }
                done.SetResult(new StepResult(ms.Count, clock.Elapsed.TotalSeconds, ms.ToArray(), error));
            });
            return done.Task;
        }

        private void Loop()
        {
            foreach (var action in _work.GetConsumingEnumerable()) action();
            _renderer?.Dispose();
        }

        public void Dispose()
        {
            _work.CompleteAdding();
            _thread.Join(TimeSpan.FromSeconds(10));
        }
    }
}
