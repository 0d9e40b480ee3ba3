namespace Npga.Live.Pipeline.Reenact;

/// <summary>The stages of a <see cref="ReenactPipeline"/>, each on its own thread, in the frame's order.</summary>
public enum ReenactStage
{
    /// <summary>Frames from the source (a decoder).</summary>
    Decode,

    /// <summary>Face tracking.</summary>
    Track,

    /// <summary>Deform, render and refine the avatar.</summary>
    Render,

    /// <summary>The sink (an encoder).</summary>
    Encode,

    /// <summary>The observer.</summary>
    Measure,
}
