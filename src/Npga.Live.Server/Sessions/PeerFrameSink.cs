using System.Diagnostics;
using Npga.Live.Media;
using Npga.Live.Pipeline.Live;
using Npga.Live.Pipeline.Reenact;

namespace Npga.Live.Server.Sessions;

/// <summary>
/// The encode stage of a live session: each avatar frame goes to the peer's encoder (<see cref="IVideoFrameSink"/>: the session's <see cref="Media.WebRtc.WebRtcPeer"/>, appsrc →
/// VP8/H.264 → webrtcbin), which reads the pooled image in place and holds it until encoded. In probe mode the driver frame's <see cref="FrameCode"/> is copied into the avatar frame
/// first. The same frame goes to the session's WHEP viewers (<see cref="SessionViewers"/>). Records stage times and the server latency (the frame's session time to now) in a <see cref="StageWindow"/>.
/// </summary>
internal sealed class PeerFrameSink(IVideoFrameSink peer, bool probe, long startedAt, StageWindow window, SessionViewers viewers) : IReenactSink
{
    private volatile bool _lastFace;

    /// <summary>Whether the last frame written had a face.</summary>
    public bool LastFace => _lastFace;

    public void Write(ReenactFrame frame)
    {
        var avatar = frame.PooledAvatar ?? throw new InvalidOperationException("a frame reached the encoder without an avatar image");
        if (probe) FrameCode.Copy(frame.Driver.Image, avatar.Image);
        long t0 = Stopwatch.GetTimestamp();
        peer.SendFrame(avatar);
        viewers.Send(avatar);
        double encodeMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        double latencyMs = (Stopwatch.GetElapsedTime(startedAt) - frame.Driver.Time).TotalMilliseconds;
        _lastFace = frame.FaceFound;
        window.Add(frame.Timings, encodeMs, latencyMs);
    }

    public void Complete()
    {
    }
}
