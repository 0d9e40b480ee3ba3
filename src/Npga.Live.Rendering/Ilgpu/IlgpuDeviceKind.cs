namespace Npga.Live.Rendering.Ilgpu;

/// <summary>Which ILGPU accelerator runs the kernels of an <see cref="IlgpuGaussianRenderer"/>.</summary>
public enum IlgpuDeviceKind
{
    /// <summary>The first CUDA device when one is found, otherwise ILGPU's CPU accelerator.</summary>
    Auto,

    /// <summary>The first CUDA device; <see cref="CudaUnavailableException"/> when there is none.</summary>
    Cuda,

    /// <summary>
    /// ILGPU's CPU accelerator, a small simulated device (4 threads per warp, 4 warps, 1 multiprocessor: 16 threads) that
    /// runs the same kernels slowly; for tests and parity checks, not for serving (the SIMD
    /// <see cref="CpuGaussianRenderer"/> is the CPU serving path).
    /// </summary>
    Cpu,
}
