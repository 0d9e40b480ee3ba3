using Microsoft.ML.OnnxRuntime;

namespace Npga.Live.Onnx;

/// <summary>
/// The hot path of an <see cref="OrtSession"/>: float32 input and output buffers of fixed shape, allocated once
/// (pinned, <c>GC.AllocateArray(pinned: true)</c>) and wrapped once as ORT tensors
/// (<see cref="OrtValue.CreateTensorValueFromMemory{T}(T[], long[])"/>). On the CPU they are bound once to an
/// <see cref="OrtIoBinding"/>, so <see cref="Run"/> (<see cref="InferenceSession.RunWithBinding"/>) reads the inputs
/// and writes the results straight from and into the buffers and allocates nothing on the managed heap. With CUDA
/// active, ORT copies bound inputs to the device when they are bound, not when they run, so there <see cref="Run"/>
/// hands the same tensors to <see cref="InferenceSession"/>'s Run with pre-allocated outputs, which copies them every
/// run (and allocates a few small arrays of native pointers).
/// Not thread-safe: one runner per thread (the session may be shared). Made by <see cref="OrtSession.CreateRunner"/>.
/// </summary>
public sealed class OrtRunner : IDisposable
{
    private readonly OrtSession _session;
    private readonly InferenceSession _inference;
    private readonly RunOptions _runOptions;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly long[][] _inputShapes;
    private readonly long[][] _outputShapes;
    private readonly float[][] _inputs;
    private readonly float[][] _outputs;
    private readonly OrtValue?[] _inputValues;
    private readonly OrtValue?[] _outputValues;
    private readonly OrtIoBinding? _binding;
    private readonly Dictionary<string, int> _inputIndex;
    private readonly Dictionary<string, int> _outputIndex;
    private int _disposed;

    internal OrtRunner(OrtSession session, (string Name, long[] Shape)[] inputs, (string Name, long[] Shape)[] outputs)
    {
        // Keep the native session alive for as long as this runner may run, even if the session is disposed first.
        session.AddReference();
        _session = session;
        _inference = session.Inference;
        _runOptions = new RunOptions();
        _inputNames = inputs.Select(b => b.Name).ToArray();
        _outputNames = outputs.Select(b => b.Name).ToArray();
        _inputShapes = inputs.Select(b => b.Shape).ToArray();
        _outputShapes = outputs.Select(b => b.Shape).ToArray();
        _inputIndex = Index(_inputNames);
        _outputIndex = Index(_outputNames);
        _inputs = new float[inputs.Length][];
        _outputs = new float[outputs.Length][];
        _inputValues = new OrtValue?[inputs.Length];
        _outputValues = new OrtValue?[outputs.Length];
        var operation = "CreateTensorValueFromMemory";
        try
        {
            for (var i = 0; i < inputs.Length; i++) Wrap(inputs[i], "inputs", _inputs, _inputValues, i);
            for (var j = 0; j < outputs.Length; j++) Wrap(outputs[j], "outputs", _outputs, _outputValues, j);
            if (!session.ActiveProviders.Contains(OrtSession.CudaProvider))
            {
                operation = "BindInput/BindOutput";
                _binding = _inference.CreateIoBinding();
                for (var i = 0; i < inputs.Length; i++) _binding.BindInput(_inputNames[i], _inputValues[i]!);
                for (var j = 0; j < outputs.Length; j++) _binding.BindOutput(_outputNames[j], _outputValues[j]!);
            }
        }
        catch (OnnxRuntimeException e)
        {
            Dispose();
            throw OrtException.From(e, operation);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The bound inputs' names, in binding order (the order of <see cref="Input(int)"/>).</summary>
    public IReadOnlyList<string> InputNames => _inputNames;

    /// <summary>The bound outputs' names, in binding order (the order of <see cref="Output(int)"/>).</summary>
    public IReadOnlyList<string> OutputNames => _outputNames;

    /// <summary>The bound shape of input <paramref name="index"/> (a copy).</summary>
    public long[] InputShape(int index) => (long[])_inputShapes[index].Clone();

    /// <summary>The bound shape of output <paramref name="index"/> (a copy).</summary>
    public long[] OutputShape(int index) => (long[])_outputShapes[index].Clone();

    /// <summary>The buffer of the named input, row-major, length = product of its bound shape; write it before <see cref="Run"/>. Values persist between runs.</summary>
    /// <exception cref="ArgumentException">No input of that name is bound.</exception>
    /// <exception cref="ObjectDisposedException">The runner was disposed.</exception>
    public Span<float> Input(string name) => Input(Find(_inputIndex, name, "input"));

    /// <summary>The buffer of input <paramref name="index"/> (binding order).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a bound input.</exception>
    /// <exception cref="ObjectDisposedException">The runner was disposed.</exception>
    public Span<float> Input(int index) => InputArray(index);

    /// <summary>The array behind input <paramref name="index"/> (ORT reads it in place, pinned for the runner's lifetime): a
    /// producer may write into it directly, as a renderer draws into the CNN's input.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a bound input.</exception>
    /// <exception cref="ObjectDisposedException">The runner was disposed.</exception>
    public float[] InputArray(int index)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _inputs.Length);
        return _inputs[index];
    }

    /// <summary>The buffer of the named output, row-major, length = product of its bound shape; valid after <see cref="Run"/> until the next run.</summary>
    /// <exception cref="ArgumentException">No output of that name is bound.</exception>
    /// <exception cref="ObjectDisposedException">The runner was disposed.</exception>
    public ReadOnlySpan<float> Output(string name) => Output(Find(_outputIndex, name, "output"));

    /// <summary>The buffer of output <paramref name="index"/> (binding order).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a bound output.</exception>
    /// <exception cref="ObjectDisposedException">The runner was disposed.</exception>
    public ReadOnlySpan<float> Output(int index)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _outputs.Length);
        return _outputs[index];
    }

    /// <summary>Runs the model on the current input buffers, writing the output buffers. Allocates nothing on the CPU when it succeeds.</summary>
    /// <exception cref="OrtException">ORT failed the run (for instance, the bound output shape is not what the model produces); carries ORT's message.</exception>
    /// <exception cref="ObjectDisposedException">The runner was disposed.</exception>
    public void Run()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        try
        {
            if (_binding is not null) _inference.RunWithBinding(_runOptions, _binding);
            else _inference.Run(_runOptions, _inputNames, _inputValues!, _outputNames, _outputValues!);
        }
        catch (OnnxRuntimeException e)
        {
            throw OrtException.From(e, "Run");
        }
    }

    /// <summary>Releases the binding, the ORT tensors and the runner's hold on the session. Safe to call twice.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _binding?.Dispose();
        foreach (var v in _inputValues) v?.Dispose();
        foreach (var v in _outputValues) v?.Dispose();
        _runOptions.Dispose();
        _session.ReleaseReference();
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"OrtRunner(in: {string.Join("; ", _inputNames.Select((n, i) => $"{n}[{string.Join(",", _inputShapes[i])}]"))}; " +
        $"out: {string.Join("; ", _outputNames.Select((n, i) => $"{n}[{string.Join(",", _outputShapes[i])}]"))})";

    private static void Wrap((string Name, long[] Shape) binding, string paramName, float[][] buffers, OrtValue?[] values, int i)
    {
        var buffer = GC.AllocateArray<float>(OrtSession.ElementCount(binding.Shape, binding.Name, paramName), pinned: true);
        buffers[i] = buffer;
        values[i] = OrtValue.CreateTensorValueFromMemory(buffer, binding.Shape);
    }

    private static int Find(Dictionary<string, int> index, string name, string role)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (index.TryGetValue(name, out var i)) return i;
        throw new ArgumentException($"no {role} named '{name}' is bound; bound {role}s: {string.Join(", ", index.Keys)}", nameof(name));
    }

    private static Dictionary<string, int> Index(string[] names)
    {
        var index = new Dictionary<string, int>(names.Length, StringComparer.Ordinal);
        for (var i = 0; i < names.Length; i++) index[names[i]] = i;
        return index;
    }
}
