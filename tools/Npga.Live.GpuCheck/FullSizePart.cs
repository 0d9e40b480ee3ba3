using System.Diagnostics;
using System.Text.Json.Nodes;
using Npga.Live.Avatar;
using Npga.Live.Avatar.Deform;
using Npga.Live.Core;
using Npga.Live.Core.Gaussians;
using Npga.Live.Pipeline;
using Npga.Live.Rendering;

namespace Npga.Live.GpuCheck;

/// <summary>
/// NPGA's full size: 100k Gaussians (SH degree 3), F and G of 6 hidden layers × 256 units, and the screen-space CNN. The
/// networks come from the fixture package (scripts/testdata/make_avatar_fixture.py, random weights, made by pack.sh); its
/// Gaussians are replaced by 100k avatar-like ones (<see cref="Scenes.AvatarLike"/>) and the package is saved to a temporary
/// folder and loaded back. Reported separately: render only (the ILGPU renderer on the posed 100k cloud with the latent
/// channels, and the CPU renderer for comparison) and the whole frame (deform on ORT's CPU provider with every core, ILGPU
/// render, CNN), at 550×802 and 512×512. On the CPU provider F and G of 6×256 at 100k dominate the frame.
/// </summary>
internal static class FullSizePart
{
    public static int Run(CheckOptions o, PartReport r)
    {
        if (o.FixtureDir is null || !File.Exists(Path.Combine(o.FixtureDir, AvatarManifest.FileName)))
        {
            r.Finish("error", $"no fixture package (--fixture {o.FixtureDir ?? "not given"}); pack.sh makes it");
            return 1;
        }
        int n = o.Dry ? 3000 : 100_000;
        (int W, int H)[] sizes = o.Dry ? [(55, 80), (51, 51)] : [(550, 802), (512, 512)];
        var fixture = AvatarPackage.Load(o.FixtureDir);
        var m = fixture.Manifest;
        var sw = Stopwatch.StartNew();
        var cloud = Scenes.AvatarLike(n, m.ShDegree, m.FeatureDim, m.LatentDim, seed: 100);
        string dir = Path.Combine(Path.GetTempPath(), $"npga-gpu-full-{Environment.ProcessId}");
        try
        {
            AvatarPackage.Save(dir, m with { Name = $"npga-full-size-{n}" }, cloud, o.FixtureDir);
            var package = AvatarPackage.Load(dir);
            r.Line($"full size: {package} (F, G: {m.Metrics?["layers"]}x{m.Metrics?["hidden"]}), built in {sw.Elapsed.TotalSeconds:F1} s");
            r.Set("gaussians", n);
            r.Set("sh_degree", m.ShDegree);
            r.Set("latent_dim", m.LatentDim);
            r.Set("networks", $"F, G: {m.Metrics?["layers"]} hidden layers x {m.Metrics?["hidden"]} units (random weights); CNN: " +
                  (package.HasCnn ? $"the fixture's Conv3x3 {3 + m.LatentDim}->16, ReLU, Conv3x3 16->3" : "none") + "; all on ORT's CPU provider");
            var headline = new List<string>();
            using var gpu = Devices.Ilgpu(o.Dry);
            using var cpu = new CpuGaussianRenderer();

            // One posed cloud (a random code through F and G), rendered alone.
            var posed = PosedCloud(package, o.AllThreads);
            foreach (var (w, h) in sizes)
            {
                foreach (var (name, splatter, secs) in new (string, IGaussianRenderer, double)[] { (Devices.IlgpuName(o.Dry), gpu, o.Dry ? 0.3 : 3), ("cpu", cpu, o.Dry ? 0.3 : 2) })
                {
                    if (r.Elapsed > o.BudgetSeconds) break;
                    var res = RenderOnly(splatter, posed, package, w, h, secs);
                    var item = new JsonObject { ["what"] = "render only", ["renderer"] = name, ["renderer_detail"] = GaussianRenderers.Describe(splatter), ["width"] = w, ["height"] = h };
                    foreach (var kv in res) item[kv.Key] = kv.Value?.DeepClone();
                    r.Add(item);
                    r.Line($"  render only {w}x{h} {name,-12}: {res["fps"]} fps, median {res["render_ms"]} ms (project {res["project_ms"]}, bin+sort {res["bin_sort_ms"]}, " +
                           $"rasterize {res["rasterize_ms"]}), {res["visible"]} visible, {res["tile_instances"]} tile instances");
                    if (w == sizes[0].W && h == sizes[0].H) headline.Add($"render only {w}x{h} {name} {res["fps"]} fps");
                }
            }

            foreach (var (w, h) in sizes)
            {
                if (r.Elapsed > o.BudgetSeconds) break;
                using var fr = new AvatarFrameRenderer(package, w, h, new Borrowed(gpu), useCnn: true, networkThreads: o.AllThreads);
                var res = FrameBench.Run(fr, warmup: o.Dry ? 1 : 2, seconds: o.Dry ? 0.3 : 6, minFrames: 3, maxFrames: o.Dry ? 10 : 60, seed: 2);
                var item = new JsonObject { ["what"] = "full frame", ["renderer"] = Devices.IlgpuName(o.Dry), ["width"] = w, ["height"] = h, ["ort_threads"] = o.AllThreads, ["cnn"] = fr.UsesCnn };
                res.WriteTo(item);
                r.Add(item);
                r.Line($"  full frame  {w}x{h} {Devices.IlgpuName(o.Dry)}, ORT {o.AllThreads} threads: {res}");
                if (w == sizes[0].W && h == sizes[0].H) headline.Add($"full frame {res.Fps:F1} fps (F {res.FMs:F0} ms, G {res.GMs:F0} ms on ORT CPU x{o.AllThreads}, render {res.RenderMs:F2} ms, CNN {res.CnnMs:F1} ms)");
            }
            r.Finish("ok", string.Join("; ", headline));
            return 0;
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static GaussianCloud PosedCloud(AvatarPackage package, int threads)
    {
        using var dynamics = new AvatarDynamics(package, new AvatarDynamicsOptions { IntraOpThreads = threads });
        var posed = dynamics.CreatePosedCloud();
        dynamics.Pose(Measure.Codes(1, package.Manifest.ExpressionModel.K, 5)[0], [1, 0, 0, 0, 1, 0, 0, 0, 1], [0, 0, 0], posed);
        return posed;
    }

    /// <summary>The splatter alone on <paramref name="cloud"/> with the package's latent channels, the view turning: 3 warm-up frames, then <paramref name="seconds"/>.</summary>
    private static JsonObject RenderOnly(IGaussianRenderer splatter, GaussianCloud cloud, AvatarPackage package, int w, int h, double seconds)
    {
        var target = new RenderTarget(w, h, package.HasCnn ? package.Manifest.LatentDim : 0) { Background = Avatars.Background(package) };
        var camera = package.Manifest.DefaultCamera.ToCamera().Resized(w, h);
        for (int f = 0; f < 3; f++) splatter.Render(cloud, Measure.Turning(camera, f), target);
        var t = new List<RenderTimings>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds || t.Count < 3)
        {
            splatter.Render(cloud, Measure.Turning(camera, t.Count), target);
            t.Add(splatter.LastTimings);
        }
        double wall = clock.Elapsed.TotalSeconds;
        return new JsonObject
        {
            ["frames"] = t.Count,
            ["fps"] = PartReport.Num(t.Count / wall, 1),
            ["render_ms"] = PartReport.Num(Statistics.Median(t.Select(x => x.TotalMs)), 3),
            ["render_p90_ms"] = PartReport.Num(Statistics.Percentile(t.Select(x => x.TotalMs), 90), 3),
            ["project_ms"] = PartReport.Num(Statistics.Median(t.Select(x => x.ProjectMs)), 3),
            ["bin_sort_ms"] = PartReport.Num(Statistics.Median(t.Select(x => x.BinSortMs)), 3),
            ["rasterize_ms"] = PartReport.Num(Statistics.Median(t.Select(x => x.RasterizeMs)), 3),
            ["visible"] = t[^1].Visible,
            ["tile_instances"] = t[^1].TileInstances,
            ["latent_channels"] = target.LatentChannels,
        };
    }
}
