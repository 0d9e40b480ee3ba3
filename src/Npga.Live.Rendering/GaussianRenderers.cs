using Npga.Live.Rendering.Ilgpu;

namespace Npga.Live.Rendering;

/// <summary>
/// Builds a splatting backend by <see cref="RendererKind"/>, and names the kinds on the command line
/// (<c>auto</c>, <c>cpu</c>, <c>ilgpu</c>, <c>ilgpu-cuda</c>).
/// </summary>
public static class GaussianRenderers
{
    /// <summary>The command-line names, in <see cref="RendererKind"/> order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["auto", "cpu", "ilgpu", "ilgpu-cuda"];

    /// <summary>Whether ILGPU's CUDA backend finds a device (probed once per process; false where no NVIDIA driver is installed).</summary>
    public static bool CudaAvailable => IlgpuAccelerators.CudaAvailable;

    /// <summary>Creates a renderer; the caller disposes it (every kind is <see cref="IDisposable"/>).</summary>
    /// <param name="kind">Which backend; <see cref="RendererKind.Auto"/> takes the ILGPU renderer on CUDA when a device is found, else the CPU renderer.</param>
    /// <param name="cpuThreads">Threads of the CPU renderer (default: every core); ignored by the ILGPU renderer.</param>
    /// <returns>A <see cref="CpuGaussianRenderer"/> or an <see cref="IlgpuGaussianRenderer"/>.</returns>
    /// <exception cref="CudaUnavailableException"><paramref name="kind"/> is <see cref="RendererKind.IlgpuCuda"/> and no CUDA device is found.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An unknown kind, or <paramref name="cpuThreads"/> below 1.</exception>
    public static IGaussianRenderer Create(RendererKind kind, int? cpuThreads = null) => kind switch
    {
        RendererKind.Auto => CudaAvailable ? new IlgpuGaussianRenderer(IlgpuDeviceKind.Cuda) : new CpuGaussianRenderer(cpuThreads),
        RendererKind.Cpu => new CpuGaussianRenderer(cpuThreads),
        RendererKind.Ilgpu => new IlgpuGaussianRenderer(IlgpuDeviceKind.Auto),
        RendererKind.IlgpuCuda => new IlgpuGaussianRenderer(IlgpuDeviceKind.Cuda),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown renderer kind"),
    };

    /// <summary>The kind a command-line name stands for (case-insensitive).</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is none of <see cref="Names"/>.</exception>
    public static RendererKind Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        for (int i = 0; i < Names.Count; i++)
            if (string.Equals(Names[i], name, StringComparison.OrdinalIgnoreCase)) return (RendererKind)i;
        throw new ArgumentException($"unknown renderer '{name}': use one of {string.Join(", ", Names)}", nameof(name));
    }

    /// <summary>
    /// One line saying what <paramref name="renderer"/> runs on, for logs: "cpu (N threads)", "ilgpu on CUDA (device)", or
    /// "ilgpu on ILGPU's CPU accelerator (no CUDA device found; slow, for parity checks)".
    /// </summary>
    public static string Describe(IGaussianRenderer renderer) => renderer switch
    {
        CpuGaussianRenderer cpu => $"cpu ({cpu.Threads} threads)",
        IlgpuGaussianRenderer { OnCuda: true } gpu => $"ilgpu on CUDA ({gpu.DeviceName})",
        IlgpuGaussianRenderer => "ilgpu on ILGPU's CPU accelerator (no CUDA device found; slow, for parity checks)",
        null => throw new ArgumentNullException(nameof(renderer)),
        _ => renderer.GetType().Name,
    };
}
