using System.Diagnostics;
using System.Text.Json.Nodes;
using Npga.Live.Avatar;
using Npga.Live.Avatar.Deform;
using Npga.Live.Core.Gaussians;
using Npga.Live.Rendering;
using Npga.Live.Rendering.Ilgpu;
using Npga.Live.Rendering.Tests;

namespace Npga.Live.GpuCheck;

/// <summary>
/// ILGPU (on CUDA; dry: ILGPU's CPU accelerator) against the SIMD CPU renderer, the reference: every shipped avatar at 512×512 (dry: 64×64, thinned to about 1200 Gaussians)
/// through its default camera (canonical Gaussians frontal, and posed by F/G with a random code and turned 20°), with the
/// package's background and, when it has a CNN, its latent channels; then random hard scenes (off-screen, huge and near
/// Gaussians) of 2k–100k Gaussians at several sizes. PSNR (peak 1) on RGB and on the latents, and the largest absolute
/// difference over all channels; a case passes at ≥ 50 dB on both.
/// </summary>
internal static class ParityPart
{
    private const double MinDb = 50;

    public static int Run(CheckOptions o, PartReport r)
    {
        using var gpu = Devices.Ilgpu(o.Dry);
        using var cpu = new CpuGaussianRenderer();
        r.Set("renderer", GaussianRenderers.Describe(gpu));
        r.Set("reference", GaussianRenderers.Describe(cpu));
        r.Set("min_db", MinDb);
        r.Line($"parity: {GaussianRenderers.Describe(gpu)} against {GaussianRenderers.Describe(cpu)}; pass at >= {MinDb} dB (RGB and latents)");
        int size = o.Dry ? 64 : 512;
        int cases = 0, failed = 0;
        double worst = double.PositiveInfinity;
        bool outOfTime = false;

        void Case(string kind, string name, GaussianCloud cloud, Camera camera, int latent, float[] background)
        {
            if (r.Elapsed > o.BudgetSeconds) { outOfTime = true; return; }
            var expected = new RenderTarget(camera.Width, camera.Height, latent) { Background = background };
            var actual = new RenderTarget(camera.Width, camera.Height, latent) { Background = background };
            var sw = Stopwatch.StartNew();
            cpu.Render(cloud, camera, expected);
            double cpuMs = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            gpu.Render(cloud, camera, actual);
            double gpuFirstMs = sw.Elapsed.TotalMilliseconds;
            double gpuMs = gpuFirstMs;
            if (!o.Dry)
            {
                // Time a second render: the first of a size grows the device buffers.
                sw.Restart();
                gpu.Render(cloud, camera, actual);
                gpuMs = sw.Elapsed.TotalMilliseconds;
            }
            double rgb = Measure.Psnr(expected, actual, 0, 3);
            double lat = latent > 0 ? Measure.Psnr(expected, actual, 3, expected.Channels) : double.PositiveInfinity;
            double maxAbs = Measure.MaxAbs(expected, actual);
            bool pass = rgb >= MinDb && lat >= MinDb;
            cases++;
            if (!pass) failed++;
            worst = Math.Min(worst, Math.Min(rgb, lat));
            r.Add(new JsonObject
            {
                ["kind"] = kind, ["name"] = name, ["gaussians"] = cloud.Count, ["width"] = camera.Width, ["height"] = camera.Height,
                ["latent_channels"] = latent, ["psnr_rgb_db"] = PartReport.Num(rgb, 2), ["psnr_latent_db"] = PartReport.Num(lat, 2),
                ["max_abs_diff"] = PartReport.Num(maxAbs, 9), ["visible"] = gpu.LastTimings.Visible, ["tile_instances"] = gpu.LastTimings.TileInstances,
                ["cpu_ms"] = PartReport.Num(cpuMs, 2), ["ilgpu_ms"] = PartReport.Num(gpuMs, 2), ["pass"] = pass,
            });
            r.Line($"  {(pass ? "ok  " : "FAIL")} {kind} {name}: {cloud.Count} Gaussians {camera.Width}x{camera.Height} L={latent}: PSNR rgb {Db(rgb)}, latent {Db(lat)}, " +
                   $"max |diff| {maxAbs:0.00e+0}; cpu {cpuMs:F1} ms, ilgpu {gpuMs:F1} ms");
        }

        foreach (var dir in Avatars.Folders(o.AvatarsDir))
        {
            var package = Avatars.Load(dir, o.Dry);
            string name = Path.GetFileName(dir);
            int latent = package.HasCnn ? package.Manifest.LatentDim : 0;
            var bg = Avatars.Background(package);
            var camera = package.Manifest.DefaultCamera.ToCamera().Resized(size, size);
            Case("avatar", name + " canonical, frontal", package.Canonical, camera, latent, bg);
            using var dynamics = new AvatarDynamics(package);
            var posed = dynamics.CreatePosedCloud();
            dynamics.Pose(Measure.Codes(1, package.Manifest.ExpressionModel.K, 11)[0], [1, 0, 0, 0, 1, 0, 0, 0, 1], [0, 0, 0], posed);
            Case("avatar", name + " posed (random code), yaw 20", posed, camera.Orbited(20, 5), latent, bg);
        }

        (int N, int W, int H, int Latent, int Seed, bool AvatarLike)[] scenes = o.Dry
            ? [(2000, 64, 48, 4, 5, false), (600, 33, 29, 0, 4, false), (3000, 55, 80, 4, 21, true)]
            : [(20000, 512, 512, 8, 5, false), (3000, 128, 96, 11, 3, false), (2000, 77, 61, 0, 4, false), (100_000, 550, 802, 4, 21, true), (100_000, 512, 512, 4, 22, false)];
        foreach (var (n, w, h, latent, seed, avatarLike) in scenes)
        {
            var rng = new Random(seed);
            var camera = Camera.Orbit(w, h, 0.45 + 0.3 * rng.NextDouble(), -60 + 120 * rng.NextDouble(), -30 + 60 * rng.NextDouble(), 30);
            var cloud = avatarLike ? Scenes.AvatarLike(n, 3, 2, Math.Max(latent, 1), seed) : TestScenes.RandomScene(n, 3, Math.Max(latent, 1), seed, camera);
            Case("random", avatarLike ? $"avatar-like seed {seed}" : $"hard seed {seed}", cloud, camera, latent, [0.1f, 0.5f, 0.9f]);
        }

        CrossThread(o, r, size);

        string headline = $"{cases - failed} of {cases} cases >= {MinDb} dB, worst {Db(worst)}" + (outOfTime ? " (stopped at the time budget)" : "");
        r.Set("cases", cases);
        r.Set("failed", failed);
        r.Set("worst_db", PartReport.Num(worst, 2));
        r.Finish(failed == 0 && cases > 0 ? "ok" : "failed", headline);
        return failed == 0 && cases > 0 ? 0 : 1;
    }

    /// <summary>
    /// Informational, not a parity case: a renderer made on one thread renders on another. ILGPU binds an accelerator (on
    /// CUDA, its context) to the thread that made it and the renderer does not rebind per frame, so a server that moves a
    /// session between threads needs this to work; the result is recorded either way. Both threads are new ones, so the
    /// binding of the part's own renderer to the main thread is left alone.
    /// </summary>
    private static void CrossThread(CheckOptions o, PartReport r, int size)
    {
        var item = new JsonObject { ["kind"] = "cross-thread", ["name"] = "renderer made on one thread, used on another" };
        var camera = Camera.Orbit(size, size, 0.6, 15, 5, 30);
        var cloud = Scenes.AvatarLike(o.Dry ? 500 : 20000, 3, 2, 4, 9);
        var expected = new RenderTarget(size, size, 4);
        var actual = new RenderTarget(size, size, 4);
        IlgpuGaussianRenderer? gpu = null;
        Exception? error = null;
        void OnThread(Action action)
        {
            var thread = new Thread(() =>
            {
                try { action(); }
                catch (Exception e) { error ??= e; }
            });
            thread.Start();
            thread.Join();
        }
        try
        {
            using (var cpu = new CpuGaussianRenderer()) cpu.Render(cloud, camera, expected);
            OnThread(() => gpu = Devices.Ilgpu(o.Dry));
            if (error is null) OnThread(() => gpu!.Render(cloud, camera, actual));
            if (error is not null) throw error;
            double rgb = Measure.Psnr(expected, actual, 0, 3);
            item["psnr_rgb_db"] = PartReport.Num(rgb, 2);
            item["works"] = rgb >= MinDb;
            r.Line($"  info cross-thread: a renderer used from another thread than its own: {(rgb >= MinDb ? "works" : "WRONG IMAGE")} (PSNR rgb {Db(rgb)})");
        }
        catch (Exception e)
        {
            item["works"] = false;
            item["error"] = $"{e.GetType().Name}: {e.Message}";
            r.Line($"  info cross-thread: a renderer used from another thread than its own FAILS: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            if (gpu is not null)
            {
                // Freed on a thread of its own as well; a failure here is recorded, not thrown.
                error = null;
                OnThread(gpu.Dispose);
                if (error is not null) item["dispose_error"] = $"{error.GetType().Name}: {error.Message}";
            }
        }
        r.Set("cross_thread", item);
    }

    private static string Db(double v) => double.IsPositiveInfinity(v) ? "inf (identical)" : $"{v:F1} dB";
}
