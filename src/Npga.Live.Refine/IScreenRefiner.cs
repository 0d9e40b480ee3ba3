using System.Diagnostics.CodeAnalysis;

namespace Npga.Live.Refine;

/// <summary>
/// The screen-space CNN of NPGA eq. 7 on one rendered frame: (3+L)·H·W floats, planar CHW (rendered RGB, then the L latent
/// channels) → refined RGB, 3·H·W floats, planar. The input is the refiner's own buffer, <see cref="Input"/>, which a
/// renderer draws into directly (a <c>RenderTarget</c> over it), so the frame is not copied on its way to the CNN.
/// Implementations: <see cref="CnnRefiner"/> (any cnn.onnx, through ORT) and <see cref="FusedCnnRefiner"/> (the light
/// k×k → ReLU → 1×1 CNN, fused on the CPU).
/// </summary>
public interface IScreenRefiner : IDisposable
{
    /// <summary>Milliseconds of the last <see cref="Refine()"/>.</summary>
    double LastMs { get; }

    /// <summary>The input planes, (3+L)·H·W floats, planar CHW (the CNN's <c>[1, 3+L, H, W]</c> input): draw the frame here,
    /// then call <see cref="Refine()"/>. The same array for the refiner's lifetime.</summary>
    float[] Input { get; }

    /// <summary>Refines the frame in <see cref="Input"/>; the returned span (3·H·W floats, planar RGB) stays valid until the
    /// next call.</summary>
    ReadOnlySpan<float> Refine();

}

/// <summary>Picks the refiner for a package's cnn.onnx.</summary>
public static class ScreenRefiner
{
    /// <summary>Copies <paramref name="planes"/> ((3+L)·H·W floats, planar CHW) into the refiner's
    /// <see cref="IScreenRefiner.Input"/> and refines them: for frames drawn elsewhere.</summary>
    /// <exception cref="ArgumentException">The input has the wrong length.</exception>
    public static ReadOnlySpan<float> Refine(this IScreenRefiner refiner, ReadOnlySpan<float> planes)
    {
        var input = refiner.Input;
        if (planes.Length != input.Length)
            throw new ArgumentException($"the CNN input needs {input.Length} floats ((3+L)·H·W), got {planes.Length}", nameof(planes));
        planes.CopyTo(input);
        return refiner.Refine();
    }

    /// <summary>
    /// <see cref="FusedCnnRefiner"/> when <paramref name="modelPath"/> is the light CNN (<see cref="OnnxConvGraph.TryReadLight"/>)
    /// with at most <see cref="FusedCnnRefiner.MaxHidden"/> hidden channels, else <see cref="CnnRefiner"/> through ORT.
    /// </summary>
    /// <param name="modelPath">The package's cnn.onnx.</param>
    /// <param name="width">Frame width, pixels.</param>
    /// <param name="height">Frame height, pixels.</param>
    /// <param name="latentChannels">L.</param>
    /// <param name="threads">Threads (the fused refiner's rows, or ORT's intra-op threads).</param>
    /// <exception cref="Npga.Live.Onnx.OrtException">ORT cannot load the model.</exception>
    /// <exception cref="ArgumentException">The light CNN does not take 3+L channels.</exception>
    public static IScreenRefiner Create(string modelPath, int width, int height, int latentChannels, int threads = 1)
    {
        if (TryReadFusable(modelPath, out var first, out var second))
            return new FusedCnnRefiner(first, second, width, height, latentChannels, Math.Max(threads, Environment.ProcessorCount));
        return new CnnRefiner(modelPath, width, height, latentChannels, threads);
    }

    /// <summary>
    /// Whether <paramref name="modelPath"/> is a CNN that <see cref="FusedCnnRefiner"/> runs: the light graph
    /// (<see cref="OnnxConvGraph.TryReadLight"/>) with at most <see cref="FusedCnnRefiner.MaxHidden"/> hidden channels; its two
    /// layers when it is.
    /// </summary>
    public static bool TryReadFusable(string modelPath, [NotNullWhen(true)] out ConvLayer? first, [NotNullWhen(true)] out ConvLayer? second)
    {
        if (OnnxConvGraph.TryReadLight(modelPath, out first, out second, out _) && first is not null && second is not null
            && first.Cout <= FusedCnnRefiner.MaxHidden) return true;
        (first, second) = (null, null);
        return false;
    }
}
