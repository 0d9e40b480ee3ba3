using System.Diagnostics;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;
using Npga.Live.Server.Metrics;

namespace Npga.Live.Server.Signaling;

/// <summary>
/// Closes a hub connection from which nothing arrives (no handshake, message or ping) for the client timeout
/// (<see cref="LiveOptions.ClientTimeoutSeconds"/>), counting from the moment the connection opens. SignalR's own client
/// timeout starts only once the client has sent its first message after the handshake, so a client that never sends
/// one kept its connection, and its session, for as long as it liked. Every byte from the client counts: a page that
/// pings (every 5 s) is never closed by this, and a client waiting on a hub call keeps pinging. Long-polling connections
/// are left alone (their client sends no pings; SignalR ends them when the polls stop). It sits in the hub's connection
/// pipeline (<see cref="LiveServerExtensions.MapLiveHub"/>), watching the transport's input; closing aborts the connection, which ends
/// its session like any dropped connection.
/// </summary>
public sealed class IdleConnectionWatch
{
    private readonly TimeSpan _timeout;
    private readonly ConnectionCounters _counters;
    private readonly ILogger _log;

    /// <summary>Creates the watch.</summary>
    /// <param name="timeout">How long a connection may send nothing (at least 100 ms).</param>
    /// <param name="counters">Where closed connections are counted.</param>
    /// <param name="log">Where each closed connection is logged (one line, Information).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is under 100 ms.</exception>
    public IdleConnectionWatch(TimeSpan timeout, ConnectionCounters counters, ILogger log)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.FromMilliseconds(100));
        _timeout = timeout;
        _counters = counters;
        _log = log;
    }

    /// <summary>The connection middleware: wraps <paramref name="next"/> (the hub) so every connection it runs is watched.</summary>
    public ConnectionDelegate Wrap(ConnectionDelegate next) => connection => Run(connection, next);

    private async Task Run(ConnectionContext connection, ConnectionDelegate next)
    {
        // Long polling: the client sends nothing between messages (no pings: the polls keep it alive), and the
        // connection manager ends the connection when the polls stop.
        if (connection.Features.Get<IConnectionInherentKeepAliveFeature>()?.HasInherentKeepAlive == true)
        {
            await next(connection).ConfigureAwait(false);
            return;
        }
        var original = connection.Transport;
        var watched = new Watched(this, connection, original.Input);
        connection.Transport = new Pipe(watched, original.Output);
        var period = TimeSpan.FromTicks(Math.Min(TimeSpan.TicksPerSecond, _timeout.Ticks / 4));
        await using (var timer = new Timer(static s => ((Watched)s!).Check(), watched, period, period))
        {
            try
            {
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                connection.Transport = original;
            }
        }
    }

    private sealed record Pipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;

    /// <summary>The connection's input, noting when data last arrived; and the check that closes it.</summary>
    private sealed class Watched(IdleConnectionWatch watch, ConnectionContext connection, PipeReader inner) : PipeReader
    {
        private long _lastData = Stopwatch.GetTimestamp();
        private int _closed;

        public void Check()
        {
            var silent = Stopwatch.GetElapsedTime(Volatile.Read(ref _lastData));
            if (silent < watch._timeout || Interlocked.Exchange(ref _closed, 1) != 0) return;
            watch._counters.IdleClosed();
            watch._log.LogInformation("connection {Connection} closed: nothing received from the client for {Seconds:0.#} s (client timeout {Timeout:0.#} s)",
                connection.ConnectionId, silent.TotalSeconds, watch._timeout.TotalSeconds);
            connection.Abort(new ConnectionAbortedException($"nothing received from the client for {watch._timeout.TotalSeconds:0.#} s"));
        }

        private ReadResult Noted(ReadResult result)
        {
            if (!result.IsCanceled && !result.Buffer.IsEmpty) Volatile.Write(ref _lastData, Stopwatch.GetTimestamp());
            return result;
        }

        public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) =>
            Noted(await inner.ReadAsync(cancellationToken).ConfigureAwait(false));

        public override bool TryRead(out ReadResult result)
        {
            if (!inner.TryRead(out result)) return false;
            Noted(result);
            return true;
        }

        public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);
    }
}
