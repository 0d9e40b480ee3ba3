using System.Runtime.ExceptionServices;

namespace Npga.Live.Rendering.Cpu;

/// <summary>A loop body run by <see cref="WorkerPool"/>: one call per item, on any worker.</summary>
internal interface IParallelWork
{
    /// <summary>Processes item <paramref name="item"/> on worker <paramref name="worker"/> (0 = the calling thread).</summary>
    void Execute(int item, int worker);
}

/// <summary>
/// A fixed set of threads that run <c>for (item = 0; item &lt; count; item++) work.Execute(item, worker)</c>
/// together: <c>Parallel.For</c> with dynamic scheduling (each thread takes the next item from a shared
/// counter), but with no allocation per call — <c>Parallel.For</c> allocates its loop state, closures and
/// tasks on every call, and the renderer must not allocate per frame. The calling thread is worker 0 and
/// works too, so <c>threads</c> = 2 starts one extra thread. Not re-entrant: one <see cref="Run"/> at a time.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _go;
    // Each worker releases it once per Run. (A SemaphoreSlim, not a ManualResetEventSlim: the latter
    // allocates its lock object the first time a Wait has to block, which can be any frame.)
    private readonly SemaphoreSlim _done = new(0);
    private IParallelWork? _work;
    private int _count;
    private int _next;
    private Exception? _error;
    private volatile bool _disposed;

    /// <summary>Starts <paramref name="threads"/> − 1 background threads.</summary>
    public WorkerPool(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "need at least one thread");
        _threads = new Thread[threads - 1];
        _go = new SemaphoreSlim[threads - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            _go[i] = new SemaphoreSlim(0);
            _threads[i] = new Thread(Loop) { IsBackground = true, Name = $"npga-render-{i + 1}" };
            _threads[i].Start(i + 1);
        }
    }

    /// <summary>Threads taking part in <see cref="Run"/>, the caller included.</summary>
    public int Workers => _threads.Length + 1;

    /// <summary>Runs <paramref name="work"/> for items 0..<paramref name="count"/>−1 and returns when all are done; rethrows the first exception.</summary>
    public void Run(IParallelWork work, int count)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (count <= 0) return;
        if (_threads.Length == 0 || count == 1)
        {
            for (int i = 0; i < count; i++) work.Execute(i, 0);
            return;
        }
        _work = work;
        _count = count;
        _error = null;
        Volatile.Write(ref _next, 0);
        for (int i = 0; i < _go.Length; i++) _go[i].Release();
        Drain(0);
        for (int i = 0; i < _go.Length; i++) _done.Wait();
        _work = null;
        if (_error is { } e) ExceptionDispatchInfo.Capture(e).Throw();
    }

    private void Drain(int worker)
    {
        try
        {
            var work = _work!;
            int count = _count;
            int i;
            while ((i = Interlocked.Increment(ref _next) - 1) < count) work.Execute(i, worker);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _error, e, null);
            Volatile.Write(ref _next, int.MaxValue / 2); // the others stop taking items
        }
    }

    private void Loop(object? state)
    {
        int worker = (int)state!;
        var go = _go[worker - 1];
        while (true)
        {
            go.Wait();
            if (_disposed) return;
            Drain(worker);
            _done.Release();
        }
    }

    /// <summary>Stops and joins the threads.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var g in _go) g.Release();
        foreach (var t in _threads) t.Join();
        foreach (var g in _go) g.Dispose();
        _done.Dispose();
    }
}
