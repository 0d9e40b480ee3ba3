namespace Npga.Live.Core.Imaging;

/// <summary>One decoded video frame: its RGB pixels, its index in decode order and its presentation time.</summary>
/// <param name="Index">0-based frame number in decode order.</param>
/// <param name="Time">Presentation timestamp from the stream start (seconds, as TimeSpan).</param>
/// <param name="Image">The frame's pixels.</param>
public sealed record VideoFrame(long Index, TimeSpan Time, RgbImage Image);
