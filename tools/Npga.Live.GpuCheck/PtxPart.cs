using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime.Cuda;
using Npga.Live.Rendering.Ilgpu;

namespace Npga.Live.GpuCheck;

/// <summary>
/// Every kernel of the ILGPU renderer compiled to PTX for sm_90 (H100/H200) by ILGPU's CUDA backend, without a GPU: in the
/// packed (trimmed) build this shows that the framework pieces ILGPU's compiler reaches by reflection survived trimming.
/// The kernels are internal: they are found by name, as the rendering tests' IlgpuPtxTests find them.
/// </summary>
internal static class PtxPart
{
    private static readonly (string Type, string Method, bool Grouped)[] Kernels =
    [
        ("IlgpuProjection", "Kernel", false),
        ("IlgpuIntersectTile", "CountKernel", false),
        ("IlgpuIntersectTile", "TotalKernel", false),
        ("IlgpuIntersectTile", "EmitKernel", false),
        ("IlgpuIntersectTile", "RangesKernel", false),
        ("IlgpuRasterize", "Kernel", true),
    ];

    public static int Run(CheckOptions o, PartReport r)
    {
        using var context = Context.Create(b => b.Cuda().EnableAlgorithms());
        using var backend = new PTXBackend(context, CudaArchitecture.SM_90, CudaInstructionSet.ISA_78, null!);
        int failed = 0;
        foreach (var (type, method, grouped) in Kernels)
        {
            var item = new JsonObject { ["kernel"] = $"{type}.{method}", ["arch"] = "sm_90" };
            var sw = Stopwatch.StartNew();
            try
            {
                var info = typeof(IlgpuGaussianRenderer).Assembly.GetType($"Npga.Live.Rendering.Ilgpu.{type}", throwOnError: true)!
                    .GetMethod(method, BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
                    ?? throw new MissingMethodException(type, method);
                var entry = grouped ? EntryPointDescription.FromExplicitlyGroupedKernel(info) : EntryPointDescription.FromImplicitlyGroupedKernel(info);
                string ptx = ((PTXCompiledKernel)backend.Compile(entry, default)).PTXAssembly;
                bool ok = ptx.Contains(".entry", StringComparison.Ordinal);
                if (!ok) failed++;
                item["ptx_chars"] = ptx.Length;
                item["ok"] = ok;
                r.Line($"  {type}.{method}: {ptx.Length} characters of PTX for sm_90 in {sw.Elapsed.TotalMilliseconds:F0} ms");
            }
            catch (Exception e)
            {
                failed++;
                item["ok"] = false;
                item["error"] = e.ToString();
                r.Line($"  {type}.{method}: FAILED {e.GetType().Name}: {e.Message}");
            }
            r.Add(item);
        }
        r.Finish(failed == 0 ? "ok" : "failed", $"{Kernels.Length - failed} of {Kernels.Length} kernels compile to PTX (sm_90)");
        return failed == 0 ? 0 : 1;
    }
}
