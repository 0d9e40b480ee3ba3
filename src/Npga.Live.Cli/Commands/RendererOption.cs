using System.CommandLine;
using Npga.Live.Rendering;
using Npga.Live.Rendering.Ilgpu;

namespace Npga.Live.Cli.Commands;

/// <summary>
/// <c>--renderer cpu|ilgpu|ilgpu-cuda|auto</c>, shared by <c>npga render</c> and <c>npga bench render</c>: which splatting
/// backend renders (<see cref="GaussianRenderers"/>), and the line on stderr saying what it runs on.
/// </summary>
internal static class RendererOption
{
    /// <summary>The option, default <c>cpu</c>.</summary>
    public static Option<string> Create()
    {
        var option = new Option<string>("--renderer")
        {
            Description = "Splatting backend: cpu (SIMD, every core), ilgpu (the ILGPU kernels on CUDA, or on ILGPU's slow CPU " +
                          "accelerator when no CUDA device is found), ilgpu-cuda (CUDA or an error), auto (ilgpu on CUDA when found, else cpu)",
            DefaultValueFactory = _ => "cpu",
        };
        option.AcceptOnlyFromAmong([.. GaussianRenderers.Names]);
        return option;
    }

    /// <summary>Builds the renderer named <paramref name="name"/>; says on stderr when ILGPU fell back to its CPU accelerator.</summary>
    /// <exception cref="CudaUnavailableException"><c>ilgpu-cuda</c> and no CUDA device.</exception>
    public static IGaussianRenderer Build(string name)
    {
        var renderer = GaussianRenderers.Create(GaussianRenderers.Parse(name));
        if (renderer is IlgpuGaussianRenderer { OnCuda: false })
            Console.Error.WriteLine("renderer: no CUDA device found; the ILGPU kernels run on ILGPU's CPU accelerator (slow; for parity checks)");
        return renderer;
    }
}
