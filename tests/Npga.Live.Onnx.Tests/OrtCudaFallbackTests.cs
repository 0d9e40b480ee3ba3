namespace Npga.Live.Onnx.Tests;

public class OrtCudaFallbackTests
{
    [Fact]
    public void CudaRequestFallsBackToCpuAndSaysWhy()
    {
        var gpuUsable = File.Exists(Path.Combine(Path.GetDirectoryName(OrtRuntime.Shared.LibraryPath)!, "libonnxruntime_providers_cuda.so"));
        using var s = new OrtSession(TestModels.Affine, new OrtSessionOptions { UseCuda = true, CudaDeviceId = 0 });
        if (gpuUsable && s.ActiveProviders[0] == "CUDAExecutionProvider")
        {
            Assert.Equal(["CUDAExecutionProvider", "CPUExecutionProvider"], s.ActiveProviders);
            Assert.Null(s.CudaUnavailableReason);
        }
        else
        {
            Assert.Equal(["CPUExecutionProvider"], s.ActiveProviders);
            Assert.False(string.IsNullOrEmpty(s.CudaUnavailableReason));
        }
        float[] x = [1, 2, 3, 4, 5, 6, 7, 8];
        TestModels.AssertClose(TestModels.AffineReference(x, 2), s.Run([OrtTensor.FromFloat("x", [2, 4], x)])["y"].Float);
    }
}
