namespace Npga.Live.Pipeline.Reenact;

/// <summary>
/// An optional last stage of a <see cref="ReenactPipeline"/>, on its own thread after the encode stage, so that it adds no
/// latency to the output: sees each written frame (e.g. <see cref="ExpressionFidelityProbe"/> re-tracks the avatar).
/// </summary>
public interface IReenactObserver
{
    /// <summary>Looks at one written frame, in order. Its avatar image goes back to the pool when this returns.</summary>
    void Observe(ReenactFrame frame);
}
