using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Npga.Live.Server.Tests;

/// <summary>
/// A SignalR client speaking the JSON hub protocol over a raw WebSocket (records ended by 0x1E), for the hub tests: it can
/// send well-formed invocations and also garbage a real client never would. Server→client invocations are queued.
/// </summary>
internal sealed class HubWire : IAsyncDisposable
{
    private const char Separator = '\u001e';
    private readonly ClientWebSocket _ws = new();
    private readonly List<JsonObject> _inbox = [];
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly CancellationTokenSource _stop = new();
    private Task? _reader;
    private int _nextId;

    /// <param name="server">The server's base URL.</param>
    /// <param name="token">A join token, sent as SignalR's JS client sends it on a WebSocket connect (<c>?access_token=</c>).</param>
    public static async Task<HubWire> Connect(Uri server, string? token = null)
    {
        var wire = new HubWire();
        var ws = new UriBuilder(server) { Scheme = "ws", Path = "/hub", Query = token is null ? "" : $"access_token={Uri.EscapeDataString(token)}" }.Uri;
        await wire._ws.ConnectAsync(ws, CancellationToken.None);
        await wire.SendRaw("{\"protocol\":\"json\",\"version\":1}" + Separator);
        wire._reader = Task.Run(wire.ReadLoop);
        await wire.WaitFor(m => m.Count == 0 || m.ContainsKey("error") && !m.ContainsKey("type"), TimeSpan.FromSeconds(10)); // handshake response "{}"
        return wire;
    }

    public bool IsOpen => _ws.State == WebSocketState.Open;

    /// <summary>Why the server closed the socket, once it did.</summary>
    public WebSocketCloseStatus? CloseStatus => _ws.CloseStatus;

    public Task SendRaw(string text) => _ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>Invokes a hub method and waits for its completion: (result, error).</summary>
    public async Task<(JsonNode? Result, string? Error)> Invoke(string target, params object?[] args)
    {
        var id = Interlocked.Increment(ref _nextId).ToString();
        var msg = new JsonObject { ["type"] = 1, ["invocationId"] = id, ["target"] = target, ["arguments"] = JsonSerializer.SerializeToNode(args) };
        await SendRaw(msg.ToJsonString() + Separator);
        var done = await WaitFor(m => (int?)m["type"] == 3 && (string?)m["invocationId"] == id, TimeSpan.FromSeconds(30));
        return (done["result"]?.DeepClone(), (string?)done["error"]);
    }

    /// <summary>Waits for a server→client call of <paramref name="target"/> and returns its arguments.</summary>
    public async Task<JsonArray> WaitForCall(string target, TimeSpan timeout)
    {
        var m = await WaitFor(m => (int?)m["type"] == 1 && (string?)m["target"] == target, timeout);
        return m["arguments"]!.AsArray();
    }

    /// <summary>Waits for (and removes) the first message matching <paramref name="match"/>.</summary>
    public async Task<JsonObject> WaitFor(Func<JsonObject, bool> match, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            lock (_inbox)
            {
                var hit = _inbox.FirstOrDefault(match);
                if (hit is not null)
                {
                    _inbox.Remove(hit);
                    return hit;
                }
            }
            var left = until - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"no matching hub message within {timeout.TotalSeconds:0} s (socket {_ws.State})");
            await _arrived.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>Waits until the server closes the socket.</summary>
    public async Task<bool> WaitClosed(TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (_ws.State is WebSocketState.Closed or WebSocketState.CloseReceived or WebSocketState.Aborted) return true;
            if (_reader is { IsCompleted: true }) return true;
            await Task.Delay(100);
        }
        return false;
    }

    private async Task ReadLoop()
    {
        var buffer = new byte[64 * 1024];
        var pending = new StringBuilder();
        try
        {
            while (_ws.State == WebSocketState.Open && !_stop.IsCancellationRequested)
            {
                var r = await _ws.ReceiveAsync(buffer, _stop.Token);
                if (r.MessageType == WebSocketMessageType.Close) break;
                pending.Append(Encoding.UTF8.GetString(buffer, 0, r.Count));
                var text = pending.ToString();
                int cut;
                while ((cut = text.IndexOf(Separator)) >= 0)
                {
                    var record = text[..cut];
                    text = text[(cut + 1)..];
                    if (JsonNode.Parse(record) is JsonObject o && (int?)o["type"] != 6)
                    {
                        lock (_inbox) _inbox.Add(o);
                        _arrived.Release();
                    }
                }
                pending.Clear().Append(text);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_ws.State == WebSocketState.Open) await _ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", new CancellationTokenSource(2000).Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }
        _stop.Cancel();
        if (_reader is not null) await Task.WhenAny(_reader, Task.Delay(2000));
        _ws.Dispose();
    }
}
