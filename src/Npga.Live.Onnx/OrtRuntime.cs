using Microsoft.ML.OnnxRuntime;

namespace Npga.Live.Onnx;

/// <summary>
/// The process's ONNX Runtime: the native library of the <c>Microsoft.ML.OnnxRuntime</c> package (or, in a build with
/// <c>-p:NpgaGpu=true</c>, of <c>Microsoft.ML.OnnxRuntime.Gpu.Linux</c>), copied beside the assemblies for linux-x64,
/// and its one environment (<c>OrtEnv</c>, log id "npga-live", logging at warning level), created on first use and
/// shared by every <see cref="OrtSession"/>.
/// </summary>
public sealed class OrtRuntime
{
    private static readonly object Gate = new();
    private static OrtRuntime? _shared;

    private OrtRuntime(OrtEnv env)
    {
        Version = env.GetVersionString();
        AvailableProviders = env.GetAvailableProviders();
    }

    /// <summary>The runtime, made on first use (a failure is not cached: a later call tries again).</summary>
    /// <exception cref="DllNotFoundException">The package's native library (libonnxruntime.so) is not beside the assemblies or does not load.</exception>
    /// <exception cref="OrtException">Creating the environment failed.</exception>
    public static OrtRuntime Shared
    {
        get
        {
            var shared = Volatile.Read(ref _shared);
            if (shared is not null) return shared;
            lock (Gate)
            {
                _shared ??= Create();
                return _shared;
            }
        }
    }

    /// <summary>The library's version string (<c>GetVersionString</c>), e.g. "1.32.0".</summary>
    public string Version { get; }

    /// <summary>
    /// Execution providers compiled into the library (<c>GetAvailableProviders</c>), e.g. "CUDAExecutionProvider",
    /// "CPUExecutionProvider". Listed is not the same as usable: a provider whose own shared library or CUDA
    /// libraries are missing fails when a session appends it (see <see cref="OrtSession.ActiveProviders"/>).
    /// </summary>
    public IReadOnlyList<string> AvailableProviders { get; }

    /// <inheritdoc />
    public override string ToString() => $"ONNX Runtime {Version} ({string.Join(", ", AvailableProviders)})";

    private static OrtRuntime Create()
    {
        var options = new EnvironmentCreationOptions { logId = "npga-live", logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING };
        try
        {
            return new OrtRuntime(OrtEnv.CreateInstanceWithOptions(ref options));
        }
        catch (OnnxRuntimeException e)
        {
            throw OrtException.From(e, "CreateEnv");
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException { InnerException: DllNotFoundException })
        {
            throw new DllNotFoundException(
                "ONNX Runtime's native library (libonnxruntime.so, from the Microsoft.ML.OnnxRuntime package) did not load; " +
                $"build for linux-x64 so that it is copied beside the assemblies: {(e.InnerException ?? e).Message}", e);
        }
    }
}
