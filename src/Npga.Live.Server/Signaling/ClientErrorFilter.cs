using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Logging;
using Npga.Live.Server.Metrics;

namespace Npga.Live.Server.Signaling;

/// <summary>
/// Keeps client mistakes out of the error log. A hub call refused with a <see cref="HubException"/> (no session, bad
/// arguments, a bad offer or candidate, a full server) still fails for the caller with its clear message, is counted
/// per method (<see cref="ConnectionCounters.CallRefused"/>, <c>npga_hub_calls_refused_total</c> in <c>/metrics</c>),
/// and is logged once per connection, on one line at Information; later refusals on that connection are only counted.
/// Any other exception is a server fault and is logged at Error with its stack trace. SignalR's own
/// error-with-stack-trace line for every failed call (<c>DefaultHubDispatcher</c>, ~1.1 KB each) is switched off in
/// <see cref="LiveServer.Build"/>, so a client calling in a loop cannot flood the log.
/// </summary>
public sealed class ClientErrorFilter(ConnectionCounters counters, ILogger<ClientErrorFilter> log) : IHubFilter
{
    /// <summary>The SignalR logger category whose per-call error lines this filter replaces.</summary>
    public const string DispatcherCategory = "Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher";

    private static readonly object LoggedKey = new();

    /// <summary>Runs the hub method; counts and (once per connection) logs a refusal, then lets it reach the caller.</summary>
    /// <exception cref="HubException">The hub method refused the call (rethrown unchanged).</exception>
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(invocationContext).ConfigureAwait(false);
        }
        catch (HubException e)
        {
            var method = invocationContext.HubMethodName;
            counters.CallRefused(method);
            var items = invocationContext.Context.Items;
            lock (items)
            {
                if (!items.ContainsKey(LoggedKey))
                {
                    items[LoggedKey] = true;
                    log.LogInformation("connection {Connection}: {Method} refused: {Reason} (further refusals on this connection are only counted in /metrics)",
                        invocationContext.Context.ConnectionId, method, Clip(e.Message));
                }
            }
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogError(e, "connection {Connection}: hub method {Method} failed", invocationContext.Context.ConnectionId, invocationContext.HubMethodName);
            throw;
        }
    }

    private static string Clip(string s) => s.Length <= 300 ? s : s[..300] + "…";
}
