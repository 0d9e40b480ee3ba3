using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Npga.Live.Onnx.Native;

namespace Npga.Live.Onnx;

/// <summary>
/// A model loaded into ONNX Runtime (<c>OrtSession</c>), with its input and output metadata. <see cref="Run"/>
/// is thread-safe: several threads may run one session at once. For a per-frame loop use
/// <see cref="CreateRunner"/>, which binds fixed-shape buffers once and then runs without allocating.
/// </summary>
public sealed unsafe class OrtSession : IDisposable
{
    /// <summary>The provider name ORT gives its CUDA execution provider.</summary>
    public const string CudaProvider = "CUDAExecutionProvider";

    /// <summary>The provider name ORT gives its CPU execution provider.</summary>
    public const string CpuProvider = "CPUExecutionProvider";

    private readonly OrtApi _api;
    private readonly OrtSessionHandle _handle;
    private readonly Dictionary<string, int> _inputIndex;
    private readonly Dictionary<string, int> _outputIndex;
    private readonly IntPtr[] _inputNamePtrs;   // into pinned UTF-8 arrays, kept alive by _names
    private readonly IntPtr[] _outputNamePtrs;
    private readonly List<byte[]> _names = [];

    /// <summary>Loads the model file at <paramref name="modelPath"/>.</summary>
    /// <param name="modelPath">Path of an .onnx file (external-data files are looked up beside it).</param>
    /// <param name="options">Threading, optimization and provider choices; null for the defaults.</param>
    /// <param name="runtime">The ONNX Runtime to use; null for <see cref="OrtRuntime.Shared"/>.</param>
    /// <exception cref="FileNotFoundException">No file at <paramref name="modelPath"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative thread count or CUDA device id.</exception>
    /// <exception cref="OrtException">ORT refused the model (not ONNX, truncated, unknown operator, ...); carries ORT's message.</exception>
    /// <exception cref="DllNotFoundException">No runtime given and the default library is missing.</exception>
    public OrtSession(string modelPath, OrtSessionOptions? options = null, OrtRuntime? runtime = null)
        : this(CreateFromFile(modelPath, options, runtime))
    {
    }

    /// <summary>Loads a model from its serialized bytes (the content of an .onnx file); the bytes are copied by ORT.</summary>
    /// <param name="model">The ONNX protobuf bytes; must not be empty.</param>
    /// <param name="options">Threading, optimization and provider choices; null for the defaults.</param>
    /// <param name="runtime">The ONNX Runtime to use; null for <see cref="OrtRuntime.Shared"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="model"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative thread count or CUDA device id.</exception>
    /// <exception cref="OrtException">ORT refused the model; carries ORT's message.</exception>
    /// <exception cref="DllNotFoundException">No runtime given and the default library is missing.</exception>
    public OrtSession(ReadOnlySpan<byte> model, OrtSessionOptions? options = null, OrtRuntime? runtime = null)
        : this(CreateFromBytes(model, options, runtime))
    {
    }

    private OrtSession(Created created)
    {
        Runtime = created.Runtime;
        _api = created.Runtime.Api;
        _handle = created.Handle;
        ModelPath = created.ModelPath;
        ActiveProviders = created.ActiveProviders;
        CudaUnavailableReason = created.CudaUnavailableReason;
        try
        {
            Inputs = ReadNodes(isInput: true, out _inputNamePtrs);
            Outputs = ReadNodes(isInput: false, out _outputNamePtrs);
        }
        catch
        {
            _handle.Dispose();
            throw;
        }
        _inputIndex = IndexByName(Inputs);
        _outputIndex = IndexByName(Outputs);
    }

    /// <summary>The runtime this session was created with.</summary>
    public OrtRuntime Runtime { get; }

    /// <summary>The model file, or null when the session was made from bytes.</summary>
    public string? ModelPath { get; }

    /// <summary>The model's inputs in graph order (names, element types, shapes with -1 for dynamic dimensions).</summary>
    public IReadOnlyList<OrtNodeInfo> Inputs { get; }

    /// <summary>The model's outputs in graph order.</summary>
    public IReadOnlyList<OrtNodeInfo> Outputs { get; }

    /// <summary>
    /// Execution providers in preference order: <c>["CUDAExecutionProvider", "CPUExecutionProvider"]</c> when CUDA
    /// was asked for and could be appended, otherwise <c>["CPUExecutionProvider"]</c>.
    /// </summary>
    public IReadOnlyList<string> ActiveProviders { get; }

    /// <summary>
    /// Why CUDA is not active although <see cref="OrtSessionOptions.UseCuda"/> asked for it (the library lacks the
    /// provider, or ORT's message on appending it or creating the session with it); null otherwise.
    /// </summary>
    public string? CudaUnavailableReason { get; }

    internal OrtApi Api => _api;

    internal OrtSessionHandle Handle => _handle;

    /// <summary>
    /// Runs the model once. Allocating convenience path: inputs are wrapped without copying, outputs are copied
    /// into new arrays.
    /// </summary>
    /// <param name="inputs">One tensor per model input (all of them), float32 or int64 as the model declares, each with a concrete shape compatible with the model's (same rank, same fixed dimensions).</param>
    /// <param name="outputNames">Outputs to compute; null for all, in graph order.</param>
    /// <returns>The requested outputs by name, in the order requested.</returns>
    /// <exception cref="ArgumentException">An unknown, repeated or missing input name; a tensor with no or both arrays set, the wrong element type, a length that is not the product of its shape, or a shape that contradicts the model; an unknown or repeated output name. The message names the tensor.</exception>
    /// <exception cref="NotSupportedException">A requested output is neither float32 nor int64.</exception>
    /// <exception cref="OrtException">ORT failed the run; carries ORT's message.</exception>
    /// <exception cref="ObjectDisposedException">The session was disposed.</exception>
    public IReadOnlyDictionary<string, OrtTensor> Run(IReadOnlyList<OrtTensor> inputs, IReadOnlyList<string>? outputNames = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        ValidateInputs(inputs);
        var outputs = ResolveOutputs(outputNames);

        var n = inputs.Count;
        var m = outputs.Length;
        var pins = new GCHandle[n];
        var inputValues = new OrtValueHandle?[n];
        var inputNamePtrs = new IntPtr[n];
        var inputValuePtrs = new IntPtr[n];
        var outputNamePtrs = new IntPtr[m];
        var outputValuePtrs = new IntPtr[m];
        var outputValues = new OrtValueHandle?[m];
        var addedRef = false;
        try
        {
            for (var i = 0; i < n; i++)
            {
                var t = inputs[i];
                inputNamePtrs[i] = _inputNamePtrs[_inputIndex[t.Name]];
                Array data = t.Float is not null ? t.Float : t.Int64!;
                pins[i] = GCHandle.Alloc(data, GCHandleType.Pinned);
                var bytes = (nuint)data.Length * (t.Float is not null ? (nuint)sizeof(float) : (nuint)sizeof(long));
                inputValues[i] = CreateTensor(pins[i].AddrOfPinnedObject(), bytes, t.Shape, t.ElementType);
                inputValuePtrs[i] = inputValues[i]!.DangerousGetHandle();
            }
            for (var j = 0; j < m; j++) outputNamePtrs[j] = _outputNamePtrs[outputs[j]];

            _handle.DangerousAddRef(ref addedRef);
            IntPtr status;
            fixed (IntPtr* inNames = inputNamePtrs, inValues = inputValuePtrs, outNames = outputNamePtrs, outValues = outputValuePtrs)
                status = _api.Run(_handle.DangerousGetHandle(), IntPtr.Zero, inNames, inValues, (nuint)n, outNames, (nuint)m, outValues);
            for (var j = 0; j < m; j++)
                if (outputValuePtrs[j] != IntPtr.Zero) outputValues[j] = new OrtValueHandle(_api, outputValuePtrs[j]);
            _api.Check(status, "Run");

            var result = new Dictionary<string, OrtTensor>(m, StringComparer.Ordinal);
            for (var j = 0; j < m; j++)
            {
                var name = Outputs[outputs[j]].Name;
                result[name] = ReadTensor(name, outputValues[j]!);
            }
            return result;
        }
        finally
        {
            if (addedRef) _handle.DangerousRelease();
            foreach (var v in outputValues) v?.Dispose();
            foreach (var v in inputValues) v?.Dispose();
            foreach (var p in pins) if (p.IsAllocated) p.Free();
        }
    }

    /// <summary>
    /// Binds fixed-shape float32 buffers for a hot loop: fill <see cref="OrtRunner.Input(string)"/>, call
    /// <see cref="OrtRunner.Run"/>, read <see cref="OrtRunner.Output(string)"/>; no managed allocation per run.
    /// The runner keeps the native session alive until the runner itself is disposed.
    /// </summary>
    /// <param name="inputs">Every model input with the concrete shape to bind (no -1); all must be float32.</param>
    /// <param name="outputs">The outputs to compute (one or more), each with the concrete shape the model will produce for these inputs; float32.</param>
    /// <returns>A runner owning the buffers; dispose it when done.</returns>
    /// <exception cref="ArgumentException">An unknown, repeated or missing name; a non-float32 tensor; a negative dimension or one that contradicts the model. The message names the tensor.</exception>
    /// <exception cref="OrtException">ORT refused to wrap a buffer.</exception>
    /// <exception cref="ObjectDisposedException">The session was disposed.</exception>
    public OrtRunner CreateRunner(IReadOnlyList<(string Name, long[] Shape)> inputs, IReadOnlyList<(string Name, long[] Shape)> outputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);

        var inputSlots = ValidateBindings(inputs, _inputIndex, Inputs, "input", nameof(inputs));
        if (inputs.Count != Inputs.Count)
        {
            var missing = Inputs.Where(i => !inputs.Any(b => b.Name == i.Name)).Select(i => i.Name);
            throw new ArgumentException($"every model input must be bound; missing: {string.Join(", ", missing)}", nameof(inputs));
        }
        if (outputs.Count == 0) throw new ArgumentException("bind at least one output", nameof(outputs));
        var outputSlots = ValidateBindings(outputs, _outputIndex, Outputs, "output", nameof(outputs));

        return new OrtRunner(this,
            inputs.Select((b, i) => (b.Name, (long[])b.Shape.Clone(), _inputNamePtrs[inputSlots[i]])).ToArray(),
            outputs.Select((b, i) => (b.Name, (long[])b.Shape.Clone(), _outputNamePtrs[outputSlots[i]])).ToArray());
    }

    /// <summary>Releases the native session (at once, or when the last <see cref="OrtRunner"/> made from it is disposed). Safe to call twice.</summary>
    public void Dispose() => _handle.Dispose();

    /// <inheritdoc />
    public override string ToString() =>
        $"OrtSession({ModelPath ?? "<bytes>"}; in: {string.Join("; ", Inputs)}; out: {string.Join("; ", Outputs)}; {string.Join(",", ActiveProviders)})";

    /// <summary>Wraps caller-owned, pinned memory as an ORT tensor on the CPU (<c>CreateTensorWithDataAsOrtValue</c>); the memory must outlive the value.</summary>
    internal OrtValueHandle CreateTensor(IntPtr data, nuint byteLength, long[] shape, OrtElementType type)
    {
        IntPtr value;
        fixed (long* dims = shape)
            _api.Check(_api.CreateTensorWithDataAsOrtValue(Runtime.CpuMemoryInfo.DangerousGetHandle(), (void*)data, byteLength,
                dims, (nuint)shape.Length, (int)type, &value), "CreateTensorWithDataAsOrtValue");
        return new OrtValueHandle(_api, value);
    }

    /// <summary>Checks <paramref name="shape"/> against <paramref name="node"/>: no negative dimension, same rank and same fixed dimensions as the model (when the model states its rank).</summary>
    internal static void ValidateShape(OrtNodeInfo node, long[]? shape, string role, string paramName)
    {
        if (shape is null) throw new ArgumentException($"{role} '{node.Name}': shape is null", paramName);
        foreach (var d in shape)
            if (d < 0) throw new ArgumentException($"{role} '{node.Name}': shape [{string.Join(",", shape)}] has a negative dimension", paramName);
        if (node.Shape.Length == 0) return; // scalar or rank not stated: let ORT judge
        var fits = shape.Length == node.Shape.Length;
        for (var k = 0; fits && k < shape.Length; k++) fits = node.Shape[k] < 0 || node.Shape[k] == shape[k];
        if (!fits)
            throw new ArgumentException(
                $"{role} '{node.Name}': shape [{string.Join(",", shape)}] does not fit the model's [{string.Join(",", node.Shape)}] (-1 = any)", paramName);
    }

    /// <summary>Product of <paramref name="shape"/> (1 for a scalar).</summary>
    /// <exception cref="ArgumentException">The product overflows an array's length.</exception>
    internal static int ElementCount(long[] shape, string name, string paramName)
    {
        long count = 1;
        try
        {
            foreach (var d in shape) count = checked(count * d);
        }
        catch (OverflowException)
        {
            count = long.MaxValue;
        }
        if (count > Array.MaxLength)
            throw new ArgumentException($"'{name}': shape [{string.Join(",", shape)}] holds more elements than an array can", paramName);
        return (int)count;
    }

    private static Created CreateFromFile(string modelPath, OrtSessionOptions? options, OrtRuntime? runtime)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        var fullPath = Path.GetFullPath(modelPath);
        if (!File.Exists(fullPath)) throw new FileNotFoundException($"ONNX model not found: {fullPath}", fullPath);
        ValidateOptions(options ??= new OrtSessionOptions());
        runtime ??= OrtRuntime.Shared;

        // ORTCHAR_T is char (UTF-8) everywhere but Windows, where it is wchar_t (UTF-16).
        if (OperatingSystem.IsWindows())
        {
            fixed (char* path = fullPath + "\0") return Create(runtime, options, path, null, 0, fullPath);
        }
        fixed (byte* path = OrtApi.Utf8Z(fullPath)) return Create(runtime, options, path, null, 0, fullPath);
    }

    private static Created CreateFromBytes(ReadOnlySpan<byte> model, OrtSessionOptions? options, OrtRuntime? runtime)
    {
        if (model.IsEmpty) throw new ArgumentException("the model bytes are empty", nameof(model));
        ValidateOptions(options ??= new OrtSessionOptions());
        runtime ??= OrtRuntime.Shared;
        fixed (byte* data = model) return Create(runtime, options, null, data, (nuint)model.Length, null);
    }

    private static void ValidateOptions(OrtSessionOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.IntraOpThreads, "options.IntraOpThreads");
        ArgumentOutOfRangeException.ThrowIfNegative(options.InterOpThreads, "options.InterOpThreads");
        ArgumentOutOfRangeException.ThrowIfNegative(options.CudaDeviceId, "options.CudaDeviceId");
        if (!Enum.IsDefined(options.OptimizationLevel))
            throw new ArgumentOutOfRangeException("options.OptimizationLevel", options.OptimizationLevel, "unknown optimization level");
    }

    /// <summary>Creates the native session; with CUDA first when asked and listed, then on the CPU if that fails.</summary>
    private static Created Create(OrtRuntime runtime, OrtSessionOptions options, void* path, void* data, nuint length, string? modelPath)
    {
        string? cudaReason = null;
        if (options.UseCuda)
        {
            if (!runtime.AvailableProviders.Contains(CudaProvider))
            {
                cudaReason = $"{CudaProvider} is not among the library's providers ({string.Join(", ", runtime.AvailableProviders)}; {runtime.LibraryPath})";
            }
            else
            {
                try
                {
                    var gpu = CreateHandle(runtime, options, withCuda: true, path, data, length);
                    return new Created(runtime, gpu, [CudaProvider, CpuProvider], null, modelPath);
                }
                catch (OrtException e)
                {
                    // The library lists CUDA but cannot use it here (provider .so, CUDA/cuDNN or a GPU missing):
                    // fall back to the CPU and say why. A model ORT rejects fails again below with ORT's message.
                    cudaReason = $"{e.Operation}: {e.OrtMessage}";
                }
            }
        }
        var cpu = CreateHandle(runtime, options, withCuda: false, path, data, length);
        return new Created(runtime, cpu, [CpuProvider], cudaReason, modelPath);
    }

    private static OrtSessionHandle CreateHandle(OrtRuntime runtime, OrtSessionOptions options, bool withCuda, void* path, void* data, nuint length)
    {
        var api = runtime.Api;
        IntPtr so;
        api.Check(api.CreateSessionOptions(&so), "CreateSessionOptions");
        using var sessionOptions = new OrtSessionOptionsHandle(api, so);
        api.Check(api.SetIntraOpNumThreads(so, options.IntraOpThreads), "SetIntraOpNumThreads");
        api.Check(api.SetInterOpNumThreads(so, options.InterOpThreads), "SetInterOpNumThreads");
        api.Check(api.SetSessionGraphOptimizationLevel(so, (int)options.OptimizationLevel), "SetSessionGraphOptimizationLevel");
        if (withCuda) AppendCuda(api, so, options.CudaDeviceId);

        IntPtr session;
        var env = runtime.Env.DangerousGetHandle();
        if (path != null) api.Check(api.CreateSession(env, path, so, &session), "CreateSession");
        else api.Check(api.CreateSessionFromArray(env, data, length, so, &session), "CreateSessionFromArray");
        return new OrtSessionHandle(api, session);
    }

    /// <summary>CreateCUDAProviderOptions, UpdateCUDAProviderOptions(device_id), SessionOptionsAppendExecutionProvider_CUDA_V2, ReleaseCUDAProviderOptions.</summary>
    internal static void AppendCuda(OrtApi api, IntPtr sessionOptions, int deviceId)
    {
        IntPtr cudaOptions;
        api.Check(api.CreateCUDAProviderOptions(&cudaOptions), "CreateCUDAProviderOptions");
        using var handle = new OrtCudaProviderOptionsHandle(api, cudaOptions);
        var key = OrtApi.Utf8Z("device_id");
        var value = OrtApi.Utf8Z(deviceId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        fixed (byte* k = key, v = value)
        {
            var keys = stackalloc byte*[1] { k };
            var values = stackalloc byte*[1] { v };
            api.Check(api.UpdateCUDAProviderOptions(cudaOptions, keys, values, 1), "UpdateCUDAProviderOptions");
        }
        api.Check(api.SessionOptionsAppendExecutionProvider_CUDA_V2(sessionOptions, cudaOptions), "SessionOptionsAppendExecutionProvider_CUDA_V2");
    }

    private OrtNodeInfo[] ReadNodes(bool isInput, out IntPtr[] namePtrs)
    {
        var session = _handle.DangerousGetHandle();
        var allocator = Runtime.DefaultAllocator;
        nuint count;
        if (isInput) _api.Check(_api.SessionGetInputCount(session, &count), "SessionGetInputCount");
        else _api.Check(_api.SessionGetOutputCount(session, &count), "SessionGetOutputCount");

        var nodes = new OrtNodeInfo[(int)count];
        namePtrs = new IntPtr[(int)count];
        for (nuint i = 0; i < count; i++)
        {
            byte* rawName = null;
            if (isInput) _api.Check(_api.SessionGetInputName(session, i, allocator, &rawName), "SessionGetInputName");
            else _api.Check(_api.SessionGetOutputName(session, i, allocator, &rawName), "SessionGetOutputName");
            string name;
            try
            {
                name = Marshal.PtrToStringUTF8((IntPtr)rawName) ?? "";
            }
            finally
            {
                _api.FreeWithDefaultAllocator(allocator, rawName);
            }

            IntPtr typeInfo;
            if (isInput) _api.Check(_api.SessionGetInputTypeInfo(session, i, &typeInfo), "SessionGetInputTypeInfo");
            else _api.Check(_api.SessionGetOutputTypeInfo(session, i, &typeInfo), "SessionGetOutputTypeInfo");
            using (new OrtTypeInfoHandle(_api, typeInfo))
            {
                IntPtr tensorInfo; // owned by typeInfo: not released separately
                _api.Check(_api.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo), "CastTypeInfoToTensorInfo");
                nodes[(int)i] = tensorInfo == IntPtr.Zero
                    ? new OrtNodeInfo(name, OrtElementType.Undefined, [])
                    : new OrtNodeInfo(name, ReadElementType(tensorInfo), ReadShape(tensorInfo));
            }

            var pinnedName = PinnedUtf8(name);
            namePtrs[(int)i] = (IntPtr)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinnedName));
        }
        return nodes;
    }

    private byte[] PinnedUtf8(string s)
    {
        var bytes = OrtApi.Utf8Z(s);
        var pinned = GC.AllocateUninitializedArray<byte>(bytes.Length, pinned: true);
        bytes.CopyTo(pinned, 0);
        _names.Add(pinned);
        return pinned;
    }

    private OrtElementType ReadElementType(IntPtr tensorInfo)
    {
        int type;
        _api.Check(_api.GetTensorElementType(tensorInfo, &type), "GetTensorElementType");
        return (OrtElementType)type;
    }

    private long[] ReadShape(IntPtr tensorInfo)
    {
        nuint rank;
        _api.Check(_api.GetDimensionsCount(tensorInfo, &rank), "GetDimensionsCount");
        var dims = new long[(int)rank];
        fixed (long* p = dims) _api.Check(_api.GetDimensions(tensorInfo, p, rank), "GetDimensions");
        return dims;
    }

    private OrtTensor ReadTensor(string name, OrtValueHandle value)
    {
        var v = value.DangerousGetHandle();
        IntPtr info;
        _api.Check(_api.GetTensorTypeAndShape(v, &info), "GetTensorTypeAndShape");
        OrtElementType type;
        long[] shape;
        using (new OrtTensorTypeAndShapeInfoHandle(_api, info))
        {
            type = ReadElementType(info);
            shape = ReadShape(info);
        }
        var count = ElementCount(shape, name, "outputNames");
        void* data;
        _api.Check(_api.GetTensorMutableData(v, &data), "GetTensorMutableData");
        switch (type)
        {
            case OrtElementType.Float:
                var f = new float[count];
                if (count > 0) new ReadOnlySpan<float>(data, count).CopyTo(f);
                return new OrtTensor(name, shape, Float: f);
            case OrtElementType.Int64:
                var l = new long[count];
                if (count > 0) new ReadOnlySpan<long>(data, count).CopyTo(l);
                return new OrtTensor(name, shape, Int64: l);
            default:
                throw new NotSupportedException($"output '{name}' is {type}; OrtSession.Run returns Float and Int64 tensors only");
        }
    }

    private void ValidateInputs(IReadOnlyList<OrtTensor> inputs)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in inputs)
        {
            if (t is null) throw new ArgumentException("an input tensor is null", nameof(inputs));
            if (t.Name is null || !_inputIndex.TryGetValue(t.Name, out var slot))
                throw new ArgumentException($"unknown input '{t.Name}'; the model's inputs are: {string.Join("; ", Inputs)}", nameof(inputs));
            if (!seen.Add(t.Name)) throw new ArgumentException($"input '{t.Name}' is given twice", nameof(inputs));
            var node = Inputs[slot];
            if (t.ElementType == OrtElementType.Undefined)
                throw new ArgumentException($"input '{t.Name}': set exactly one of Float and Int64", nameof(inputs));
            if (node.ElementType is not (OrtElementType.Float or OrtElementType.Int64))
                throw new ArgumentException($"input '{t.Name}' is {node.ElementType} in the model; OrtSession.Run feeds Float and Int64 tensors only", nameof(inputs));
            if (t.ElementType != node.ElementType)
                throw new ArgumentException($"input '{t.Name}': the model wants {node.ElementType}, got {t.ElementType}", nameof(inputs));
            ValidateShape(node, t.Shape, "input", nameof(inputs));
            var expected = ElementCount(t.Shape, t.Name, nameof(inputs));
            var actual = t.Float?.Length ?? t.Int64!.Length;
            if (actual != expected)
                throw new ArgumentException(
                    $"input '{t.Name}': {actual} values given, but shape [{string.Join(",", t.Shape)}] holds {expected}", nameof(inputs));
        }
        if (seen.Count != Inputs.Count)
        {
            var missing = Inputs.Where(i => !seen.Contains(i.Name)).Select(i => i.Name);
            throw new ArgumentException($"missing model input(s): {string.Join(", ", missing)}", nameof(inputs));
        }
    }

    private int[] ResolveOutputs(IReadOnlyList<string>? outputNames)
    {
        if (outputNames is null) return Enumerable.Range(0, Outputs.Count).ToArray();
        if (outputNames.Count == 0) throw new ArgumentException("ask for at least one output (or pass null for all)", nameof(outputNames));
        var slots = new int[outputNames.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var j = 0; j < slots.Length; j++)
        {
            var name = outputNames[j];
            if (name is null || !_outputIndex.TryGetValue(name, out slots[j]))
                throw new ArgumentException($"unknown output '{name}'; the model's outputs are: {string.Join("; ", Outputs)}", nameof(outputNames));
            if (!seen.Add(name)) throw new ArgumentException($"output '{name}' is asked for twice", nameof(outputNames));
        }
        return slots;
    }

    private static int[] ValidateBindings(IReadOnlyList<(string Name, long[] Shape)> bindings, Dictionary<string, int> index,
        IReadOnlyList<OrtNodeInfo> nodes, string role, string paramName)
    {
        var slots = new int[bindings.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < slots.Length; i++)
        {
            var (name, shape) = bindings[i];
            if (name is null || !index.TryGetValue(name, out slots[i]))
                throw new ArgumentException($"unknown {role} '{name}'; the model's {role}s are: {string.Join("; ", nodes)}", paramName);
            if (!seen.Add(name)) throw new ArgumentException($"{role} '{name}' is bound twice", paramName);
            var node = nodes[slots[i]];
            if (node.ElementType != OrtElementType.Float)
                throw new ArgumentException($"{role} '{name}' is {node.ElementType} in the model; OrtRunner binds Float tensors only", paramName);
            ValidateShape(node, shape, role, paramName);
            ElementCount(shape, name, paramName);
        }
        return slots;
    }

    private static Dictionary<string, int> IndexByName(IReadOnlyList<OrtNodeInfo> nodes)
    {
        var index = new Dictionary<string, int>(nodes.Count, StringComparer.Ordinal);
        for (var i = 0; i < nodes.Count; i++) index[nodes[i].Name] = i;
        return index;
    }

    private readonly record struct Created(OrtRuntime Runtime, OrtSessionHandle Handle, string[] ActiveProviders,
        string? CudaUnavailableReason, string? ModelPath);
}
