namespace Npga.Live.Onnx;

/// <summary>How an <see cref="OrtSession"/> is created. The defaults suit a server that runs many small models side by side.</summary>
public sealed class OrtSessionOptions
{
    /// <summary>
    /// Threads that split the work of one operator (<c>SetIntraOpNumThreads</c>). 1 (default): the calling thread
    /// only, no thread pool; 0: ORT's default (one per physical core). Must be 0 or more.
    /// </summary>
    public int IntraOpThreads { get; init; } = 1;

    /// <summary>
    /// Threads that run independent operators in parallel (<c>SetInterOpNumThreads</c>); ORT only uses them in
    /// parallel execution mode, which OrtSession does not enable. 0: ORT's default. Must be 0 or more.
    /// </summary>
    public int InterOpThreads { get; init; } = 1;

    /// <summary>
    /// Ask for the CUDA execution provider. When the library lists <c>CUDAExecutionProvider</c> and it can be
    /// appended, the session runs on the GPU with CPU as the fallback for unsupported operators; otherwise the
    /// session runs on the CPU, and <see cref="OrtSession.ActiveProviders"/> and
    /// <see cref="OrtSession.CudaUnavailableReason"/> say so.
    /// </summary>
    public bool UseCuda { get; init; }

    /// <summary>CUDA device ordinal used when <see cref="UseCuda"/> is set. Must be 0 or more.</summary>
    public int CudaDeviceId { get; init; }

    /// <summary>Graph optimization level (<c>SetSessionGraphOptimizationLevel</c>); default <see cref="OrtGraphOptimizationLevel.All"/>.</summary>
    public OrtGraphOptimizationLevel OptimizationLevel { get; init; } = OrtGraphOptimizationLevel.All;
}
