namespace Npga.Live.Onnx.Tests;

public class OrtCudaFallbackTests
{
    [Fact]
    public void CudaRequestFallsBackToCpuAndSaysWhy()
    {
        var listed = OrtRuntime.Shared.AvailableProviders.Contains("CUDAExecutionProvider");
        using var s = new OrtSession(TestModels.Affine, new OrtSessionOptions { UseCuda = true, CudaDeviceId = 0 });
        if (listed && s.ActiveProviders[0] == "CUDAExecutionProvider")
        {
            Assert.Equal(["CUDAExecutionProvider", "CPUExecutionProvider"], s.ActiveProviders);
            Assert.Null(s.CudaUnavailableReason);
        }
        else
        {
            Assert.Equal(["CPUExecutionProvider"], s.ActiveProviders);
            Assert.False(string.IsNullOrEmpty(s.CudaUnavailableReason));
            if (!listed) Assert.Contains("CUDAExecutionProvider is not among the providers", s.CudaUnavailableReason);
        }
        float[] x = [1, 2, 3, 4, 5, 6, 7, 8];
        TestModels.AssertClose(TestModels.AffineReference(x, 2), s.Run([OrtTensor.FromFloat("x", [2, 4], x)])["y"].Float);

        // The runner takes the path that suits the active provider; either way it gives the same numbers.
        using var runner = s.CreateRunner([("x", [2, 4])], [("y", [2, 3])]);
        x.CopyTo(runner.Input("x"));
        runner.Run();
        TestModels.AssertClose(TestModels.AffineReference(x, 2), runner.Output("y"));
    }
}
