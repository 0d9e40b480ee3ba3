using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace Npga.Live.Rendering.Ilgpu;

/// <summary>
/// Lets ILGPU's CUDA backend find the NVIDIA driver library. ILGPU imports the driver API as <c>[DllImport("cuda")]</c>,
/// which .NET probes on Linux as <c>libcuda.so</c> (and <c>cuda</c>) only; a machine with the driver but without its
/// development symlink has just <c>libcuda.so.1</c>, and ILGPU then silently reports no CUDA device. This resolver maps
/// the name <c>cuda</c> to <c>libcuda.so</c>, then <c>libcuda.so.1</c>. It is installed as ILGPU's assembly import
/// resolver, or, where the application already set one for that assembly, on the default load context's
/// <see cref="AssemblyLoadContext.ResolvingUnmanagedDll"/> (asked after the normal probe fails).
/// </summary>
internal static class CudaDriverLibrary
{
    private static int _registered;

    /// <summary>The import name ILGPU gives the CUDA driver on Linux.</summary>
    private const string ImportName = "cuda";

    /// <summary>File names tried in order.</summary>
    private static readonly string[] Candidates = ["libcuda.so", "libcuda.so.1"];

    /// <summary>Installs the resolver once per process (later calls do nothing). Call before ILGPU's first CUDA query.</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) != 0) return;
        var ilgpu = typeof(ILGPU.Context).Assembly;
        try
        {
            NativeLibrary.SetDllImportResolver(ilgpu, Resolve);
        }
        catch (InvalidOperationException)
        {
            // The application set its own resolver for ILGPU: fall back to the event asked after the normal probe fails.
            AssemblyLoadContext.Default.ResolvingUnmanagedDll += (assembly, name) =>
                assembly == ilgpu ? Resolve(name, assembly, null) : IntPtr.Zero;
        }
    }

    /// <summary>The driver's handle for ILGPU's <c>cuda</c> import, or zero (the runtime then probes as usual).</summary>
    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != ImportName && name != "libcuda.so") return IntPtr.Zero;
        foreach (var candidate in Candidates)
            if (NativeLibrary.TryLoad(candidate, assembly, searchPath, out var handle)) return handle;
        return IntPtr.Zero;
    }
}
