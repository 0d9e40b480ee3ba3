using ILGPU.Runtime;
using Npga.Live.Rendering.Ilgpu;
using Xunit.Abstractions;

namespace Npga.Live.Rendering.Tests;

/// <summary>
/// After warm-up the ILGPU renderer's own code allocates nothing per frame: the cloud goes up and the planes come back
/// through page-locked arrays (a copy from a managed array would make ILGPU wrap it in an object every time). What a whole
/// frame allocates on ILGPU's CPU accelerator is ILGPU's: a task object per kernel launch (the radix sorts launch dozens).
/// </summary>
[Collection(nameof(IlgpuSerial))]
public sealed class IlgpuAllocationTests(ITestOutputHelper output)
{
    [Fact]
    public void UploadAllocatesNothingAfterWarmUp()
    {
        var rng = new Random(21);
        var camera = TestScenes.RandomOrbit(64, 64, rng);
        var cloud = TestScenes.RandomScene(2000, 3, 8, 21, camera);
        var (context, accelerator) = IlgpuAccelerators.Create(IlgpuDeviceKind.Cpu);
        using (context)
        using (accelerator)
        using (var device = new DeviceCloud(accelerator))
        {
            var stream = accelerator.DefaultStream;
            for (int i = 0; i < 2; i++) { device.Upload(cloud, true, stream); stream.Synchronize(); }
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++) { device.Upload(cloud, i % 2 == 0, stream); stream.Synchronize(); }
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

            // What went up is the cloud.
            var means = new float[cloud.Means.Length];
            device.Upload(cloud, true, stream);
            device.Means.CopyToCPU(means);
            Assert.Equal(cloud.Means, means);
            var latents = new float[cloud.Latents.Length];
            device.Latents.CopyToCPU(latents);
            Assert.Equal(cloud.Latents, latents);
        }
    }

    [Fact]
    public void AFrameAllocatesOnlyIlgpusLaunchObjects()
    {
        var rng = new Random(22);
        var camera = TestScenes.RandomOrbit(64, 64, rng);
        var cloud = TestScenes.RandomScene(1000, 3, 4, 22, camera);
        var target = new RenderTarget(64, 64, 4);
        using var renderer = new IlgpuGaussianRenderer(IlgpuDeviceKind.Cpu);
        for (int i = 0; i < 3; i++) renderer.Render(cloud, camera, target);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) renderer.Render(cloud, camera, target);
        long perFrame = (GC.GetAllocatedBytesForCurrentThread() - before) / 5;
        output.WriteLine($"{perFrame} bytes per frame on the calling thread (ILGPU's CPU accelerator)");
        // Some 17 KB of launch tasks; a per-frame buffer, a closure per Gaussian or a copy of the cloud would be far more.
        Assert.True(perFrame < 40_000, $"{perFrame} bytes per frame");
    }
}
