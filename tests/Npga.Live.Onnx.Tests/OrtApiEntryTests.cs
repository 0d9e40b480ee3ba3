using Npga.Live.Onnx.Native;

namespace Npga.Live.Onnx.Tests;

/// <summary>
/// Calls the OrtApi entries that ordinary sessions never reach on this CPU-only setup (the release entries of
/// process-lifetime objects, the CUDA V2 entries), so that every slot in <see cref="OrtApiIndex"/> is exercised:
/// a misnumbered slot would crash or answer differently.
/// </summary>
public unsafe class OrtApiEntryTests
{
    private static OrtApi Api => OrtRuntime.Shared.Api;

    [Fact]
    public void StatusRoundTrip()
    {
        var msg = OrtApi.Utf8Z("hello from the test");
        IntPtr status;
        fixed (byte* m = msg) status = Api.CreateStatus(7, m);
        var e = Assert.Throws<OrtException>(() => Api.Check(status, "Probe")); // Check releases it (ReleaseStatus)
        Assert.Equal(7, e.ErrorCode);
        Assert.Equal("hello from the test", e.OrtMessage);
        Assert.Contains("ORT_INVALID_PROTOBUF", e.Message);
        Assert.Contains("Probe", e.Message);
    }

    [Fact]
    public void SecondEnvAndMemoryInfoAreCreatedAndReleased()
    {
        var id = OrtApi.Utf8Z("second");
        IntPtr env;
        fixed (byte* p = id) Api.Check(Api.CreateEnv(2, p, &env), "CreateEnv");
        new OrtEnvHandle(Api, env).Dispose(); // ReleaseEnv: ORT's env is ref-counted, the shared one lives on

        IntPtr info;
        Api.Check(Api.CreateCpuMemoryInfo(0, 0, &info), "CreateCpuMemoryInfo");
        new OrtMemoryInfoHandle(Api, info).Dispose(); // ReleaseMemoryInfo

        using var session = new OrtSession(TestModels.Affine);
        var y = session.Run([OrtTensor.FromFloat("x", [1, 4], [1, 2, 3, 4])])["y"].Float!;
        TestModels.AssertClose(TestModels.AffineReference([1, 2, 3, 4], 1), y);
    }

    [Fact]
    public void CudaV2EntriesAnswerWithCudaErrorsOnThisBuild()
    {
        // CreateCUDAProviderOptions works in any build with the CUDA provider interface; Update and Append need
        // the provider's shared libraries, which the npm package does not carry here.
        IntPtr created;
        Api.Check(Api.CreateCUDAProviderOptions(&created), "CreateCUDAProviderOptions");
        var cudaOptions = created;
        using var handle = new OrtCudaProviderOptionsHandle(Api, cudaOptions); // ReleaseCUDAProviderOptions
        Assert.NotEqual(IntPtr.Zero, cudaOptions);

        IntPtr createdOptions;
        Api.Check(Api.CreateSessionOptions(&createdOptions), "CreateSessionOptions");
        var so = createdOptions;
        using var sessionOptions = new OrtSessionOptionsHandle(Api, so);
        if (OrtRuntime.Shared.AvailableProviders.Contains("CUDAExecutionProvider") && !CudaLibrariesPresent())
        {
            var append = Assert.Throws<OrtException>(() => Api.Check(Api.SessionOptionsAppendExecutionProvider_CUDA_V2(so, cudaOptions), "SessionOptionsAppendExecutionProvider_CUDA_V2"));
            Assert.Contains("Cuda", append.OrtMessage, StringComparison.OrdinalIgnoreCase);

            var update = Assert.Throws<OrtException>(() => OrtSession.AppendCuda(Api, so, 0));
            Assert.Equal("UpdateCUDAProviderOptions", update.Operation);
            Assert.Contains("providers_shared", update.OrtMessage);
        }
    }

    private static bool CudaLibrariesPresent() =>
        File.Exists(Path.Combine(Path.GetDirectoryName(OrtRuntime.Shared.LibraryPath)!, "libonnxruntime_providers_shared.so"));
}
