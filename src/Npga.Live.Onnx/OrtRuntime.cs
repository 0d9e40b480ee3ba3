using System.Runtime.InteropServices;
using Npga.Live.Onnx.Native;

namespace Npga.Live.Onnx;

/// <summary>
/// One loaded ONNX Runtime library: its <c>OrtApi</c> function table, one <c>OrtEnv</c> (logging at warning level)
/// and a CPU memory description. There is one instance per library per process, never unloaded; sessions made
/// from it share the environment. Any build that exports <c>OrtGetApiBase</c> (API version 11 or newer) loads,
/// so an official onnxruntime-gpu library can replace the CPU one without code changes.
/// </summary>
public sealed unsafe class OrtRuntime
{
    private const int LoggingLevelWarning = 2;   // ORT_LOGGING_LEVEL_WARNING
    private const int ArenaAllocator = 1;        // OrtArenaAllocator
    private const int MemTypeDefault = 0;        // OrtMemTypeDefault

    private static readonly object Gate = new();
    private static readonly Dictionary<IntPtr, OrtRuntime> ByLibrary = new();
    private static OrtRuntime? _shared;

    private readonly OrtEnvHandle _env;
    private readonly OrtMemoryInfoHandle _cpuMemoryInfo;

    private OrtRuntime(string libraryPath, OrtApi api, uint apiVersion, string version)
    {
        LibraryPath = libraryPath;
        Api = api;
        ApiVersion = apiVersion;
        Version = version;

        var logId = OrtApi.Utf8Z("npga-live");
        IntPtr env;
        fixed (byte* id = logId) api.Check(api.CreateEnv(LoggingLevelWarning, id, &env), "CreateEnv");
        _env = new OrtEnvHandle(api, env);

        IntPtr memoryInfo;
        api.Check(api.CreateCpuMemoryInfo(ArenaAllocator, MemTypeDefault, &memoryInfo), "CreateCpuMemoryInfo");
        _cpuMemoryInfo = new OrtMemoryInfoHandle(api, memoryInfo);

        IntPtr allocator;
        api.Check(api.GetAllocatorWithDefaultOptions(&allocator), "GetAllocatorWithDefaultOptions");
        DefaultAllocator = allocator;

        AvailableProviders = ReadAvailableProviders(api);
    }

    /// <summary>
    /// The default library, loaded on first use: <c>NPGA_ORT_LIBRARY</c> when set, else
    /// <c>&lt;checkout&gt;/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1</c>.
    /// </summary>
    /// <exception cref="DllNotFoundException">No library at those places (the message lists them and says to run scripts/setup.sh).</exception>
    public static OrtRuntime Shared
    {
        get
        {
            var shared = Volatile.Read(ref _shared);
            if (shared is not null) return shared;
            lock (Gate)
            {
                // A failure is not cached: a later call retries (after scripts/setup.sh, say).
                _shared ??= Load(OrtLibraryLocator.ResolveDefault());
                return _shared;
            }
        }
    }

    /// <summary>Loads the ONNX Runtime library at <paramref name="libraryPath"/>, or returns the instance already made for it.</summary>
    /// <param name="libraryPath">Path of a libonnxruntime shared library.</param>
    /// <exception cref="DllNotFoundException">No file there, or the dynamic loader refused it.</exception>
    /// <exception cref="EntryPointNotFoundException">The library does not export <c>OrtGetApiBase</c>.</exception>
    /// <exception cref="NotSupportedException">The library supports none of the API versions this binding can use (11 to 30).</exception>
    /// <exception cref="OrtException">Creating the environment failed.</exception>
    public static OrtRuntime Load(string libraryPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(libraryPath);
        var fullPath = Path.GetFullPath(libraryPath);
        if (!File.Exists(fullPath))
            throw new DllNotFoundException(
                $"ONNX Runtime library not found: {fullPath}. Run scripts/setup.sh to install the checkout's copy " +
                $"(node_modules/onnxruntime-node), or pass the path of a libonnxruntime.so.");

        lock (Gate)
        {
            var library = NativeLibrary.Load(fullPath);
            if (ByLibrary.TryGetValue(library, out var existing)) return existing;

            if (!NativeLibrary.TryGetExport(library, "OrtGetApiBase", out var getApiBase))
                throw new EntryPointNotFoundException($"{fullPath} exports no OrtGetApiBase: it is not an ONNX Runtime library");

            // struct OrtApiBase { const OrtApi* (*GetApi)(uint32_t); const char* (*GetVersionString)(void); }
            var apiBase = ((delegate* unmanaged<void**>)getApiBase)();
            if (apiBase == null) throw new InvalidOperationException($"OrtGetApiBase in {fullPath} returned null");
            var getApi = (delegate* unmanaged<uint, void**>)apiBase[0];
            var getVersionString = (delegate* unmanaged<byte*>)apiBase[1];
            var version = Marshal.PtrToStringUTF8((IntPtr)getVersionString()) ?? "";

            var table = RequestApi(getApi, version, out var apiVersion);
            if (table == null)
                throw new NotSupportedException(
                    $"ONNX Runtime {version} at {fullPath} supports none of the OrtApi versions " +
                    $"{OrtApiIndex.OldestUsableApiVersion}..{OrtApiIndex.NewestKnownApiVersion} this binding uses");

            var runtime = new OrtRuntime(fullPath, new OrtApi(table), apiVersion, version);
            ByLibrary.Add(library, runtime);
            return runtime;
        }
    }

    /// <summary>The library file this runtime was loaded from (full path).</summary>
    public string LibraryPath { get; }

    /// <summary>The library's version string (<c>OrtApiBase::GetVersionString</c>), e.g. "1.30.0".</summary>
    public string Version { get; }

    /// <summary>The <c>OrtApi</c> version requested from the library (the newest of 11..30 that it supports).</summary>
    public uint ApiVersion { get; }

    /// <summary>
    /// Execution providers compiled into the library (<c>GetAvailableProviders</c>), e.g. "CUDAExecutionProvider",
    /// "CPUExecutionProvider". Listed is not the same as usable: a provider whose own shared library or CUDA
    /// libraries are missing fails when a session appends it (see <see cref="OrtSession.ActiveProviders"/>).
    /// </summary>
    public IReadOnlyList<string> AvailableProviders { get; }

    internal OrtApi Api { get; }

    /// <summary>The <c>OrtAllocator*</c> from <c>GetAllocatorWithDefaultOptions</c>; owned by ORT, never freed.</summary>
    internal IntPtr DefaultAllocator { get; }

    internal OrtEnvHandle Env => _env;

    internal OrtMemoryInfoHandle CpuMemoryInfo => _cpuMemoryInfo;

    /// <inheritdoc />
    public override string ToString() => $"ONNX Runtime {Version} (API {ApiVersion}) from {LibraryPath}";

    private static void** RequestApi(delegate* unmanaged<uint, void**> getApi, string version, out uint apiVersion)
    {
        // Asking for a version newer than the build's makes ORT print a complaint to stderr, so start at the
        // version matching the library's minor number ("1.30.0" -> 30) when it can be read.
        var start = OrtApiIndex.NewestKnownApiVersion;
        var parts = version.Split('.');
        if (parts.Length >= 2 && parts[0] == "1" && uint.TryParse(parts[1], out var minor))
            start = Math.Clamp(minor, OrtApiIndex.OldestUsableApiVersion, OrtApiIndex.NewestKnownApiVersion);
        for (var v = start; v >= OrtApiIndex.OldestUsableApiVersion; v--)
        {
            var table = getApi(v);
            apiVersion = v;
            if (table != null) return table;
        }
        apiVersion = 0;
        return null;
    }

    private static string[] ReadAvailableProviders(OrtApi api)
    {
        byte** names;
        int count;
        api.Check(api.GetAvailableProviders(&names, &count), "GetAvailableProviders");
        try
        {
            var result = new string[count];
            for (var i = 0; i < count; i++) result[i] = Marshal.PtrToStringUTF8((IntPtr)names[i]) ?? "";
            return result;
        }
        finally
        {
            api.Check(api.ReleaseAvailableProviders(names, count), "ReleaseAvailableProviders");
        }
    }
}
