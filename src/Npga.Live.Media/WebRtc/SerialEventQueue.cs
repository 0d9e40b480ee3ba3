namespace Npga.Live.Media.WebRtc;

/// <summary>
/// Runs posted actions one at a time, in posting order, on thread-pool threads: the peer raises
/// its events through it, so handlers never run on a GStreamer thread (where calling back into
/// the pipeline, e.g. disposing it, could deadlock) and an exception in a handler never reaches
/// native code. After <see cref="Complete"/> further posts are dropped.
/// </summary>
internal sealed class SerialEventQueue
{
    private readonly Queue<Action> _items = new();
    private readonly Action<Exception> _onError;
    private bool _running;
    private bool _completed;

    /// <param name="onError">Called (on the queue's thread) with an exception an action threw.</param>
    public SerialEventQueue(Action<Exception> onError) => _onError = onError;

    /// <summary>Queues <paramref name="action"/>; dropped after <see cref="Complete"/>.</summary>
    public void Post(Action action)
    {
        lock (_items)
        {
            if (_completed) return;
            _items.Enqueue(action);
            if (_running) return;
            _running = true;
        }
        ThreadPool.UnsafeQueueUserWorkItem(_ => Drain(), null);
    }

    /// <summary>Accepts no more actions; those already queued still run.</summary>
    public void Complete()
    {
        lock (_items) _completed = true;
    }

    private void Drain()
    {
        while (true)
        {
            Action next;
            lock (_items)
            {
                if (_items.Count == 0)
                {
                    _running = false;
                    return;
                }
                next = _items.Dequeue();
            }
            try
            {
                next();
            }
            catch (Exception e)
            {
                try { _onError(e); } catch (Exception) { /* nothing left to report to */ }
            }
        }
    }
}
