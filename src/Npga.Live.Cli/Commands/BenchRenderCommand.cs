using System.CommandLine;
using System.Diagnostics;
using Npga.Live.Avatar;
using Npga.Live.Avatar.Deform;
using Npga.Live.Core;
using Npga.Live.Core.Imaging;
using Npga.Live.Pipeline;
using Npga.Live.Refine;
using Npga.Live.Rendering;
using Npga.Live.Rendering.Ilgpu;

namespace Npga.Live.Cli.Commands;

/// <summary>
/// <c>npga bench render --avatar DIR --width W --height H [--runs 5] [--frames 30] [--no-cnn] [--threads 1] [--renderer cpu|ilgpu|ilgpu-cuda|auto]</c>:
/// renders <c>frames</c> frames with random expression codes (unit normal, as z_exp is distributed) and a slowly
/// turning view, <c>runs</c> times after a warm-up; prints the median milliseconds per stage (F, G, compose,
/// project, bin+sort, rasterize, CNN), frames per second and peak memory. When the package's CNN is the light one that
/// runs fused (<see cref="FusedCnnRefiner"/>), the same frames' refinement is also timed through ORT (<see cref="CnnRefiner"/>,
/// 1 and all threads), side by side in the same run; when the package has G and ORT runs on one thread, the deform stage
/// (F, G, compose) is timed with G beside F and with the two one after the other, alternating run by run.
/// </summary>
internal static class BenchRenderCommand
{
    public static Command Create()
    {
        var avatar = new Option<string>("--avatar") { Description = "Avatar package folder", Required = true };
        var width = new Option<int>("--width") { Description = "Width, pixels", DefaultValueFactory = _ => 512 };
        var height = new Option<int>("--height") { Description = "Height, pixels", DefaultValueFactory = _ => 512 };
        var runs = new Option<int>("--runs") { Description = "Repetitions", DefaultValueFactory = _ => 5 };
        var frames = new Option<int>("--frames") { Description = "Frames per run", DefaultValueFactory = _ => 30 };
        var noCnn = new Option<bool>("--no-cnn") { Description = "Skip the CNN" };
        var threads = new Option<int>("--threads") { Description = "ORT intra-op threads for F, G and the CNN", DefaultValueFactory = _ => 1 };
        var renderer = RendererOption.Create();
        var cmd = new Command("render", "Avatar rendering speed per stage") { avatar, width, height, runs, frames, noCnn, threads, renderer };
        cmd.SetAction((ParseResult r, CancellationToken ct) =>
        {
            try
            {
                return Task.FromResult(Run(r.GetValue(avatar)!, r.GetValue(width), r.GetValue(height), Math.Max(1, r.GetValue(runs)), Math.Max(1, r.GetValue(frames)), !r.GetValue(noCnn), Math.Max(1, r.GetValue(threads)), r.GetValue(renderer)!));
            }
            catch (Exception e) when (e is AvatarFormatException or CudaUnavailableException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return Task.FromResult(2);
            }
        });
        return cmd;
    }

    private static int Run(string dir, int w, int h, int runs, int frames, bool useCnn, int threads, string renderer)
    {
        var package = AvatarPackage.Load(dir);
        var splatter = RendererOption.Build(renderer);
        string splatterName = GaussianRenderers.Describe(splatter);
        using var fr = new AvatarFrameRenderer(package, w, h, splatter, useCnn, threads);
        int k = package.Manifest.CodeDim; // z_exp, then a gaze code for an avatar that takes gaze (its eyeballs turn, as live)
        var rnd = new Random(1);
        var codes = Enumerable.Range(0, frames).Select(_ => Enumerable.Range(0, k).Select(_ => (float)Normal(rnd)).ToArray()).ToArray();
        var img = new RgbImage(w, h);
        var stage = new List<double>[8];
        for (int s = 0; s < stage.Length; s++) stage[s] = [];
        var fps = new List<double>();
        for (int run = 0; run <= runs; run++)
        {
            var perFrame = new List<AvatarFrameTimings>();
            var clock = Stopwatch.StartNew();
            for (int f = 0; f < frames; f++)
            {
                fr.Render(codes[f], [], [], fr.BaseCamera.Orbited(20 * Math.Sin(f * 0.2), 5 * Math.Cos(f * 0.3)), img);
                perFrame.Add(fr.LastTimings);
            }
            if (run == 0) continue; // warm-up
            fps.Add(frames / clock.Elapsed.TotalSeconds);
            stage[0].Add(Statistics.Median(perFrame.Select(t => t.FMs)));
            stage[1].Add(Statistics.Median(perFrame.Select(t => t.GMs)));
            stage[2].Add(Statistics.Median(perFrame.Select(t => t.ComposeMs)));
            stage[3].Add(Statistics.Median(perFrame.Select(t => t.ProjectMs)));
            stage[4].Add(Statistics.Median(perFrame.Select(t => t.BinSortMs)));
            stage[5].Add(Statistics.Median(perFrame.Select(t => t.RasterizeMs)));
            stage[6].Add(Statistics.Median(perFrame.Select(t => t.CnnMs)));
            stage[7].Add(Statistics.Median(perFrame.Select(t => t.TotalMs)));
        }
        var m = package.Manifest;
        Console.WriteLine($"npga bench render: {m.Name}, N = {package.Canonical.Count} Gaussians, SH degree {m.ShDegree}, K = {m.ExpressionModel.K}, " +
                          $"networks F{(package.HasG ? " G" : "")}{(fr.UsesCnn ? " cnn" : "")}, {w}x{h}, {runs} runs x {frames} frames, {Environment.ProcessorCount} cores, ORT threads {threads}, renderer {splatterName}");
        string[] names = ["F", "G", "compose", "project", "bin+sort", "rasterize", "CNN", "frame"];
        for (int s = 0; s < names.Length; s++) Console.WriteLine($"  {names[s],-10} {Statistics.Median(stage[s]),8:F2} ms");
        Console.WriteLine($"  fps        {Statistics.Median(fps),8:F1}   (runs: {string.Join(", ", fps.Select(x => x.ToString("F1")))})");
        if (package.HasG && threads == 1 && Environment.ProcessorCount > 1)
            CompareDeform(package, codes, runs);
        if (fr.UsesCnn && ScreenRefiner.TryReadFusable(package.Networks.Cnn!, out var first, out var second))
            CompareRefiners(package.Networks.Cnn!, first, second, w, h, m.LatentDim, runs, frames);
        using var proc = Process.GetCurrentProcess();
        Console.WriteLine($"  peak memory {proc.PeakWorkingSet64 / (1024.0 * 1024):F0} MiB (working set), managed heap {GC.GetTotalMemory(false) / (1024.0 * 1024):F0} MiB");
        return 0;
    }

    /// <summary>The light CNN fused against ORT on the same random planes ((3+L)·H·W, U[0,1)): median ms per frame of each run.</summary>
    private static void CompareRefiners(string cnn, ConvLayer first, ConvLayer second, int w, int h, int latent, int runs, int frames)
    {
        int cores = Environment.ProcessorCount;
        var planes = new float[(3 + latent) * w * h];
        var rnd = new Random(2);
        for (int i = 0; i < planes.Length; i++) planes[i] = (float)rnd.NextDouble();
        (string Name, Func<IScreenRefiner> Make)[] refiners =
        [
            ($"fused, {cores} threads", () => new FusedCnnRefiner(first, second, w, h, latent, cores)),
            ("ORT, 1 thread", () => new CnnRefiner(cnn, w, h, latent, 1)),
            ($"ORT, {cores} threads", () => new CnnRefiner(cnn, w, h, latent, cores)),
        ];
        var ms = new double[refiners.Length];
        for (int k = 0; k < refiners.Length; k++)
        {
            using var refiner = refiners[k].Make();
            planes.CopyTo(refiner.Input); // as a renderer draws it there
            var perRun = new List<double>();
            for (int run = 0; run <= runs; run++)
            {
                var perFrame = new List<double>();
                for (int f = 0; f < frames; f++)
                {
                    refiner.Refine();
                    perFrame.Add(refiner.LastMs);
                }
                if (run > 0) perRun.Add(Statistics.Median(perFrame));
            }
            ms[k] = Statistics.Median(perRun);
        }
        Console.WriteLine($"  CNN alone ({w}x{h}, medians of {runs} runs x {frames} frames):");
        for (int k = 0; k < refiners.Length; k++)
            Console.WriteLine($"    {refiners[k].Name,-18} {ms[k],8:F2} ms   {ms[k] / ms[0],5:F2}x the fused");
    }

    /// <summary>The deform stage (<see cref="AvatarDynamics.Pose"/>) with G on its own thread beside F and with G after F, the
    /// two alternating run by run on the same codes: median ms per frame of each, and their ratio.</summary>
    private static void CompareDeform(AvatarPackage package, float[][] codes, int runs)
    {
        (string Name, AvatarDynamicsOptions Options)[] ways =
        [
            ("G beside F", new AvatarDynamicsOptions { RunFAndGSideBySide = true }),
            ("G after F", new AvatarDynamicsOptions { RunFAndGSideBySide = false }),
        ];
        var perRun = ways.Select(_ => new List<double>()).ToArray();
        var dyn = ways.Select(w => new AvatarDynamics(package, w.Options)).ToArray();
        try
        {
            var posed = dyn.Select(d => d.CreatePosedCloud()).ToArray();
            double[] identity = [1, 0, 0, 0, 1, 0, 0, 0, 1], zero = [0, 0, 0];
            for (int run = 0; run <= runs; run++)
                for (int k = 0; k < ways.Length; k++)
                {
                    var perFrame = new List<double>();
                    foreach (var z in codes)
                    {
                        dyn[k].Pose(z, identity, zero, posed[k]);
                        perFrame.Add(dyn[k].LastTimings.TotalMs);
                    }
                    if (run > 0) perRun[k].Add(Statistics.Median(perFrame));
                }
        }
        finally
        {
            foreach (var d in dyn) d.Dispose();
        }
        double baseline = Statistics.Median(perRun[1]);
        Console.WriteLine($"  deform (F, G, compose) alone, medians of {runs} runs x {codes.Length} frames:");
        for (int k = 0; k < ways.Length; k++)
        {
            double ms = Statistics.Median(perRun[k]);
            Console.WriteLine($"    {ways[k].Name,-18} {ms,8:F2} ms   {ms / baseline,5:F2}x G after F   (runs: {string.Join(", ", perRun[k].Select(x => x.ToString("F1")))})");
        }
    }

    private static double Normal(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}
