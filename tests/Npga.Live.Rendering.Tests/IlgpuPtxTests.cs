using System.Reflection;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using Npga.Live.Rendering.Ilgpu;
using Xunit.Abstractions;

namespace Npga.Live.Rendering.Tests;

/// <summary>
/// Every kernel of the ILGPU renderer compiles to PTX with ILGPU's CUDA backend, without a GPU: the CUDA path cannot run
/// here, but an unsupported construct (a managed call, an intrinsic the PTX backend lacks) fails at this step. Also checks
/// that the kernels call no software math routine (the double algebra uses only native PTX operations).
/// </summary>
[Collection(nameof(IlgpuSerial))]
public sealed class IlgpuPtxTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Kernels() =>
    [
        [nameof(IlgpuProjection), nameof(IlgpuProjection.Kernel), false],
        [nameof(IlgpuIntersectTile), nameof(IlgpuIntersectTile.CountKernel), false],
        [nameof(IlgpuIntersectTile), nameof(IlgpuIntersectTile.TotalKernel), false],
        [nameof(IlgpuIntersectTile), nameof(IlgpuIntersectTile.EmitKernel), false],
        [nameof(IlgpuIntersectTile), nameof(IlgpuIntersectTile.RangesKernel), false],
        [nameof(IlgpuRasterize), nameof(IlgpuRasterize.Kernel), true],
    ];

    [Theory]
    [MemberData(nameof(Kernels))]
    public void CompilesToPtx(string type, string method, bool explicitlyGrouped)
    {
        var info = typeof(IlgpuGaussianRenderer).Assembly.GetType($"Npga.Live.Rendering.Ilgpu.{type}")!
            .GetMethod(method, BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)!;
        var entry = explicitlyGrouped ? EntryPointDescription.FromExplicitlyGroupedKernel(info) : EntryPointDescription.FromImplicitlyGroupedKernel(info);
        using var context = Context.Create(b => b.Cuda().EnableAlgorithms());
        foreach (var (arch, isa) in new[] { (CudaArchitecture.SM_75, CudaInstructionSet.ISA_70), (CudaArchitecture.SM_90, CudaInstructionSet.ISA_78) })
        {
            using var backend = new PTXBackend(context, arch, isa, null!);
            var kernel = (PTXCompiledKernel)backend.Compile(entry, default);
            string ptx = kernel.PTXAssembly;
            int calls = ptx.Split('\n').Count(l => l.TrimStart().StartsWith("call", StringComparison.Ordinal));
            output.WriteLine($"{type}.{method} for {arch}: {ptx.Length} characters of PTX, {calls} calls");
            Assert.Contains(".entry", ptx);
            Assert.Equal(0, calls);
        }
    }
}
