using Npga.Live.Rendering.Ilgpu;

namespace Npga.Live.Rendering.Tests;

/// <summary>The renderer factory: names, the choice per kind with and without a CUDA device, and the error when CUDA is required.</summary>
[Collection(nameof(IlgpuSerial))]
public sealed class GaussianRenderersTests
{
    [Fact]
    public void NamesRoundTrip()
    {
        Assert.Equal(RendererKind.Auto, GaussianRenderers.Parse("auto"));
        Assert.Equal(RendererKind.Cpu, GaussianRenderers.Parse("CPU"));
        Assert.Equal(RendererKind.Ilgpu, GaussianRenderers.Parse("ilgpu"));
        Assert.Equal(RendererKind.IlgpuCuda, GaussianRenderers.Parse("ilgpu-cuda"));
        foreach (var name in GaussianRenderers.Names) Assert.Equal(name, GaussianRenderers.Names[(int)GaussianRenderers.Parse(name)]);
        var e = Assert.Throws<ArgumentException>(() => GaussianRenderers.Parse("vulkan"));
        Assert.Contains("ilgpu-cuda", e.Message);
    }

    [Fact]
    public void CpuIsTheSimdRenderer()
    {
        using var renderer = (IDisposable)GaussianRenderers.Create(RendererKind.Cpu, 2);
        var cpu = Assert.IsType<CpuGaussianRenderer>(renderer);
        Assert.Equal(2, cpu.Threads);
        Assert.Equal("cpu (2 threads)", GaussianRenderers.Describe(cpu));
    }

    [Fact]
    public void AutoTakesCudaOnlyWhenADeviceIsFound()
    {
        using var renderer = (IDisposable)GaussianRenderers.Create(RendererKind.Auto, 1);
        if (GaussianRenderers.CudaAvailable) Assert.True(Assert.IsType<IlgpuGaussianRenderer>(renderer).OnCuda);
        else Assert.IsType<CpuGaussianRenderer>(renderer);
    }

    [Fact]
    public void IlgpuFallsBackToTheCpuAcceleratorWithoutCuda()
    {
        using var renderer = (IDisposable)GaussianRenderers.Create(RendererKind.Ilgpu);
        var ilgpu = Assert.IsType<IlgpuGaussianRenderer>(renderer);
        Assert.Equal(GaussianRenderers.CudaAvailable, ilgpu.OnCuda);
        if (!ilgpu.OnCuda) Assert.Contains("CPU accelerator", GaussianRenderers.Describe(ilgpu));
    }

    [Fact]
    public void RequiringCudaWithoutADeviceIsAClearError()
    {
        if (GaussianRenderers.CudaAvailable)
        {
            using var renderer = new IlgpuGaussianRenderer(IlgpuDeviceKind.Cuda);
            Assert.True(renderer.OnCuda);
            return;
        }
        var e = Assert.Throws<CudaUnavailableException>(() => GaussianRenderers.Create(RendererKind.IlgpuCuda));
        Assert.Contains("no CUDA device found", e.Message);
        Assert.Contains("libcuda.so.1", e.Message);
        Assert.Throws<CudaUnavailableException>(() => new IlgpuGaussianRenderer(IlgpuDeviceKind.Cuda));
    }
}
