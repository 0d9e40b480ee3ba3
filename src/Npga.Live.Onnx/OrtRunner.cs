using Npga.Live.Onnx.Native;

namespace Npga.Live.Onnx;

/// <summary>
/// The hot path of an <see cref="OrtSession"/>: float32 input and output buffers of fixed shape, allocated once
/// (pinned, <c>GC.AllocateArray(pinned: true)</c>) and wrapped once as ORT tensors
/// (<c>CreateTensorWithDataAsOrtValue</c>). <see cref="Run"/> hands ORT the pre-created output tensors, so ORT
/// writes the results straight into the output buffers and a run allocates nothing on the managed heap.
/// Not thread-safe: one runner per thread (the session may be shared). Made by <see cref="OrtSession.CreateRunner"/>.
/// </summary>
public sealed unsafe class OrtRunner : IDisposable
{
    private readonly OrtSession _session;
    private readonly OrtApi _api;
    private readonly IntPtr _sessionPtr;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly long[][] _inputShapes;
    private readonly long[][] _outputShapes;
    private readonly float[][] _inputs;
    private readonly float[][] _outputs;
    private readonly OrtValueHandle[] _inputValues;
    private readonly OrtValueHandle[] _outputValues;
    private readonly IntPtr[] _inputNamePtrs;
    private readonly IntPtr[] _inputValuePtrs;
    private readonly IntPtr[] _outputNamePtrs;
    private readonly IntPtr[] _outputValuePtrs;
    private readonly Dictionary<string, int> _inputIndex;
    private readonly Dictionary<string, int> _outputIndex;
    private bool _sessionReferenced;
    private int _disposed;

    internal OrtRunner(OrtSession session, (string Name, long[] Shape, IntPtr NamePtr)[] inputs, (string Name, long[] Shape, IntPtr NamePtr)[] outputs)
    {
        _session = session;
        _api = session.Api;
        _inputNames = inputs.Select(b => b.Name).ToArray();
        _outputNames = outputs.Select(b => b.Name).ToArray();
        _inputShapes = inputs.Select(b => b.Shape).ToArray();
        _outputShapes = outputs.Select(b => b.Shape).ToArray();
        _inputIndex = Index(_inputNames);
        _outputIndex = Index(_outputNames);
        _inputNamePtrs = GC.AllocateArray<IntPtr>(inputs.Length, pinned: true);
        _outputNamePtrs = GC.AllocateArray<IntPtr>(outputs.Length, pinned: true);
        _inputValuePtrs = GC.AllocateArray<IntPtr>(inputs.Length, pinned: true);
        _outputValuePtrs = GC.AllocateArray<IntPtr>(outputs.Length, pinned: true);
        _inputs = new float[inputs.Length][];
        _outputs = new float[outputs.Length][];
        _inputValues = new OrtValueHandle[inputs.Length];
        _outputValues = new OrtValueHandle[outputs.Length];

        // Keep the native session alive for as long as this runner may call Run, even if the session is disposed first.
        var handle = session.Handle;
        handle.DangerousAddRef(ref _sessionReferenced);
        _sessionPtr = handle.DangerousGetHandle();
        try
        {
            for (var i = 0; i < inputs.Length; i++)
                Bind(inputs[i], "inputs", _inputs, _inputValues, _inputNamePtrs, _inputValuePtrs, i);
            for (var j = 0; j < outputs.Length; j++)
                Bind(outputs[j], "outputs", _outputs, _outputValues, _outputNamePtrs, _outputValuePtrs, j);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Finalizer: gives back the runner's hold on the native session if <see cref="Dispose"/> was never called.</summary>
    ~OrtRunner() => ReleaseSession();

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
    public Span<float> Input(int index)
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

    /// <summary>Runs the model on the current input buffers, writing the output buffers. Allocates nothing when it succeeds.</summary>
    /// <exception cref="OrtException">ORT failed the run (for instance, the bound output shape is not what the model produces); carries ORT's message.</exception>
    /// <exception cref="ObjectDisposedException">The runner was disposed.</exception>
    public void Run()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        fixed (IntPtr* inNames = _inputNamePtrs, inValues = _inputValuePtrs, outNames = _outputNamePtrs, outValues = _outputValuePtrs)
        {
            _api.Check(_api.Run(_sessionPtr, IntPtr.Zero, inNames, inValues, (nuint)_inputValuePtrs.Length,
                outNames, (nuint)_outputValuePtrs.Length, outValues), "Run");
        }
    }

    /// <summary>Releases the ORT tensors and the runner's hold on the session. Safe to call twice.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var v in _inputValues) v?.Dispose();
        foreach (var v in _outputValues) v?.Dispose();
        ReleaseSession();
        GC.SuppressFinalize(this);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"OrtRunner(in: {string.Join("; ", _inputNames.Select((n, i) => $"{n}[{string.Join(",", _inputShapes[i])}]"))}; " +
        $"out: {string.Join("; ", _outputNames.Select((n, i) => $"{n}[{string.Join(",", _outputShapes[i])}]"))})";

    private void Bind((string Name, long[] Shape, IntPtr NamePtr) binding, string paramName, float[][] buffers,
        OrtValueHandle[] values, IntPtr[] namePtrs, IntPtr[] valuePtrs, int i)
    {
        var count = OrtSession.ElementCount(binding.Shape, binding.Name, paramName);
        var buffer = GC.AllocateArray<float>(count, pinned: true);
        buffers[i] = buffer;
        fixed (float* data = buffer)
            values[i] = _session.CreateTensor((IntPtr)data, (nuint)count * sizeof(float), binding.Shape, OrtElementType.Float);
        namePtrs[i] = binding.NamePtr;
        valuePtrs[i] = values[i].DangerousGetHandle();
    }

    private void ReleaseSession()
    {
        if (!_sessionReferenced) return;
        _sessionReferenced = false;
        _session.Handle.DangerousRelease();
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
