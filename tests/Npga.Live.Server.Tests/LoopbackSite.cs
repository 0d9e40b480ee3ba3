namespace Npga.Live.Server.Tests;

/// <summary>
/// A site of its own origin on 127.0.0.1 at a free port (another site than the server, for framing and extension tests):
/// one HTML page at every path (<see cref="Page"/>), or the files of a folder (<see cref="Folder"/>).
/// </summary>
internal sealed class LoopbackSite : IDisposable
{
    private static readonly Dictionary<string, string> Types = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8", [".js"] = "text/javascript; charset=utf-8", [".mjs"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8", [".png"] = "image/png",
    };

    private readonly System.Net.HttpListener _listener = new();

    /// <summary>Serves <paramref name="html"/> at every path.</summary>
    public static LoopbackSite Page(string html)
    {
        var body = System.Text.Encoding.UTF8.GetBytes(html);
        return new LoopbackSite(_ => ("text/html; charset=utf-8", body));
    }

    /// <summary>Serves the files of <paramref name="folder"/> (html, js, mjs, css, png; 404 for anything else or outside it).</summary>
    public static LoopbackSite Folder(string folder)
    {
        var root = Path.GetFullPath(folder);
        return new LoopbackSite(name =>
        {
            var path = Path.GetFullPath(Path.Combine(root, name));
            return path.StartsWith(root + Path.DirectorySeparatorChar) && File.Exists(path) && Types.TryGetValue(Path.GetExtension(path), out var type)
                ? (type, File.ReadAllBytes(path))
                : null;
        });
    }

    private LoopbackSite(Func<string, (string Type, byte[] Body)?> resolve)
    {
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        int port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Url = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _ = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                try
                {
                    var ctx = await _listener.GetContextAsync();
                    if (resolve(Uri.UnescapeDataString(ctx.Request.Url!.AbsolutePath.TrimStart('/'))) is { } file)
                    {
                        ctx.Response.ContentType = file.Type;
                        await ctx.Response.OutputStream.WriteAsync(file.Body);
                    }
                    else ctx.Response.StatusCode = 404;
                    ctx.Response.Close();
                }
                catch (Exception e) when (e is System.Net.HttpListenerException or ObjectDisposedException or InvalidOperationException or IOException)
                {
                    if (!_listener.IsListening) return;
                }
            }
        });
    }

    /// <summary>The site's origin, with a trailing slash.</summary>
    public Uri Url { get; }

    /// <inheritdoc />
    public void Dispose() => _listener.Close();
}
