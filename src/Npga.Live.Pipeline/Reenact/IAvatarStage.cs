using Npga.Live.Core.Imaging;

namespace Npga.Live.Pipeline.Reenact;

/// <summary>The deform + render + refine stage of a <see cref="ReenactPipeline"/>: an <see cref="AvatarDrive"/> → the avatar's frame.</summary>
public interface IAvatarStage
{
    /// <summary>Output width, pixels.</summary>
    int Width { get; }

    /// <summary>Output height, pixels.</summary>
    int Height { get; }

    /// <summary>K, the length of the expression codes the avatar takes.</summary>
    int ExpressionDim { get; }

    /// <summary>Renders one frame into <paramref name="output"/> (<see cref="Width"/>×<see cref="Height"/>). Called on the
    /// pipeline's render thread only.</summary>
    /// <returns>Milliseconds per sub-stage (F, G, compose, project, bin/sort, rasterize, CNN).</returns>
    AvatarFrameTimings Render(AvatarDrive drive, RgbImage output);
}
