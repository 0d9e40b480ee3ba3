using Npga.Live.Core.Imaging;

namespace Npga.Live.Media;

/// <summary>Where decoded video frames come from, one at a time, newest first (a WebRTC peer's incoming track).</summary>
public interface IVideoFrameSource
{
    /// <summary>Waits up to <paramref name="timeout"/> for the newest decoded frame.</summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits until a frame comes or the source ends.</param>
    /// <param name="frame">The frame, packed RGB24, when true is returned; hand its buffer back with <see cref="VideoFrame.Release"/> when done.</param>
    /// <returns>False when none came in time or the source has ended.</returns>
    bool TryReadFrame(TimeSpan timeout, out VideoFrame frame);
}

/// <summary>Where video frames go to be encoded and sent (a WebRTC peer's outgoing track).</summary>
public interface IVideoFrameSink
{
    /// <summary>Queues one frame; never blocks. The sink may keep the image past the call by taking a hold of its own
    /// (<see cref="PooledRgbImage.Hold"/>): the caller may release its hold at once, but must not write the pixels again.</summary>
    /// <returns>True when queued; false when the sink cannot take it now (the frame is dropped).</returns>
    bool SendFrame(PooledRgbImage frame);
}
