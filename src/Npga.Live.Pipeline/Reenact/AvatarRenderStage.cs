using Npga.Live.Avatar;
using Npga.Live.Core.Gaussians;
using Npga.Live.Core.Imaging;

namespace Npga.Live.Pipeline.Reenact;

/// <summary>
/// The deform + render + refine stage of a <see cref="ReenactPipeline"/>: an <see cref="AvatarFrameRenderer"/> seen through
/// the package's default camera resized to the output (<see cref="AvatarFrameRenderer.BaseCamera"/>; the vertical field of
/// view is kept, so a square output is the centre square of that view). The drive's rotation (relative to the driver's rest,
/// in the view frame) turns the head about its centre as that camera sees it; no head translation is applied, so the head
/// stays centred where the default camera frames it. Owns its renderer.
/// </summary>
public sealed class AvatarRenderStage : IAvatarStage, IDisposable
{
    private readonly AvatarFrameRenderer _renderer;
    private readonly Camera _camera;

    /// <summary>Prepares the avatar at <paramref name="width"/>×<paramref name="height"/>.</summary>
    /// <param name="package">The avatar.</param>
    /// <param name="width">Output width, pixels.</param>
    /// <param name="height">Output height, pixels.</param>
    /// <param name="renderThreads">Threads splatting each frame, the render thread included (default: every core).</param>
    /// <param name="networkThreads">ORT intra-op threads of F, G and the CNN (default 1).</param>
    /// <param name="useCnn">Run the package's CNN when it has one.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size or a thread count below 1.</exception>
    /// <exception cref="Npga.Live.Onnx.OrtException">A network cannot be loaded.</exception>
    public AvatarRenderStage(AvatarPackage package, int width, int height, int? renderThreads = null, int networkThreads = 1, bool useCnn = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(networkThreads, 1);
        _renderer = AvatarFrameRenderer.OnCpu(package, width, height, renderThreads, useCnn, networkThreads);
        _camera = _renderer.BaseCamera;
    }

    /// <summary>The avatar.</summary>
    public AvatarPackage Package => _renderer.Package;

    /// <summary>Threads splatting each frame.</summary>
    public int RenderThreads => _renderer.RenderThreads;

    /// <summary>Whether the CNN runs.</summary>
    public bool UsesCnn => _renderer.UsesCnn;

    /// <inheritdoc />
    public int Width => _camera.Width;

    /// <inheritdoc />
    public int Height => _camera.Height;

    /// <inheritdoc />
    public int ExpressionDim => _renderer.Package.Manifest.ExpressionModel.K;

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The code is not K floats, the rotation not 9 values, or the image not the output size.</exception>
    public AvatarFrameTimings Render(AvatarDrive drive, RgbImage output)
    {
        _renderer.RenderTurned(drive.ZExp, drive.Rotation, _camera, output, drive.Gaze);
        return _renderer.LastTimings;
    }

    /// <inheritdoc />
    public void Dispose() => _renderer.Dispose();
}
