namespace Npga.Live.Rendering;

/// <summary>Which <see cref="IGaussianRenderer"/> <see cref="GaussianRenderers.Create"/> builds.</summary>
public enum RendererKind
{
    /// <summary>The ILGPU renderer on CUDA when a CUDA device is found, otherwise the SIMD CPU renderer: the serving choice.</summary>
    Auto,

    /// <summary>The SIMD CPU renderer (<see cref="CpuGaussianRenderer"/>).</summary>
    Cpu,

    /// <summary>
    /// The ILGPU renderer (<see cref="Ilgpu.IlgpuGaussianRenderer"/>) on CUDA when a device is found, otherwise on ILGPU's CPU
    /// accelerator (slow; for parity checks).
    /// </summary>
    Ilgpu,

    /// <summary>The ILGPU renderer on CUDA; <see cref="Ilgpu.CudaUnavailableException"/> when no CUDA device is found.</summary>
    IlgpuCuda,
}
