using Npga.Live.Media.GStreamer.Interop;

namespace Npga.Live.Media.GStreamer;

/// <summary>A connected GObject signal handler; disposing disconnects it (and frees its state).</summary>
public sealed class GSignalConnection : IDisposable
{
    private readonly GstObjectHandle _instance;

    internal GSignalConnection(GstObjectHandle instance, nuint id)
    {
        _instance = instance;
        Id = id;
    }

    /// <summary>The handler id (<c>gulong</c>).</summary>
    public nuint Id { get; }

    /// <summary>Disconnects the handler; GLib then frees the handler's state.</summary>
    public void Dispose()
    {
        if (_instance.IsClosed) return;
        var ptr = _instance.DangerousGetHandle();
        if (LibGObject.SignalHandlerIsConnected(ptr, Id) != 0) LibGObject.SignalHandlerDisconnect(ptr, Id);
        _instance.Dispose();
    }
}
