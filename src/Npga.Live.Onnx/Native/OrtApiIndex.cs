namespace Npga.Live.Onnx.Native;

/// <summary>
/// Slot numbers, in the <c>OrtApi</c> function table, of the entries this binding calls.
/// </summary>
/// <remarks>
/// Counted from <c>struct OrtApi</c> in microsoft/onnxruntime
/// <c>include/onnxruntime/core/session/onnxruntime_c_api.h</c> (the 1.13 header, ORT_API_VERSION 13, read
/// slot by slot: every <c>ORT_API2_STATUS(...)</c>, every <c>ORT_CLASS_RELEASE(...)</c> and every plain function
/// pointer is one slot), and checked against the field order of <c>struct OrtApi</c> in
/// <c>csharp/src/Microsoft.ML.OnnxRuntime/NativeMethods.shared.cs</c> of the same repository. The table is
/// append-only ("the order of the APIs in this struct should match exactly ... ort_api_1_to_latest"), so these
/// slots hold in every release from 1.11 (the oldest that has the CUDA V2 entries, marked "\since Version 1.11")
/// up to 1.30, the library shipped in onnxruntime-node here. At load, <see cref="OrtApi"/> checks slots 0..2 and
/// 93 by a CreateStatus / GetErrorCode / GetErrorMessage / ReleaseStatus round trip; the tests call every other
/// entry listed here.
/// </remarks>
internal static class OrtApiIndex
{
    /// <summary>The oldest API version whose table holds every slot below (CUDA V2 entries appeared in 1.11).</summary>
    public const uint OldestUsableApiVersion = 11;

    /// <summary>The newest API version this binding was written against (ORT 1.30.0, ORT_API_VERSION 30).</summary>
    public const uint NewestKnownApiVersion = 30;

    // OrtStatus
    public const int CreateStatus = 0;
    public const int GetErrorCode = 1;
    public const int GetErrorMessage = 2;

    // OrtEnv
    public const int CreateEnv = 3;

    // OrtSession
    public const int CreateSession = 7;
    public const int CreateSessionFromArray = 8;
    public const int Run = 9;

    // OrtSessionOptions
    public const int CreateSessionOptions = 10;
    public const int SetSessionGraphOptimizationLevel = 23;
    public const int SetIntraOpNumThreads = 24;
    public const int SetInterOpNumThreads = 25;

    // OrtSession metadata
    public const int SessionGetInputCount = 30;
    public const int SessionGetOutputCount = 31;
    public const int SessionGetInputTypeInfo = 33;
    public const int SessionGetOutputTypeInfo = 34;
    public const int SessionGetInputName = 36;
    public const int SessionGetOutputName = 37;

    // OrtValue
    public const int CreateTensorWithDataAsOrtValue = 49;
    public const int GetTensorMutableData = 51;

    // OrtTypeInfo / OrtTensorTypeAndShapeInfo
    public const int CastTypeInfoToTensorInfo = 55;
    public const int GetTensorElementType = 60;
    public const int GetDimensionsCount = 61;
    public const int GetDimensions = 62;
    public const int GetTensorTypeAndShape = 65;

    // OrtMemoryInfo / OrtAllocator
    public const int CreateCpuMemoryInfo = 69;
    public const int AllocatorFree = 76;
    public const int GetAllocatorWithDefaultOptions = 78;

    // ORT_CLASS_RELEASE block
    public const int ReleaseEnv = 92;
    public const int ReleaseStatus = 93;
    public const int ReleaseMemoryInfo = 94;
    public const int ReleaseSession = 95;
    public const int ReleaseValue = 96;
    public const int ReleaseTypeInfo = 98;
    public const int ReleaseTensorTypeAndShapeInfo = 99;
    public const int ReleaseSessionOptions = 100;

    // Providers
    public const int GetAvailableProviders = 125;
    public const int ReleaseAvailableProviders = 126;

    // CUDA execution provider, V2 options (since 1.11)
    public const int SessionOptionsAppendExecutionProvider_CUDA_V2 = 204;
    public const int CreateCUDAProviderOptions = 205;
    public const int UpdateCUDAProviderOptions = 206;
    public const int ReleaseCUDAProviderOptions = 208;
}
