namespace Npga.Live.Core.Imaging;

/// <summary>One decoded video frame: its RGB pixels, its index in decode order and its presentation time.</summary>
/// <param name="Index">0-based frame number in decode order.</param>
/// <param name="Time">Presentation timestamp from the stream start (seconds, as TimeSpan).</param>
/// <param name="Image">The frame's pixels.</param>
public sealed record VideoFrame(long Index, TimeSpan Time, RgbImage Image)
{
    /// <summary>
    /// Hands <see cref="Image"/> back to the pool it came from (a live receiver's buffers), or null when it is not pooled
    /// (the garbage collector takes it). Whoever ends the frame's life (the live pipeline, after its last stage or when a
    /// hand-off drops it) calls it at most once and then reads the image no more: the pool writes the next frame into it.
    /// </summary>
    public Action<RgbImage>? Release { get; init; }
}
