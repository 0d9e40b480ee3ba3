using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Npga.Live.Onnx.Native;

/// <summary>
/// The entries of one library's <c>OrtApi</c> function table that this binding calls, read once into typed
/// <c>delegate* unmanaged</c> fields. Signatures follow <c>onnxruntime_c_api.h</c>: every
/// <c>ORT_API2_STATUS</c> entry returns an <c>OrtStatus*</c> (null = success), C enums travel as <c>int</c>,
/// <c>size_t</c> as <c>nuint</c>, and every handle as <see cref="IntPtr"/>. Slot numbers: <see cref="OrtApiIndex"/>.
/// </summary>
internal sealed unsafe class OrtApi
{
    /// <summary>ORT_INVALID_ARGUMENT, used by the load-time self check.</summary>
    private const int ProbeErrorCode = 2;
    private const string ProbeMessage = "npga-live OrtApi layout probe";

    public readonly delegate* unmanaged<int, byte*, IntPtr> CreateStatus;
    public readonly delegate* unmanaged<IntPtr, int> GetErrorCode;
    public readonly delegate* unmanaged<IntPtr, byte*> GetErrorMessage;
    public readonly delegate* unmanaged<int, byte*, IntPtr*, IntPtr> CreateEnv;
    /// <summary>(env, model path as ORTCHAR_T*: UTF-8 on Linux, UTF-16 on Windows, options, out session).</summary>
    public readonly delegate* unmanaged<IntPtr, void*, IntPtr, IntPtr*, IntPtr> CreateSession;
    public readonly delegate* unmanaged<IntPtr, void*, nuint, IntPtr, IntPtr*, IntPtr> CreateSessionFromArray;
    /// <summary>(session, run options, input names, input values, input count, output names, output count, output values).</summary>
    public readonly delegate* unmanaged<IntPtr, IntPtr, IntPtr*, IntPtr*, nuint, IntPtr*, nuint, IntPtr*, IntPtr> Run;
    public readonly delegate* unmanaged<IntPtr*, IntPtr> CreateSessionOptions;
    public readonly delegate* unmanaged<IntPtr, int, IntPtr> SetSessionGraphOptimizationLevel;
    public readonly delegate* unmanaged<IntPtr, int, IntPtr> SetIntraOpNumThreads;
    public readonly delegate* unmanaged<IntPtr, int, IntPtr> SetInterOpNumThreads;
    public readonly delegate* unmanaged<IntPtr, nuint*, IntPtr> SessionGetInputCount;
    public readonly delegate* unmanaged<IntPtr, nuint*, IntPtr> SessionGetOutputCount;
    public readonly delegate* unmanaged<IntPtr, nuint, IntPtr*, IntPtr> SessionGetInputTypeInfo;
    public readonly delegate* unmanaged<IntPtr, nuint, IntPtr*, IntPtr> SessionGetOutputTypeInfo;
    public readonly delegate* unmanaged<IntPtr, nuint, IntPtr, byte**, IntPtr> SessionGetInputName;
    public readonly delegate* unmanaged<IntPtr, nuint, IntPtr, byte**, IntPtr> SessionGetOutputName;
    /// <summary>(memory info, data, data length in bytes, shape, rank, element type, out value).</summary>
    public readonly delegate* unmanaged<IntPtr, void*, nuint, long*, nuint, int, IntPtr*, IntPtr> CreateTensorWithDataAsOrtValue;
    public readonly delegate* unmanaged<IntPtr, void**, IntPtr> GetTensorMutableData;
    public readonly delegate* unmanaged<IntPtr, IntPtr*, IntPtr> CastTypeInfoToTensorInfo;
    public readonly delegate* unmanaged<IntPtr, int*, IntPtr> GetTensorElementType;
    public readonly delegate* unmanaged<IntPtr, nuint*, IntPtr> GetDimensionsCount;
    public readonly delegate* unmanaged<IntPtr, long*, nuint, IntPtr> GetDimensions;
    public readonly delegate* unmanaged<IntPtr, IntPtr*, IntPtr> GetTensorTypeAndShape;
    public readonly delegate* unmanaged<int, int, IntPtr*, IntPtr> CreateCpuMemoryInfo;
    public readonly delegate* unmanaged<IntPtr, void*, IntPtr> AllocatorFree;
    public readonly delegate* unmanaged<IntPtr*, IntPtr> GetAllocatorWithDefaultOptions;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseEnv;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseStatus;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseMemoryInfo;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseSession;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseValue;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseTypeInfo;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseTensorTypeAndShapeInfo;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseSessionOptions;
    public readonly delegate* unmanaged<byte***, int*, IntPtr> GetAvailableProviders;
    public readonly delegate* unmanaged<byte**, int, IntPtr> ReleaseAvailableProviders;
    public readonly delegate* unmanaged<IntPtr, IntPtr, IntPtr> SessionOptionsAppendExecutionProvider_CUDA_V2;
    public readonly delegate* unmanaged<IntPtr*, IntPtr> CreateCUDAProviderOptions;
    public readonly delegate* unmanaged<IntPtr, byte**, byte**, nuint, IntPtr> UpdateCUDAProviderOptions;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseCUDAProviderOptions;

    /// <summary>Reads the entries from <paramref name="table"/> (an <c>OrtApi*</c> from <c>OrtApiBase::GetApi</c>).</summary>
    /// <exception cref="InvalidOperationException">An entry is null, or the status round trip disagrees: the table is not laid out as expected.</exception>
    public OrtApi(void** table)
    {
        CreateStatus = (delegate* unmanaged<int, byte*, IntPtr>)Entry(table, OrtApiIndex.CreateStatus);
        GetErrorCode = (delegate* unmanaged<IntPtr, int>)Entry(table, OrtApiIndex.GetErrorCode);
        GetErrorMessage = (delegate* unmanaged<IntPtr, byte*>)Entry(table, OrtApiIndex.GetErrorMessage);
        CreateEnv = (delegate* unmanaged<int, byte*, IntPtr*, IntPtr>)Entry(table, OrtApiIndex.CreateEnv);
        CreateSession = (delegate* unmanaged<IntPtr, void*, IntPtr, IntPtr*, IntPtr>)Entry(table, OrtApiIndex.CreateSession);
        CreateSessionFromArray = (delegate* unmanaged<IntPtr, void*, nuint, IntPtr, IntPtr*, IntPtr>)Entry(table, OrtApiIndex.CreateSessionFromArray);
        Run = (delegate* unmanaged<IntPtr, IntPtr, IntPtr*, IntPtr*, nuint, IntPtr*, nuint, IntPtr*, IntPtr>)Entry(table, OrtApiIndex.Run);
        CreateSessionOptions = (delegate* unmanaged<IntPtr*, IntPtr>)Entry(table, OrtApiIndex.CreateSessionOptions);
        SetSessionGraphOptimizationLevel = (delegate* unmanaged<IntPtr, int, IntPtr>)Entry(table, OrtApiIndex.SetSessionGraphOptimizationLevel);
        SetIntraOpNumThreads = (delegate* unmanaged<IntPtr, int, IntPtr>)Entry(table, OrtApiIndex.SetIntraOpNumThreads);
        SetInterOpNumThreads = (delegate* unmanaged<IntPtr, int, IntPtr>)Entry(table, OrtApiIndex.SetInterOpNumThreads);
        SessionGetInputCount = (delegate* unmanaged<IntPtr, nuint*, IntPtr>)Entry(table, OrtApiIndex.SessionGetInputCount);
        SessionGetOutputCount = (delegate* unmanaged<IntPtr, nuint*, IntPtr>)Entry(table, OrtApiIndex.SessionGetOutputCount);
        SessionGetInputTypeInfo = (delegate* unmanaged<IntPtr, nuint, IntPtr*, IntPtr>)Entry(table, OrtApiIndex.SessionGetInputTypeInfo);
        SessionGetOutputTypeInfo = (delegate* unmanaged<IntPtr, nuint, IntPtr*, IntPtr>)Entry(table, OrtApiIndex.SessionGetOutputTypeInfo);
        SessionGetInputName = (delegate* unmanaged<IntPtr, nuint, IntPtr, byte**, IntPtr>)Entry(table, OrtApiIndex.SessionGetInputName);
        SessionGetOutputName = (delegate* unmanaged<IntPtr, nuint, IntPtr, byte**, IntPtr>)Entry(table, OrtApiIndex.SessionGetOutputName);
        CreateTensorWithDataAsOrtValue = (delegate* unmanaged<IntPtr, void*, nuint, long*, nuint, int, IntPtr*, IntPtr>)Entry(table, OrtApiIndex.CreateTensorWithDataAsOrtValue);
        GetTensorMutableData = (delegate* unmanaged<IntPtr, void**, IntPtr>)Entry(table, OrtApiIndex.GetTensorMutableData);
        CastTypeInfoToTensorInfo = (delegate* unmanaged<IntPtr, IntPtr*, IntPtr>)Entry(table, OrtApiIndex.CastTypeInfoToTensorInfo);
        GetTensorElementType = (delegate* unmanaged<IntPtr, int*, IntPtr>)Entry(table, OrtApiIndex.GetTensorElementType);
        GetDimensionsCount = (delegate* unmanaged<IntPtr, nuint*, IntPtr>)Entry(table, OrtApiIndex.GetDimensionsCount);
        GetDimensions = (delegate* unmanaged<IntPtr, long*, nuint, IntPtr>)Entry(table, OrtApiIndex.GetDimensions);
        GetTensorTypeAndShape = (delegate* unmanaged<IntPtr, IntPtr*, IntPtr>)Entry(table, OrtApiIndex.GetTensorTypeAndShape);
        CreateCpuMemoryInfo = (delegate* unmanaged<int, int, IntPtr*, IntPtr>)Entry(table, OrtApiIndex.CreateCpuMemoryInfo);
        AllocatorFree = (delegate* unmanaged<IntPtr, void*, IntPtr>)Entry(table, OrtApiIndex.AllocatorFree);
        GetAllocatorWithDefaultOptions = (delegate* unmanaged<IntPtr*, IntPtr>)Entry(table, OrtApiIndex.GetAllocatorWithDefaultOptions);
        ReleaseEnv = (delegate* unmanaged<IntPtr, void>)Entry(table, OrtApiIndex.ReleaseEnv);
        ReleaseStatus = (delegate* unmanaged<IntPtr, void>)Entry(table, OrtApiIndex.ReleaseStatus);
        ReleaseMemoryInfo = (delegate* unmanaged<IntPtr, void>)Entry(table, OrtApiIndex.ReleaseMemoryInfo);
        ReleaseSession = (delegate* unmanaged<IntPtr, void>)Entry(table, OrtApiIndex.ReleaseSession);
        ReleaseValue = (delegate* unmanaged<IntPtr, void>)Entry(table, OrtApiIndex.ReleaseValue);
        ReleaseTypeInfo = (delegate* unmanaged<IntPtr, void>)Entry(table, OrtApiIndex.ReleaseTypeInfo);
        ReleaseTensorTypeAndShapeInfo = (delegate* unmanaged<IntPtr, void>)Entry(table, OrtApiIndex.ReleaseTensorTypeAndShapeInfo);
        ReleaseSessionOptions = (delegate* unmanaged<IntPtr, void>)Entry(table, OrtApiIndex.ReleaseSessionOptions);
        GetAvailableProviders = (delegate* unmanaged<byte***, int*, IntPtr>)Entry(table, OrtApiIndex.GetAvailableProviders);
        ReleaseAvailableProviders = (delegate* unmanaged<byte**, int, IntPtr>)Entry(table, OrtApiIndex.ReleaseAvailableProviders);
        SessionOptionsAppendExecutionProvider_CUDA_V2 = (delegate* unmanaged<IntPtr, IntPtr, IntPtr>)Entry(table, OrtApiIndex.SessionOptionsAppendExecutionProvider_CUDA_V2);
        CreateCUDAProviderOptions = (delegate* unmanaged<IntPtr*, IntPtr>)Entry(table, OrtApiIndex.CreateCUDAProviderOptions);
        UpdateCUDAProviderOptions = (delegate* unmanaged<IntPtr, byte**, byte**, nuint, IntPtr>)Entry(table, OrtApiIndex.UpdateCUDAProviderOptions);
        ReleaseCUDAProviderOptions = (delegate* unmanaged<IntPtr, void>)Entry(table, OrtApiIndex.ReleaseCUDAProviderOptions);
        VerifyStatusRoundTrip();
    }

    /// <summary>Throws <see cref="OrtException"/> carrying ORT's message when <paramref name="status"/> is not null; releases it.</summary>
    /// <param name="status">An <c>OrtStatus*</c> returned by an entry; null means success.</param>
    /// <param name="operation">The entry's name, for the exception message (pass a literal: no allocation on success).</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Check(IntPtr status, string operation)
    {
        if (status != IntPtr.Zero) Throw(status, operation);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Throw(IntPtr status, string operation)
    {
        using var handle = new OrtStatusHandle(this, status);
        var code = GetErrorCode(status);
        var message = Marshal.PtrToStringUTF8((IntPtr)GetErrorMessage(status)) ?? "";
        throw new OrtException(code, operation, message);
    }

    /// <summary>Frees memory that an entry allocated with the default allocator (names, for instance).</summary>
    public void FreeWithDefaultAllocator(IntPtr allocator, void* p)
    {
        if (p != null) Check(AllocatorFree(allocator, p), "AllocatorFree");
    }

    /// <summary>Null-terminated UTF-8 bytes of <paramref name="s"/>, for <c>const char*</c> arguments.</summary>
    public static byte[] Utf8Z(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }

    private static void* Entry(void** table, int index)
    {
        var p = table[index];
        if (p == null)
            throw new InvalidOperationException($"the ONNX Runtime OrtApi table has no entry at slot {index}");
        return p;
    }

    /// <summary>CreateStatus (0) -> GetErrorCode (1) -> GetErrorMessage (2) -> ReleaseStatus (93): a misnumbered table fails here, not later.</summary>
    private void VerifyStatusRoundTrip()
    {
        var message = Utf8Z(ProbeMessage);
        IntPtr status;
        fixed (byte* m = message) status = CreateStatus(ProbeErrorCode, m);
        if (status == IntPtr.Zero)
            throw new InvalidOperationException("OrtApi layout check failed: CreateStatus returned null");
        using var handle = new OrtStatusHandle(this, status);
        var code = GetErrorCode(status);
        var text = Marshal.PtrToStringUTF8((IntPtr)GetErrorMessage(status));
        if (code != ProbeErrorCode || text != ProbeMessage)
            throw new InvalidOperationException(
                $"OrtApi layout check failed: CreateStatus({ProbeErrorCode}, \"{ProbeMessage}\") read back as ({code}, \"{text}\")");
    }
}
