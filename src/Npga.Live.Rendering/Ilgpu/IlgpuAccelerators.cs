using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace Npga.Live.Rendering.Ilgpu;

/// <summary>
/// Creates the ILGPU context and accelerator for an <see cref="IlgpuDeviceKind"/>, and tells whether a CUDA device is
/// present. Contexts enable ILGPU.Algorithms (radix sort, scan, and the math intrinsics the PTX backend needs).
/// </summary>
internal static class IlgpuAccelerators
{
    /// <summary>Threads per simulated warp of the CPU accelerator.</summary>
    public const int CpuWarp = 4;

    /// <summary>Warps per simulated multiprocessor: 16 threads per group.</summary>
    public const int CpuWarpsPerMultiprocessor = 4;

    /// <summary>
    /// Simulated multiprocessors. Every simulated thread is an OS thread; ILGPU's default CPU device model (a whole CUDA GPU's
    /// worth) starts hundreds of them, so the small device here keeps the CPU accelerator to 16.
    /// </summary>
    public const int CpuMultiprocessors = 1;

    private static readonly Lazy<bool> CudaProbe = new(ProbeCuda);

    /// <summary>Whether ILGPU's CUDA backend finds at least one device (probed once per process).</summary>
    public static bool CudaAvailable => CudaProbe.Value;

    /// <summary>Creates a context and its accelerator; the caller disposes both (accelerator first).</summary>
    /// <exception cref="CudaUnavailableException"><paramref name="kind"/> is <see cref="IlgpuDeviceKind.Cuda"/> and no CUDA device is found.</exception>
    public static (Context Context, Accelerator Accelerator) Create(IlgpuDeviceKind kind)
    {
        bool cuda = kind switch
        {
            IlgpuDeviceKind.Cuda => CudaAvailable ? true : throw new CudaUnavailableException(),
            IlgpuDeviceKind.Auto => CudaAvailable,
            IlgpuDeviceKind.Cpu => false,
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown ILGPU device kind"),
        };
        if (cuda)
        {
            CudaDriverLibrary.Register();
            var context = Context.Create(b => b.Cuda().EnableAlgorithms());
            try
            {
                var devices = context.GetCudaDevices();
                if (devices.Count == 0) throw new CudaUnavailableException();
                return (context, devices[0].CreateAccelerator(context));
            }
            catch
            {
                context.Dispose();
                throw;
            }
        }
        var cpu = new CPUDevice(CpuWarp, CpuWarpsPerMultiprocessor, CpuMultiprocessors);
        var cpuContext = Context.Create(b => b.CPU(cpu).EnableAlgorithms());
        try
        {
            return (cpuContext, cpu.CreateAccelerator(cpuContext));
        }
        catch
        {
            cpuContext.Dispose();
            throw;
        }
    }

    private static bool ProbeCuda()
    {
        CudaDriverLibrary.Register();
        try
        {
            using var context = Context.Create(b => b.Cuda());
            return context.GetCudaDevices().Count > 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or CudaException or NotSupportedException)
        {
            return false;
        }
    }
}
