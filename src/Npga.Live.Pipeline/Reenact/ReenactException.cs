namespace Npga.Live.Pipeline.Reenact;

/// <summary>
/// A stage of a <see cref="ReenactPipeline"/> failed. <see cref="Exception.InnerException"/> is what the stage threw (e.g. a
/// media error from the decoder or the encoder) and <see cref="Exception.Message"/> is its message.
/// </summary>
public sealed class ReenactException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="stage">The stage that failed.</param>
    /// <param name="inner">What it threw.</param>
    /// <param name="sinkCompleted">Whether the sink was completed after the failure (true only for source failures).</param>
    public ReenactException(ReenactStage stage, Exception inner, bool sinkCompleted)
        : base(inner.Message, inner)
    {
        Stage = stage;
        SinkCompleted = sinkCompleted;
    }

    /// <summary>The stage that failed.</summary>
    public ReenactStage Stage { get; }

    /// <summary>
    /// Whether <see cref="IReenactSink.Complete"/> was called after the failure. A failing source is treated like the end of
    /// the stream (the frames in flight are drained and the sink completed, so a file holds what was done); any other
    /// failure stops every stage at once and leaves the sink incomplete.
    /// </summary>
    public bool SinkCompleted { get; }
}
