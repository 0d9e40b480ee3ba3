using System.Text.Json.Nodes;
using Npga.Live.Avatar;
using Npga.Live.Pipeline;
using Npga.Live.Rendering;

namespace Npga.Live.GpuCheck;

/// <summary>
/// Frames per second of every shipped avatar, deform + render + refine (<see cref="AvatarFrameRenderer"/>, the CNN when the
/// package has one), at 512×512 and 550×802, with the render stage's own milliseconds. F, G and the CNN run on ONNX
/// Runtime's CPU provider (the CUDA provider is not in the packed build) with a stated number of intra-op threads. Three
/// configurations, in this order so that the most wanted figures come first: ILGPU with 1 ORT thread (the serving setting: G
/// on its own thread beside F), ILGPU with every core for ORT, and the CPU renderer (every core) with 1 ORT thread as the
/// baseline.
/// </summary>
internal static class FpsPart
{
    public static int Run(CheckOptions o, PartReport r)
    {
        using var gpu = Devices.Ilgpu(o.Dry);
        using var cpu = new CpuGaussianRenderer();
        (int W, int H)[] sizes = o.Dry ? [(64, 64), (55, 80)] : [(512, 512), (550, 802)];
        var configs = new (string Renderer, IGaussianRenderer Splatter, int OrtThreads)[]
        {
            (Devices.IlgpuName(o.Dry), gpu, 1),
            (Devices.IlgpuName(o.Dry), gpu, o.AllThreads),
            ("cpu", cpu, 1),
        };
        double seconds = o.Dry ? 0.3 : 2.5;
        int warmup = o.Dry ? 1 : 5, minFrames = o.Dry ? 2 : 10;
        r.Set("renderer", GaussianRenderers.Describe(gpu));
        r.Set("baseline", GaussianRenderers.Describe(cpu));
        r.Set("networks", "F, G and the CNN on ONNX Runtime's CPU provider");
        r.Line($"fps: deform + render + refine; {GaussianRenderers.Describe(gpu)}; baseline {GaussianRenderers.Describe(cpu)}; " +
               $"F, G, CNN on ORT's CPU provider; {warmup} warm-up frames, then >= {seconds} s and >= {minFrames} frames each");
        var packages = Avatars.Folders(o.AvatarsDir).Select(d => (Name: Path.GetFileName(d), Package: Avatars.Load(d, o.Dry))).ToArray();
        int done = 0, planned = configs.Length * sizes.Length * packages.Length;
        string? firstHeadline = null;
        foreach (var (rendererName, splatter, threads) in configs)
            foreach (var (w, h) in sizes)
                foreach (var (name, package) in packages)
                {
                    if (r.Elapsed > o.BudgetSeconds)
                    {
                        r.Line($"  stopped at the time budget ({o.BudgetSeconds:F0} s): {done} of {planned} configurations measured");
                        r.Finish("partial", firstHeadline ?? "nothing measured");
                        return 0;
                    }
                    using var fr = new AvatarFrameRenderer(package, w, h, new Borrowed(splatter), useCnn: true, networkThreads: threads);
                    var res = FrameBench.Run(fr, warmup, seconds, minFrames, int.MaxValue, seed: 1);
                    var item = new JsonObject
                    {
                        ["avatar"] = name, ["gaussians"] = package.Canonical.Count, ["width"] = w, ["height"] = h, ["renderer"] = rendererName,
                        ["ort_threads"] = threads, ["g"] = package.HasG, ["cnn"] = fr.UsesCnn,
                    };
                    res.WriteTo(item);
                    r.Add(item);
                    r.Line($"  {name,-10} {w}x{h} {rendererName,-12} ORT {threads,2} thr {(fr.UsesCnn ? "cnn" : "   ")}: {res}");
                    firstHeadline ??= $"{name} {w}x{h} {rendererName} ORT 1 thread: {res.Fps:F1} fps, render {res.RenderMs:F2} ms";
                    done++;
                }
        r.Finish("ok", $"{done} configurations; first: {firstHeadline}");
        return 0;
    }
}
