using System.Diagnostics;
using Npga.Live.Onnx;

namespace Npga.Live.Refine;

/// <summary>
/// NPGA's screen-space CNN (eq. 7): the rasterised image and its composited latent channels, [1, 3+L, H, W]
/// (input <c>image</c>, planar CHW, the renderer's <c>RenderTarget.Planes</c> layout; <see cref="Input"/> is ORT's input
/// buffer itself), refined into the final colour [1, 3, H, W] (output <c>rgb</c>, display values in [0, 1] nominal), through
/// ONNX Runtime. Buffers are bound once for one output size; <see cref="Refine()"/> allocates nothing.
/// </summary>
public sealed class CnnRefiner : IScreenRefiner
{
    private readonly OrtSession _session;
    private readonly OrtRunner _runner;

    /// <summary>Loads <c>cnn.onnx</c> for <paramref name="width"/>×<paramref name="height"/> frames.</summary>
    /// <param name="modelPath">Path of the package's cnn.onnx.</param>
    /// <param name="width">Frame width, pixels.</param>
    /// <param name="height">Frame height, pixels.</param>
    /// <param name="latentChannels">L, the avatar's latent dimension.</param>
    /// <param name="threads">ORT intra-op threads.</param>
    /// <exception cref="OrtException">The model cannot be loaded, or it does not accept this size.</exception>
    public CnnRefiner(string modelPath, int width, int height, int latentChannels, int threads = 1)
    {
        Width = width;
        Height = height;
        LatentChannels = latentChannels;
        _session = new OrtSession(modelPath, new OrtSessionOptions { IntraOpThreads = threads });
        _runner = _session.CreateRunner(
            [("image", [1, 3 + latentChannels, height, width])],
            [("rgb", [1, 3, height, width])]);
    }

    /// <summary>Frame width, pixels.</summary>
    public int Width { get; }

    /// <summary>Frame height, pixels.</summary>
    public int Height { get; }

    /// <summary>Latent channels L.</summary>
    public int LatentChannels { get; }

    /// <inheritdoc />
    public double LastMs { get; private set; }

    /// <inheritdoc />
    public float[] Input => _runner.InputArray(0);

    /// <inheritdoc />
    public ReadOnlySpan<float> Refine()
    {
        long t0 = Stopwatch.GetTimestamp();
        _runner.Run();
        LastMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        return _runner.Output(0);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _runner.Dispose();
        _session.Dispose();
    }
}
