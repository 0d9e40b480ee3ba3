using Npga.Live.Media.WebRtc;

namespace Npga.Live.Server.Sessions;

/// <summary>
/// The view-only peers (WHEP viewers) watching one live session: each avatar frame the session sends to its own peer is
/// sent to each of them too (each encodes it itself). Thread-safe; adding and removing replace an immutable array, so
/// the frame path reads it without a lock.
/// </summary>
public sealed class SessionViewers
{
    private readonly object _gate = new();
    private WebRtcPeer[] _peers = [];

    /// <summary>The peers now.</summary>
    public IReadOnlyList<WebRtcPeer> Current => Volatile.Read(ref _peers);

    /// <summary>How many peers watch now.</summary>
    public int Count => Volatile.Read(ref _peers).Length;

    /// <summary>Adds <paramref name="peer"/> unless <paramref name="max"/> already watch.</summary>
    /// <returns>False when full.</returns>
    public bool TryAdd(WebRtcPeer peer, int max)
    {
        lock (_gate)
        {
            if (_peers.Length >= max) return false;
            Volatile.Write(ref _peers, [.. _peers, peer]);
            return true;
        }
    }

    /// <summary>Removes <paramref name="peer"/> (no-op when absent).</summary>
    public void Remove(WebRtcPeer peer)
    {
        lock (_gate) Volatile.Write(ref _peers, _peers.Where(p => p != peer).ToArray());
    }

    /// <summary>Sends <paramref name="image"/> to every viewer (each holds it until its encoder is done); a viewer that is gone or refuses it is skipped.</summary>
    internal void Send(Npga.Live.Core.Imaging.PooledRgbImage image)
    {
        foreach (var peer in Volatile.Read(ref _peers))
        {
            try
            {
                peer.SendFrame(image);
            }
            catch (ObjectDisposedException)
            {
                // ended meanwhile; its owner removes it
            }
        }
    }
}
