using System.Runtime.ExceptionServices;

namespace Npga.Live.Avatar.Deform;

/// <summary>
/// A dedicated background thread that runs one fixed piece of work on request while the caller does something else, and
/// hands back its exception, if any, when waited on: <see cref="AvatarDynamics"/> runs G on it while F runs on the
/// calling thread (each ORT session on one thread, so on two cores the two networks take the longer one's time, not the
/// sum). Nothing is allocated per request (the delegate is fixed at construction; signalling by two semaphores).
/// Not thread-safe: one caller, which alternates <see cref="Start"/> and <see cref="Wait"/>.
/// </summary>
internal sealed class SideThread : IDisposable
{
    private readonly Action _work;
    private readonly Thread _thread;
    private readonly SemaphoreSlim _go = new(0, 1), _done = new(0, 1);
    private Exception? _error;
    private volatile bool _stop;
    private bool _running, _disposed;

    /// <summary>Starts the thread (background, named <paramref name="name"/>); it waits for <see cref="Start"/>.</summary>
    public SideThread(string name, Action work)
    {
        _work = work;
        _thread = new Thread(Loop) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Lets the thread run the work once.</summary>
    /// <exception cref="InvalidOperationException">The previous run was not waited for.</exception>
    /// <exception cref="ObjectDisposedException">Disposed.</exception>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_running) throw new InvalidOperationException("the side thread's previous run was not waited for");
        _running = true;
        _go.Release();
    }

    /// <summary>Blocks until the run started by <see cref="Start"/> ends; rethrows its exception with its stack trace.</summary>
    public void Wait()
    {
        if (!_running) return;
        _done.Wait();
        _running = false;
        if (_error is { } e)
        {
            _error = null;
            ExceptionDispatchInfo.Throw(e);
        }
    }

    private void Loop()
    {
        while (true)
        {
            _go.Wait();
            if (_stop) return;
            try { _work(); }
            catch (Exception e) { _error = e; }
            _done.Release();
        }
    }

    /// <summary>Waits for a run in progress, then ends the thread. Safe to call twice.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        if (_running) _done.Wait();
        _disposed = true;
        _stop = true;
        _go.Release();
        _thread.Join();
        _go.Dispose();
        _done.Dispose();
    }
}
