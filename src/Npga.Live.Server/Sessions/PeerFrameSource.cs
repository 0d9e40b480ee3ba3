using System.Diagnostics;
using Npga.Live.Core.Imaging;
using Npga.Live.Media;

namespace Npga.Live.Server.Sessions;

/// <summary>
/// The webcam frames a peer decodes (<see cref="IVideoFrameSource"/>: the session's <see cref="Media.WebRtc.WebRtcPeer"/>), as the source of a live <see cref="Pipeline.Reenact.ReenactPipeline"/>:
/// the newest frame each time (the peer drops stale ones), re-stamped with the session's wall clock (seconds since the
/// session started, so the tracker's smoothing and the no-face easing see real time) and numbered in arrival order. The
/// enumeration waits for frames and ends when <paramref name="stop"/> is cancelled (checked every 100 ms).
/// </summary>
internal sealed class PeerFrameSource(IVideoFrameSource peer, long startedAt, CancellationToken stop) : IEnumerable<VideoFrame>
{
    public IEnumerator<VideoFrame> GetEnumerator()
    {
        long index = 0;
        while (!stop.IsCancellationRequested)
        {
            if (!peer.TryReadFrame(TimeSpan.FromMilliseconds(100), out var frame)) continue;
            yield return frame with { Index = index++, Time = Stopwatch.GetElapsedTime(startedAt) }; // keeps the peer's Release
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
