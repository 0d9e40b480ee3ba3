namespace Npga.Live.Rendering.Ilgpu;

/// <summary>
/// Thrown when the ILGPU renderer is asked to run on CUDA (<see cref="IlgpuDeviceKind.Cuda"/>,
/// <see cref="RendererKind.IlgpuCuda"/>) and ILGPU's CUDA backend finds no device: no NVIDIA driver library
/// (<c>libcuda.so</c> or <c>libcuda.so.1</c>) on the loader path, or a driver that reports no device.
/// </summary>
public sealed class CudaUnavailableException : Exception
{
    /// <summary>Creates the exception with the standard message.</summary>
    public CudaUnavailableException()
        : base("no CUDA device found: ILGPU's CUDA backend saw none (it needs the NVIDIA driver library, libcuda.so or " +
               "libcuda.so.1, on the loader path and a device the driver reports); use the CPU renderer, or ILGPU on its CPU accelerator")
    {
    }

    /// <summary>Creates the exception with a message of the caller's.</summary>
    /// <param name="message">What was looked for and what was found.</param>
    public CudaUnavailableException(string message)
        : base(message)
    {
    }
}
