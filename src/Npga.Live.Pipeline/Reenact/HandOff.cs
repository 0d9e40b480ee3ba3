using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;

namespace Npga.Live.Pipeline.Reenact;

/// <summary>
/// A bounded hand-off between two stage threads (one producer, one consumer): a <see cref="Channel{T}"/> of capacity 1 or 2
/// with the pipeline's <see cref="HandOffPolicy"/>. The stage threads block on it (they are dedicated threads, not pool
/// threads); every wait ends when the pipeline aborts.
/// </summary>
internal sealed class HandOff<T> where T : class
{
    private readonly Channel<T> _channel;
    private readonly int _capacity;
    private readonly SemaphoreSlim _taken = new(0);
    private long _dropped;

    /// <param name="capacity">Items held, 1 or 2.</param>
    /// <param name="policy">Wait (back-pressure) or DropOldest (newest wins).</param>
    /// <param name="dropped">Called with each item pushed out under DropOldest (on the producer's thread).</param>
    public HandOff(int capacity, HandOffPolicy policy, Action<T>? dropped = null)
    {
        _capacity = capacity;
        var options = new BoundedChannelOptions(capacity)
        {
            FullMode = policy == HandOffPolicy.Wait ? BoundedChannelFullMode.Wait : BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = true,
            AllowSynchronousContinuations = false,
        };
        _channel = Channel.CreateBounded<T>(options, item =>
        {
            Interlocked.Increment(ref _dropped);
            dropped?.Invoke(item);
        });
    }

    /// <summary>Items pushed out so far (DropOldest only).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Hands an item on; under Wait blocks while the hand-off is full.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="abort"/> was cancelled while waiting.</exception>
    /// <exception cref="ChannelClosedException">The hand-off was completed.</exception>
    public void Put(T item, CancellationToken abort)
    {
        while (!_channel.Writer.TryWrite(item))
        {
            if (!_channel.Writer.WaitToWriteAsync(abort).AsTask().GetAwaiter().GetResult())
                throw new ChannelClosedException("the hand-off was completed");
        }
    }

    /// <summary>Takes the next item, blocking until one comes; false when the producer has completed and nothing is left.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="abort"/> was cancelled while waiting.</exception>
    public bool TryTake([MaybeNullWhen(false)] out T item, CancellationToken abort)
    {
        while (!_channel.Reader.TryRead(out item))
        {
            if (!_channel.Reader.WaitToReadAsync(abort).AsTask().GetAwaiter().GetResult()) return false;
        }
        if (_taken.CurrentCount == 0) _taken.Release(); // one pending signal is enough: WaitForRoom re-checks the count
        return true;
    }

    /// <summary>Blocks the producer until the hand-off holds fewer items than its capacity (the consumer has taken one).</summary>
    /// <exception cref="OperationCanceledException"><paramref name="abort"/> was cancelled while waiting.</exception>
    public void WaitForRoom(CancellationToken abort)
    {
        while (_channel.Reader.Count >= _capacity) _taken.Wait(abort);
    }

    /// <summary>Marks the end of the stream: the consumer takes what is left, then <see cref="TryTake"/> returns false.</summary>
    public void Complete() => _channel.Writer.TryComplete();
}
