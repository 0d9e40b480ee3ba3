namespace Npga.Live.Media;

/// <summary>Limits and timeouts of a <see cref="VideoReader"/>.</summary>
public sealed record VideoReaderOptions
{
    /// <summary>The default <see cref="MaxPixels"/>: 40 megapixels.</summary>
    public const long DefaultMaxPixels = 40_000_000;

    /// <summary>
    /// Largest accepted frame, in pixels (width·height); larger inputs, and any side above
    /// <see cref="Core.Imaging.RgbImage.MaxSide"/>, are refused with a <see cref="MediaException"/>
    /// as soon as their size is announced, before the decoder allocates a frame where the stream
    /// announces its size ahead of decoding (parsed video streams, PNG, JPEG).
    /// </summary>
    public long MaxPixels { get; init; } = DefaultMaxPixels;

    /// <summary>How long <see cref="VideoReader.Open"/> may take to find the stream and decode the first frame (default 10 s).</summary>
    public TimeSpan PrerollTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long <see cref="VideoReader.TryRead"/> may wait for one frame (default 10 s).</summary>
    public TimeSpan FrameTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Output frame width in pixels, or null to keep the stream's (default). When <see cref="ScaleWidth"/> or
    /// <see cref="ScaleHeight"/> is set, every frame is resampled after the colour conversion by GStreamer's
    /// <c>videoscale method=bilinear2</c> (a multi-tap bilinear filter: downscaling averages, as the avatar trainer's data
    /// preparation decodes, <c>scripts/training/data.py</c>); a side left null keeps the stream's. The size limit
    /// (<see cref="MaxPixels"/>) still applies to the decoded stream.
    /// </summary>
    public int? ScaleWidth { get; init; }

    /// <summary>Output frame height in pixels, or null to keep the stream's (see <see cref="ScaleWidth"/>).</summary>
    public int? ScaleHeight { get; init; }

    /// <summary>Threads of the YUV→RGB conversion (GStreamer <c>videoconvert n-threads</c>); 0 = one per core (default 2).</summary>
    public int ConverterThreads { get; init; } = 2;
}
