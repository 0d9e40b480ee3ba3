using System.Diagnostics;
using Npga.Live.Avatar;
using Npga.Live.Avatar.Deform;
using Npga.Live.Core.Gaussians;
using Npga.Live.Core.Imaging;
using Npga.Live.Refine;
using Npga.Live.Rendering;

namespace Npga.Live.Pipeline;

/// <summary>Milliseconds per stage of one <see cref="AvatarFrameRenderer.Render"/> call.</summary>
public readonly record struct AvatarFrameTimings(double FMs, double GMs, double ComposeMs, double ProjectMs, double BinSortMs, double RasterizeMs, double CnnMs, double TotalMs);

/// <summary>
/// Everything from an expression code and a head pose to an RGB frame for one avatar at one output size:
/// deform (F, G and compose, NPGA eqs. 4–6) → render (3D Gaussian splatting of the posed Gaussians and their
/// latents) → refine (the screen-space CNN, eq. 7, when the package has one). The head pose is folded into
/// the camera (<see cref="Camera.WithObjectPose"/>) so the posed Gaussians stay in the canonical head frame
/// and their SH colours see the view direction in that frame. The CNN can be switched off and on between frames
/// (<see cref="RefineEnabled"/>, e.g. by <see cref="Live.RefineGovernor"/> when a live frame runs late): without it the
/// latent channels are not composited and the raw render, which training also fits (NPGA eq. 10's first term), is the
/// frame. Buffers are allocated once (the RGB-only target the first time the CNN is off); not thread-safe.
/// </summary>
public sealed class AvatarFrameRenderer : IDisposable
{
    private readonly AvatarDynamics _dynamics;
    private readonly IGaussianRenderer _renderer;
    private readonly IScreenRefiner? _cnn;
    private readonly GaussianCloud _posed;
    private readonly RenderTarget _cnnTarget; // with the latent channels when there is a CNN
    private RenderTarget? _rgbTarget;         // RGB only, for frames rendered while a CNN is switched off
    private readonly int _k;
    private readonly float[]? _code; // z_exp, then the gaze code, for an avatar that takes gaze (eyeballs, or G)
    private static readonly double[] Identity = [1, 0, 0, 0, 1, 0, 0, 0, 1];
    private static readonly double[] Zero = [0, 0, 0];

    /// <summary>Prepares the stages for <paramref name="package"/> at <paramref name="width"/>×<paramref name="height"/>.</summary>
    /// <param name="package">A loaded avatar.</param>
    /// <param name="width">Output width, pixels.</param>
    /// <param name="height">Output height, pixels.</param>
    /// <param name="renderer">The splatting backend (default: the CPU renderer on every core).</param>
    /// <param name="useCnn">Run the package's CNN when it has one.</param>
    /// <param name="networkThreads">ORT intra-op threads for F, G and the CNN.</param>
    public AvatarFrameRenderer(AvatarPackage package, int width, int height, IGaussianRenderer? renderer = null, bool useCnn = true, int networkThreads = 1)
    {
        Package = package;
        _dynamics = new AvatarDynamics(package, new AvatarDynamicsOptions { IntraOpThreads = networkThreads });
        _renderer = renderer ?? new CpuGaussianRenderer();
        _posed = _dynamics.CreatePosedCloud();
        _k = package.Manifest.ExpressionModel.K;
        if (package.Manifest.Gaze is not null) _code = new float[package.Manifest.CodeDim];
        bool cnn = useCnn && package.Networks.Cnn is not null;
        if (cnn) _cnn = ScreenRefiner.Create(package.Networks.Cnn!, width, height, package.Manifest.LatentDim, networkThreads);
        // Latent channels only feed the CNN: without it they are not composited at all. With it the renderer draws into the
        // CNN's own input buffer.
        _cnnTarget = new RenderTarget(width, height, cnn ? package.Manifest.LatentDim : 0, _cnn?.Input);
        var bg = package.Manifest.Background;
        _cnnTarget.Background = [(float)bg[0], (float)bg[1], (float)bg[2]];
        BaseCamera = package.Manifest.DefaultCamera.ToCamera().Resized(width, height);
    }

    /// <summary>
    /// A renderer on the CPU splatter (<see cref="CpuGaussianRenderer"/>) with <paramref name="renderThreads"/> threads; the
    /// splatter is owned by the renderer, and freed at once when building the renderer fails.
    /// </summary>
    /// <param name="package">A loaded avatar.</param>
    /// <param name="width">Output width, pixels.</param>
    /// <param name="height">Output height, pixels.</param>
    /// <param name="renderThreads">Threads splatting each frame, the calling thread included (default: every core).</param>
    /// <param name="useCnn">Run the package's CNN when it has one.</param>
    /// <param name="networkThreads">ORT intra-op threads for F, G and the CNN.</param>
    /// <exception cref="Npga.Live.Onnx.OrtException">A network cannot be loaded.</exception>
    public static AvatarFrameRenderer OnCpu(AvatarPackage package, int width, int height, int? renderThreads = null, bool useCnn = true, int networkThreads = 1)
    {
        var splatter = new CpuGaussianRenderer(renderThreads);
        try
        {
            return new AvatarFrameRenderer(package, width, height, splatter, useCnn, networkThreads) { RenderThreads = splatter.Threads };
        }
        catch
        {
            splatter.Dispose();
            throw;
        }
    }

    /// <summary>Threads of the CPU splatter when built by <see cref="OnCpu"/>; 0 for another backend.</summary>
    public int RenderThreads { get; private init; }

    /// <summary>The avatar.</summary>
    public AvatarPackage Package { get; }

    /// <summary>The package's default camera, resized to the output.</summary>
    public Camera BaseCamera { get; }

    /// <summary>The rasterised image of the last frame (before the CNN), with the latent channels when the CNN ran.</summary>
    public RenderTarget Target => UsesCnn || _rgbTarget is null ? _cnnTarget : _rgbTarget;

    /// <summary>Output width, pixels.</summary>
    public int Width => _cnnTarget.Width;

    /// <summary>Output height, pixels.</summary>
    public int Height => _cnnTarget.Height;

    /// <summary>
    /// Background colour R, G, B (0–1) composited behind the Gaussians; starts as the package's
    /// (<see cref="AvatarManifest.Background"/>). The array is kept, not copied: do not write to it afterwards.
    /// </summary>
    /// <exception cref="ArgumentException">Not 3 values (from <see cref="RenderTarget.Background"/>).</exception>
    public float[] Background
    {
        get => _cnnTarget.Background;
        set
        {
            _cnnTarget.Background = value;
            if (_rgbTarget is not null) _rgbTarget.Background = value;
        }
    }

    /// <summary>Whether the package has a CNN and it was asked for at construction (it may be switched off).</summary>
    public bool HasCnn => _cnn is not null;

    /// <summary>
    /// Run the CNN on the next frames (default true). Ignored without one (<see cref="HasCnn"/>). Switched off, a frame
    /// is rendered without the latent channels into an RGB-only target and written out as rendered.
    /// </summary>
    public bool RefineEnabled { get; set; } = true;

    /// <summary>Whether the next frame runs the CNN: <see cref="HasCnn"/> and <see cref="RefineEnabled"/>.</summary>
    public bool UsesCnn => _cnn is not null && RefineEnabled;

    /// <summary>Stage timings of the last frame.</summary>
    public AvatarFrameTimings LastTimings { get; private set; }

    /// <summary>
    /// Renders one frame into <paramref name="output"/>.
    /// </summary>
    /// <param name="zExp">Driving expression code, K floats of the package's expression model, taken from the avatar's rest
    /// (<see cref="AvatarManifest.RestCode"/>, <see cref="AvatarDynamics"/>), so zeros show the avatar at rest.</param>
    /// <param name="headRotation">Head rotation R (row-major 3×3, canonical head frame → world), or empty for none.</param>
    /// <param name="headTranslation">Head translation t (metres), or empty for none.</param>
    /// <param name="camera">Camera (world → camera), e.g. <see cref="BaseCamera"/> orbited; its size must be the output's.</param>
    /// <param name="output">Destination image of the output size.</param>
    /// <param name="gaze">The driver's gaze relative to their resting gaze (<c>TrackResult.Gaze</c> minus
    /// <see cref="Reenact.GazeNeutral"/>'s estimate, eye widths, 4 floats), or empty; read only by an avatar with a gaze code
    /// (<see cref="AvatarManifest.Gaze"/>: its eyeballs, or G), which otherwise shows its resting gaze (<see cref="AvatarGazeCode.RestGaze"/>). <paramref name="zExp"/> may instead hold the
    /// whole code, K + 4 floats (z_exp, then the gaze code: <c>npga render --expr</c>), with <paramref name="gaze"/> empty.</param>
    /// <exception cref="ArgumentException">Wrong sizes or a code of the wrong length.</exception>
    public void Render(ReadOnlySpan<float> zExp, ReadOnlySpan<double> headRotation, ReadOnlySpan<double> headTranslation, Camera camera, RgbImage output,
        ReadOnlySpan<float> gaze = default)
    {
        if (camera.Width != Width || camera.Height != Height) throw new ArgumentException("camera size differs from the output size", nameof(camera));
        if (output.Width != Width || output.Height != Height) throw new ArgumentException("output image size differs", nameof(output));
        bool wholeCode = _code is not null && zExp.Length == _code.Length && gaze.IsEmpty;
        if (zExp.Length != _k && !wholeCode)
            throw new ArgumentException($"z_exp has {zExp.Length} values; the avatar's expression model has K = {_k}" + (_code is null ? "" : $" (or {_code.Length} with its gaze code)"), nameof(zExp));
        long t0 = Stopwatch.GetTimestamp();
        if (_code is not null && !wholeCode)
        {
            zExp.CopyTo(_code);
            Package.Manifest.Gaze!.Encode(gaze, _code.AsSpan(_k));
            zExp = _code;
        }
        _dynamics.Pose(zExp, Identity, Zero, _posed);
        var view = camera.WithObjectPose(headRotation.IsEmpty ? Identity : headRotation, headTranslation.IsEmpty ? Zero : headTranslation);
        double cnnMs = 0;
        if (UsesCnn)
        {
            _renderer.Render(_posed, view, _cnnTarget);
            var rgb = _cnn!.Refine(); // the renderer drew into its input
            cnnMs = _cnn.LastMs;
            PlanesToImage(rgb, output);
        }
        else
        {
            var target = _cnn is null ? _cnnTarget : _rgbTarget ??= new RenderTarget(Width, Height, 0) { Background = _cnnTarget.Background };
            _renderer.Render(_posed, view, target);
            target.ToRgbImage(output);
        }
        var d = _dynamics.LastTimings;
        var r = _renderer.LastTimings;
        LastTimings = new AvatarFrameTimings(d.FMs, d.GMs, d.ComposeMs, r.ProjectMs, r.BinSortMs, r.RasterizeMs, cnnMs, Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
    }

    /// <summary>
    /// Renders one frame with the head turned by <paramref name="viewRotation"/>, a rotation in the view frame of
    /// <see cref="BaseCamera"/> (OpenGL axes; e.g. a driver's head motion relative to their rest pose,
    /// <see cref="Reenact.DriverRestPose"/>), turned into a head rotation by <see cref="Camera.WorldRotationFromView"/>. The
    /// base camera, not <paramref name="camera"/>, defines the frame, so an orbited view shows the same head motion from
    /// another side. No head translation. When the package records the views it was trained on
    /// (<see cref="AvatarManifest.ViewRangeDeg"/> = L), the rotation's angle θ is compressed to L·tanh(θ/L) about the same
    /// axis (<see cref="LimitTurn"/>): small turns pass almost unchanged, large ones approach L and never show the sides the
    /// avatar has not seen.
    /// </summary>
    /// <param name="zExp">Driving expression code (see <see cref="Render"/>).</param>
    /// <param name="viewRotation">Row-major 3×3 view-frame rotation, or empty for none (the avatar as built).</param>
    /// <param name="camera">Camera of the output's size, e.g. <see cref="BaseCamera"/> orbited.</param>
    /// <param name="output">Destination image of the output size.</param>
    /// <param name="gaze">The driver's relative gaze, or empty (see <see cref="Render"/>).</param>
    /// <exception cref="ArgumentException">Wrong sizes, a code of the wrong length, or a rotation not of 9 values.</exception>
    public void RenderTurned(ReadOnlySpan<float> zExp, ReadOnlySpan<double> viewRotation, Camera camera, RgbImage output, ReadOnlySpan<float> gaze = default)
    {
        if (!viewRotation.IsEmpty && Package.Manifest.ViewRangeDeg is { } range) viewRotation = LimitTurn(viewRotation, range);
        Render(zExp, viewRotation.IsEmpty ? [] : BaseCamera.WorldRotationFromView(viewRotation), [], camera, output, gaze);
    }

    /// <summary>
    /// A rotation (row-major 3×3) with its angle θ compressed to L·tanh(θ/L) about the same axis, L =
    /// <paramref name="rangeDeg"/> degrees: a soft limit that is the identity for small turns (slope 1 at 0) and never reaches L.
    /// </summary>
    /// <param name="rotation">A rotation matrix, 9 values.</param>
    /// <param name="rangeDeg">L, degrees, positive.</param>
    /// <returns>A new rotation matrix.</returns>
    /// <exception cref="ArgumentException">The rotation does not hold 9 values.</exception>
    public static double[] LimitTurn(ReadOnlySpan<double> rotation, double rangeDeg)
    {
        if (rotation.Length != 9) throw new ArgumentException("the rotation must hold 9 values", nameof(rotation));
        var (w, x, y, z) = Rotation.QuaternionFromMatrix(rotation); // w >= 0: the short way round, θ in [0, π]
        double s = Math.Sqrt(x * x + y * y + z * z);
        if (s < 1e-12) return rotation.ToArray();
        double theta = 2 * Math.Atan2(s, w), limit = rangeDeg * Math.PI / 180;
        double half = 0.5 * limit * Math.Tanh(theta / limit), k = Math.Sin(half) / s;
        return Rotation.MatrixFromQuaternion(Math.Cos(half), x * k, y * k, z * k);
    }

    /// <summary>Converts planar RGB floats (3·H·W, [0, 1]) to packed 8-bit RGB, clamped and rounded.</summary>
    public static void PlanesToImage(ReadOnlySpan<float> planes, RgbImage dst)
    {
        int n = dst.Width * dst.Height;
        var px = dst.Span;
        for (int c = 0; c < 3; c++)
        {
            var plane = planes.Slice(c * n, n);
            for (int i = 0; i < n; i++) px[3 * i + c] = (byte)(Math.Clamp(plane[i], 0f, 1f) * 255f + 0.5f);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _cnn?.Dispose();
        (_renderer as IDisposable)?.Dispose();
        _dynamics.Dispose();
    }
}
