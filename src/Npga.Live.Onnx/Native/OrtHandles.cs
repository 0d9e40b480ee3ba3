namespace Npga.Live.Onnx.Native;

// One SafeHandle type per ORT object kind, each released by its matching OrtApi Release* entry.

/// <summary>An <c>OrtEnv*</c>, released by <c>ReleaseEnv</c>.</summary>
internal sealed unsafe class OrtEnvHandle(OrtApi api, IntPtr handle) : OrtHandle(api, handle)
{
    protected override bool ReleaseHandle() { Api.ReleaseEnv(handle); return true; }
}

/// <summary>An <c>OrtStatus*</c>, released by <c>ReleaseStatus</c>.</summary>
internal sealed unsafe class OrtStatusHandle(OrtApi api, IntPtr handle) : OrtHandle(api, handle)
{
    protected override bool ReleaseHandle() { Api.ReleaseStatus(handle); return true; }
}

/// <summary>An <c>OrtMemoryInfo*</c>, released by <c>ReleaseMemoryInfo</c>.</summary>
internal sealed unsafe class OrtMemoryInfoHandle(OrtApi api, IntPtr handle) : OrtHandle(api, handle)
{
    protected override bool ReleaseHandle() { Api.ReleaseMemoryInfo(handle); return true; }
}

/// <summary>An <c>OrtSessionOptions*</c>, released by <c>ReleaseSessionOptions</c>.</summary>
internal sealed unsafe class OrtSessionOptionsHandle(OrtApi api, IntPtr handle) : OrtHandle(api, handle)
{
    protected override bool ReleaseHandle() { Api.ReleaseSessionOptions(handle); return true; }
}

/// <summary>An <c>OrtSession*</c>, released by <c>ReleaseSession</c>.</summary>
internal sealed unsafe class OrtSessionHandle(OrtApi api, IntPtr handle) : OrtHandle(api, handle)
{
    protected override bool ReleaseHandle() { Api.ReleaseSession(handle); return true; }
}

/// <summary>An <c>OrtValue*</c>, released by <c>ReleaseValue</c> (which never frees caller-owned data buffers).</summary>
internal sealed unsafe class OrtValueHandle(OrtApi api, IntPtr handle) : OrtHandle(api, handle)
{
    protected override bool ReleaseHandle() { Api.ReleaseValue(handle); return true; }
}

/// <summary>An <c>OrtTypeInfo*</c>, released by <c>ReleaseTypeInfo</c>.</summary>
internal sealed unsafe class OrtTypeInfoHandle(OrtApi api, IntPtr handle) : OrtHandle(api, handle)
{
    protected override bool ReleaseHandle() { Api.ReleaseTypeInfo(handle); return true; }
}

/// <summary>An <c>OrtTensorTypeAndShapeInfo*</c>, released by <c>ReleaseTensorTypeAndShapeInfo</c>.</summary>
internal sealed unsafe class OrtTensorTypeAndShapeInfoHandle(OrtApi api, IntPtr handle) : OrtHandle(api, handle)
{
    protected override bool ReleaseHandle() { Api.ReleaseTensorTypeAndShapeInfo(handle); return true; }
}

/// <summary>An <c>OrtCUDAProviderOptionsV2*</c>, released by <c>ReleaseCUDAProviderOptions</c>.</summary>
internal sealed unsafe class OrtCudaProviderOptionsHandle(OrtApi api, IntPtr handle) : OrtHandle(api, handle)
{
    protected override bool ReleaseHandle() { Api.ReleaseCUDAProviderOptions(handle); return true; }
}
