using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Npga.Live.Server.Whip;

/// <summary>The WHIP sessions and WHEP viewers now, by resource id; each entry is removed when what it names has ended.</summary>
public sealed class WhipRegistry
{
    private readonly ConcurrentDictionary<string, WhipResource> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, WhepViewer> _viewers = new(StringComparer.Ordinal);

    /// <summary>A new resource id: 128 random bits as 32 lowercase hex digits.</summary>
    public static string NewId() => RandomNumberGenerator.GetHexString(32, lowercase: true);

    /// <summary>The WHIP session <paramref name="id"/>, unless unknown or ending.</summary>
    public WhipResource? Session(string id) => _sessions.TryGetValue(id, out var r) && !r.Session.IsEnding ? r : null;

    /// <summary>The WHEP viewer <paramref name="id"/>, unless unknown or ending.</summary>
    public WhepViewer? Viewer(string id) => _viewers.TryGetValue(id, out var v) && !v.IsEnding ? v : null;

    /// <summary>WHEP viewers now (all sessions).</summary>
    public int ViewerCount => _viewers.Count;

    /// <summary>Adds <paramref name="resource"/>; it is removed when its session has ended.</summary>
    public void Add(WhipResource resource)
    {
        _sessions[resource.Id] = resource;
        resource.Session.Ended.ContinueWith(_ => _sessions.TryRemove(new KeyValuePair<string, WhipResource>(resource.Id, resource)), TaskScheduler.Default);
    }

    /// <summary>Adds <paramref name="viewer"/>; its owner calls <see cref="Remove"/> when it has ended.</summary>
    public void Add(WhepViewer viewer) => _viewers[viewer.Id] = viewer;

    /// <summary>Removes an ended viewer.</summary>
    public void Remove(WhepViewer viewer) => _viewers.TryRemove(new KeyValuePair<string, WhepViewer>(viewer.Id, viewer));
}
