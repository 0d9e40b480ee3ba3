using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Npga.Live.Onnx;

/// <summary>
/// A model loaded into ONNX Runtime (the package's <see cref="InferenceSession"/>), with its input and output
/// metadata. <see cref="Run"/> is thread-safe: several threads may run one session at once. For a per-frame loop use
/// <see cref="CreateRunner"/>, which binds fixed-shape buffers once and then runs without allocating.
/// </summary>
public sealed class OrtSession : IDisposable
{
    /// <summary>The provider name ORT gives its CUDA execution provider.</summary>
    public const string CudaProvider = "CUDAExecutionProvider";

    /// <summary>The provider name ORT gives its CPU execution provider.</summary>
    public const string CpuProvider = "CPUExecutionProvider";

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly Dictionary<string, int> _inputIndex;
    private readonly Dictionary<string, int> _outputIndex;
    private int _references = 1; // this object's own, plus one per live OrtRunner
    private int _disposed;

    /// <summary>Loads the model file at <paramref name="modelPath"/>.</summary>
    /// <param name="modelPath">Path of an .onnx file (external-data files are looked up beside it).</param>
    /// <param name="options">Threading, optimization and provider choices; null for the defaults.</param>
    /// <exception cref="FileNotFoundException">No file at <paramref name="modelPath"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative thread count or CUDA device id.</exception>
    /// <exception cref="OrtException">ORT refused the model (not ONNX, truncated, unknown operator, ...); carries ORT's message.</exception>
    /// <exception cref="DllNotFoundException">ONNX Runtime's native library does not load (<see cref="OrtRuntime.Shared"/>).</exception>
    public OrtSession(string modelPath, OrtSessionOptions? options = null)
        : this(CreateFromFile(modelPath, options))
    {
    }

    /// <summary>Loads a model from its serialized bytes (the content of an .onnx file); the bytes are copied.</summary>
    /// <param name="model">The ONNX protobuf bytes; must not be empty.</param>
    /// <param name="options">Threading, optimization and provider choices; null for the defaults.</param>
    /// <exception cref="ArgumentException"><paramref name="model"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative thread count or CUDA device id.</exception>
    /// <exception cref="OrtException">ORT refused the model; carries ORT's message.</exception>
    /// <exception cref="DllNotFoundException">ONNX Runtime's native library does not load (<see cref="OrtRuntime.Shared"/>).</exception>
    public OrtSession(ReadOnlySpan<byte> model, OrtSessionOptions? options = null)
        : this(CreateFromBytes(model, options))
    {
    }

    private OrtSession(Created created)
    {
        _session = created.Session;
        ModelPath = created.ModelPath;
        ActiveProviders = created.ActiveProviders;
        CudaUnavailableReason = created.CudaUnavailableReason;
        Inputs = ReadNodes(_session.InputNames, _session.InputMetadata);
        Outputs = ReadNodes(_session.OutputNames, _session.OutputMetadata);
        _inputIndex = IndexByName(Inputs);
        _outputIndex = IndexByName(Outputs);
    }

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

    /// <summary>The package's session, for <see cref="OrtRunner"/>; valid while a reference is held.</summary>
    internal InferenceSession Inference => _session;

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
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ValidateInputs(inputs);
        var outputs = ResolveOutputs(outputNames);

        var names = new string[inputs.Count];
        var values = new OrtValue?[inputs.Count];
        var fetch = outputs.Select(j => Outputs[j].Name).ToArray();
        AddReference(); // a Dispose on another thread waits for this run to end before the native session goes
        try
        {
            for (var i = 0; i < inputs.Count; i++)
            {
                var t = inputs[i];
                names[i] = t.Name;
                values[i] = t.Float is { } f
                    ? OrtValue.CreateTensorValueFromMemory(f, t.Shape)
                    : OrtValue.CreateTensorValueFromMemory(t.Int64!, t.Shape);
            }
            using var results = _session.Run(_runOptions, names, values!, fetch);
            var result = new Dictionary<string, OrtTensor>(fetch.Length, StringComparer.Ordinal);
            var k = 0;
            foreach (var value in results)
            {
                var name = fetch[k++];
                result[name] = ReadTensor(name, value);
            }
            return result;
        }
        catch (OnnxRuntimeException e)
        {
            throw OrtException.From(e, "Run");
        }
        finally
        {
            foreach (var v in values) v?.Dispose();
            ReleaseReference();
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
    /// <exception cref="OrtException">ORT refused to wrap or bind a buffer.</exception>
    /// <exception cref="ObjectDisposedException">The session was disposed.</exception>
    public OrtRunner CreateRunner(IReadOnlyList<(string Name, long[] Shape)> inputs, IReadOnlyList<(string Name, long[] Shape)> outputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        ValidateBindings(inputs, _inputIndex, Inputs, "input", nameof(inputs));
        if (inputs.Count != Inputs.Count)
        {
            var missing = Inputs.Where(i => !inputs.Any(b => b.Name == i.Name)).Select(i => i.Name);
            throw new ArgumentException($"every model input must be bound; missing: {string.Join(", ", missing)}", nameof(inputs));
        }
        if (outputs.Count == 0) throw new ArgumentException("bind at least one output", nameof(outputs));
        ValidateBindings(outputs, _outputIndex, Outputs, "output", nameof(outputs));

        return new OrtRunner(this,
            inputs.Select(b => (b.Name, (long[])b.Shape.Clone())).ToArray(),
            outputs.Select(b => (b.Name, (long[])b.Shape.Clone())).ToArray());
    }

    /// <summary>Releases the native session (at once, or when the last <see cref="OrtRunner"/> made from it is disposed). Safe to call twice.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) ReleaseReference();
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"OrtSession({ModelPath ?? "<bytes>"}; in: {string.Join("; ", Inputs)}; out: {string.Join("; ", Outputs)}; {string.Join(",", ActiveProviders)})";

    /// <summary>Takes a reference that keeps the native session alive until <see cref="ReleaseReference"/>.</summary>
    /// <exception cref="ObjectDisposedException">The session was disposed.</exception>
    internal void AddReference()
    {
        while (true)
        {
            var n = Volatile.Read(ref _references);
            ObjectDisposedException.ThrowIf(n == 0 || Volatile.Read(ref _disposed) != 0, this);
            if (Interlocked.CompareExchange(ref _references, n + 1, n) == n) return;
        }
    }

    /// <summary>Gives a reference back; the last one releases the native session.</summary>
    internal void ReleaseReference()
    {
        if (Interlocked.Decrement(ref _references) != 0) return;
        _session.Dispose();
        _runOptions.Dispose();
    }

    /// <summary>Checks <paramref name="shape"/> against <paramref name="node"/>: no negative dimension, same rank and same fixed dimensions as the model (when the model states its rank).</summary>
    private static void ValidateShape(OrtNodeInfo node, long[]? shape, string role, string paramName)
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

    private static Created CreateFromFile(string modelPath, OrtSessionOptions? options)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        var fullPath = Path.GetFullPath(modelPath);
        if (!File.Exists(fullPath)) throw new FileNotFoundException($"ONNX model not found: {fullPath}", fullPath);
        ValidateOptions(options ??= new OrtSessionOptions());
        return Create(options, fullPath, null);
    }

    private static Created CreateFromBytes(ReadOnlySpan<byte> model, OrtSessionOptions? options)
    {
        if (model.IsEmpty) throw new ArgumentException("the model bytes are empty", nameof(model));
        ValidateOptions(options ??= new OrtSessionOptions());
        return Create(options, null, model.ToArray());
    }

    private static void ValidateOptions(OrtSessionOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.IntraOpThreads, "options.IntraOpThreads");
        ArgumentOutOfRangeException.ThrowIfNegative(options.InterOpThreads, "options.InterOpThreads");
        ArgumentOutOfRangeException.ThrowIfNegative(options.CudaDeviceId, "options.CudaDeviceId");
        if (!Enum.IsDefined(options.OptimizationLevel))
            throw new ArgumentOutOfRangeException("options.OptimizationLevel", options.OptimizationLevel, "unknown optimization level");
    }

    /// <summary>Creates the session; with CUDA first when asked and listed, then on the CPU if that fails.</summary>
    private static Created Create(OrtSessionOptions options, string? path, byte[]? model)
    {
        var runtime = OrtRuntime.Shared;
        string? cudaReason = null;
        if (options.UseCuda)
        {
            if (!runtime.AvailableProviders.Contains(CudaProvider))
            {
                cudaReason = $"{CudaProvider} is not among the providers of ONNX Runtime {runtime.Version} " +
                             $"({string.Join(", ", runtime.AvailableProviders)}); a GPU build takes Microsoft.ML.OnnxRuntime.Gpu.Linux (-p:NpgaGpu=true)";
            }
            else
            {
                try
                {
                    return new Created(CreateSession(options, withCuda: true, path, model), [CudaProvider, CpuProvider], null, path);
                }
                catch (OrtException e)
                {
                    // The library lists CUDA but cannot use it here (provider .so, CUDA/cuDNN or a GPU missing):
                    // fall back to the CPU and say why. A model ORT rejects fails again below with ORT's message.
                    cudaReason = $"{e.Operation}: {e.OrtMessage}";
                }
            }
        }
        return new Created(CreateSession(options, withCuda: false, path, model), [CpuProvider], cudaReason, path);
    }

    private static InferenceSession CreateSession(OrtSessionOptions options, bool withCuda, string? path, byte[]? model)
    {
        using var so = new SessionOptions
        {
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = options.InterOpThreads,
            GraphOptimizationLevel = (GraphOptimizationLevel)(int)options.OptimizationLevel,
        };
        if (withCuda) AppendCuda(so, options.CudaDeviceId);
        try
        {
            return path is not null ? new InferenceSession(path, so) : new InferenceSession(model!, so);
        }
        catch (OnnxRuntimeException e)
        {
            throw OrtException.From(e, path is not null ? "CreateSession" : "CreateSessionFromArray");
        }
    }

    /// <summary>Appends the CUDA execution provider on device <paramref name="deviceId"/> (<c>SessionOptionsAppendExecutionProvider_CUDA_V2</c>).</summary>
    /// <exception cref="OrtException">ORT cannot append it; the message says why (typically a CUDA library that does not load).</exception>
    private static void AppendCuda(SessionOptions so, int deviceId)
    {
        try
        {
            using var cuda = new OrtCUDAProviderOptions();
            cuda.UpdateOptions(new Dictionary<string, string> { ["device_id"] = deviceId.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            so.AppendExecutionProvider_CUDA(cuda);
        }
        catch (OnnxRuntimeException e)
        {
            throw OrtException.From(e, "AppendExecutionProvider_CUDA");
        }
    }

    private static OrtNodeInfo[] ReadNodes(IReadOnlyList<string> names, IReadOnlyDictionary<string, NodeMetadata> metadata) =>
        names.Select(name => metadata[name] is { IsTensor: true } m
                ? new OrtNodeInfo(name, (OrtElementType)(int)m.ElementDataType, m.Dimensions.Select(d => (long)d).ToArray())
                : new OrtNodeInfo(name, OrtElementType.Undefined, []))
            .ToArray();

    private static OrtTensor ReadTensor(string name, OrtValue value)
    {
        if (!value.IsTensor)
            throw new NotSupportedException($"output '{name}' is a {value.OnnxType}; OrtSession.Run returns Float and Int64 tensors only");
        var info = value.GetTensorTypeAndShape();
        var shape = info.Shape;
        ElementCount(shape, name, "outputNames");
        return info.ElementDataType switch
        {
            TensorElementType.Float => new OrtTensor(name, shape, Float: value.GetTensorDataAsSpan<float>().ToArray()),
            TensorElementType.Int64 => new OrtTensor(name, shape, Int64: value.GetTensorDataAsSpan<long>().ToArray()),
            var type => throw new NotSupportedException(
                $"output '{name}' is {(OrtElementType)(int)type}; OrtSession.Run returns Float and Int64 tensors only"),
        };
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

    private static void ValidateBindings(IReadOnlyList<(string Name, long[] Shape)> bindings, Dictionary<string, int> index,
        IReadOnlyList<OrtNodeInfo> nodes, string role, string paramName)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, shape) in bindings)
        {
            if (name is null || !index.TryGetValue(name, out var slot))
                throw new ArgumentException($"unknown {role} '{name}'; the model's {role}s are: {string.Join("; ", nodes)}", paramName);
            if (!seen.Add(name)) throw new ArgumentException($"{role} '{name}' is bound twice", paramName);
            var node = nodes[slot];
            if (node.ElementType != OrtElementType.Float)
                throw new ArgumentException($"{role} '{name}' is {node.ElementType} in the model; OrtRunner binds Float tensors only", paramName);
            ValidateShape(node, shape, role, paramName);
            ElementCount(shape, name, paramName);
        }
    }

    private static Dictionary<string, int> IndexByName(IReadOnlyList<OrtNodeInfo> nodes)
    {
        var index = new Dictionary<string, int>(nodes.Count, StringComparer.Ordinal);
        for (var i = 0; i < nodes.Count; i++) index[nodes[i].Name] = i;
        return index;
    }

    private readonly record struct Created(InferenceSession Session, string[] ActiveProviders, string? CudaUnavailableReason, string? ModelPath);
}
