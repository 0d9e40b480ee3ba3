namespace Npga.Live.Pipeline.Reenact;

/// <summary>The encode stage's destination (a video file, a WebRTC track): receives every frame that reaches the end of the pipeline, in order.</summary>
public interface IReenactSink
{
    /// <summary>Writes one frame. Called on the pipeline's encode thread. The frame's images may be reused once this
    /// returns: copy what must be kept.</summary>
    /// <exception cref="Exception">Any exception stops the pipeline; <see cref="ReenactPipeline"/> reports it as a
    /// <see cref="ReenactException"/> of the encode stage, and <see cref="Complete"/> is then not called.</exception>
    void Write(ReenactFrame frame);

    /// <summary>Called once after the last frame, when the source ended, the run was cancelled or the source failed
    /// (the frames in flight were drained first): finalise the output.</summary>
    void Complete();
}
