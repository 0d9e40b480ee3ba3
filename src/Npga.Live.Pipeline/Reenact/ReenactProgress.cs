namespace Npga.Live.Pipeline.Reenact;

/// <summary>A snapshot of a running <see cref="ReenactPipeline"/> (for progress displays).</summary>
/// <param name="FramesRead">Frames taken from the source.</param>
/// <param name="FramesWritten">Frames the sink has written.</param>
/// <param name="FacesFound">Frames in which the driver's face was tracked.</param>
/// <param name="Dropped">Frames dropped by the hand-offs (DropOldest only).</param>
/// <param name="Elapsed">Time since the run started.</param>
public readonly record struct ReenactProgress(long FramesRead, long FramesWritten, long FacesFound, long Dropped, TimeSpan Elapsed)
{
    /// <summary>Frames written per second of <see cref="Elapsed"/> (0 at the start).</summary>
    public double Fps => Elapsed.TotalSeconds > 0 ? FramesWritten / Elapsed.TotalSeconds : 0;
}
