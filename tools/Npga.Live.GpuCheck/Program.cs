using Npga.Live.Rendering.Ilgpu;

namespace Npga.Live.GpuCheck;

/// <summary>
/// <c>npga-gpu-check PART [--out DIR] [--avatars DIR] [--fixture DIR] [--dry] [--budget S] [--step-seconds S]
/// [--max-sessions N] [--all-threads T]</c>: the GPU measurements of issue 24, one part per process so that one failing or
/// hanging part leaves the others' figures (scripts/gpu/check.sh runs them, each under its own time limit).
/// <list type="bullet">
/// <item><c>info</c>: the machine, ILGPU's CUDA device, ONNX Runtime's version and providers.</item>
/// <item><c>ptx</c>: every kernel of the ILGPU renderer compiled to PTX (no GPU needed): checks the packed build's PTX backend.</item>
/// <item><c>parity</c>: ILGPU (CUDA) against the CPU renderer on every shipped avatar at 512×512 and on random scenes.</item>
/// <item><c>fps</c>: the shipped avatars, deform + render + refine, at 512×512 and 550×802.</item>
/// <item><c>full</c>: NPGA's full size (100k Gaussians, F and G of 6×256, the CNN) at 550×802 and 512×512.</item>
/// <item><c>sessions</c>: how many concurrent 512×512 sessions at 30 fps the GPU's renderer holds.</item>
/// <item><c>summary</c>: the parts' JSON and text gathered into summary.json and summary.txt.</item>
/// </list>
/// Exit codes: 0 done (and every check passed), 1 a check failed or the part threw, 2 bad arguments, 3 no CUDA device (not dry).
/// </summary>
internal static class Program
{
    /// <summary>The parts, in the order check.sh runs them.</summary>
    public static readonly string[] Parts = ["info", "ptx", "parity", "fps", "full", "sessions", "summary"];

    private static int Main(string[] args)
    {
        CheckOptions o;
        try
        {
            o = CheckOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine($"npga-gpu-check: {e.Message}");
            return 2;
        }
        if (o.Part == "summary") return Summary.Run(o);
        var report = new PartReport(o.OutDir, o.Part, o.Dry);
        try
        {
            return o.Part switch
            {
                "info" => InfoPart.Run(o, report),
                "ptx" => PtxPart.Run(o, report),
                "parity" => ParityPart.Run(o, report),
                "fps" => FpsPart.Run(o, report),
                "full" => FullSizePart.Run(o, report),
                "sessions" => SessionsPart.Run(o, report),
                _ => throw new InvalidOperationException(o.Part),
            };
        }
        catch (CudaUnavailableException e)
        {
            report.Set("error", e.Message);
            report.Finish("no-cuda", "no CUDA device: " + e.Message);
            return 3;
        }
        catch (Exception e)
        {
            report.Set("error", e.ToString());
            report.Finish("error", $"{e.GetType().Name}: {e.Message}");
            return 1;
        }
        finally
        {
            Avatars.CleanUp();
        }
    }
}
