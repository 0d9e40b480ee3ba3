using System.Diagnostics;
using System.Runtime.InteropServices;
using Npga.Live.Onnx;
using Npga.Live.Rendering;

namespace Npga.Live.GpuCheck;

/// <summary>The machine: cores, runtime, the CUDA driver library, ILGPU's device, ONNX Runtime.</summary>
internal static class InfoPart
{
    public static int Run(CheckOptions o, PartReport r)
    {
        r.Set("cores", Environment.ProcessorCount);
        r.Set("os", RuntimeInformation.OSDescription);
        r.Set("dotnet", RuntimeInformation.FrameworkDescription);
        r.Set("runtime_dir", RuntimeEnvironment.GetRuntimeDirectory());
        r.Line($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription} (runtime in {RuntimeEnvironment.GetRuntimeDirectory()})");
        bool libcuda = NativeLibrary.TryLoad("libcuda.so.1", out var handle);
        if (libcuda) NativeLibrary.Free(handle);
        r.Set("libcuda_so_1_loads", libcuda);
        var ort = OrtRuntime.Shared;
        r.Set("onnxruntime", ort.ToString());
        r.Line($"libcuda.so.1 loads: {libcuda}; {ort}; F, G and the CNN run on ORT's CPU provider");
        var sw = Stopwatch.StartNew();
        bool cuda = GaussianRenderers.CudaAvailable;
        r.Set("cuda_available", cuda);
        r.Line($"ILGPU CUDA device found: {cuda} ({sw.Elapsed.TotalMilliseconds:F0} ms to probe)");
        if (!cuda && !o.Dry)
        {
            r.Finish("no-cuda", "ILGPU found no CUDA device (is libcuda.so.1 on the loader path?)");
            return 3;
        }
        sw.Restart();
        using var renderer = Devices.Ilgpu(o.Dry);
        string describe = GaussianRenderers.Describe(renderer);
        r.Set("device", renderer.DeviceName);
        r.Set("renderer", describe);
        r.Set("renderer_create_ms", PartReport.Num(sw.Elapsed.TotalMilliseconds, 0));
        r.Finish("ok", $"{describe}, created in {sw.Elapsed.TotalMilliseconds:F0} ms; {ort}; {Environment.ProcessorCount} cores");
        return 0;
    }
}
