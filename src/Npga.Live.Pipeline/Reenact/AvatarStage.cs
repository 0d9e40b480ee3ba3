using Npga.Live.Avatar;
using Npga.Live.Core.Gaussians;
using Npga.Live.Core.Imaging;
using Npga.Live.Pipeline.Live;

namespace Npga.Live.Pipeline.Reenact;

/// <summary>
/// The deform + render + refine stage of a <see cref="ReenactPipeline"/>, live and offline: an <see cref="AvatarFrameRenderer"/>
/// seen through the package's default camera resized to the output (<see cref="AvatarFrameRenderer.BaseCamera"/>; the vertical
/// field of view is kept, so a square output is the centre square of that view). The drive's rotation (relative to the
/// driver's rest, in the view frame) turns the head about its centre as that camera sees it; no head translation is applied,
/// so the head stays centred where the default camera frames it. What the viewer of a live session controls
/// (<see cref="LiveControls"/>) is applied between frames on the render thread: the view orbits round the head centre
/// (<see cref="Camera.Orbited"/>), the expression pad's code (<see cref="ExpressionPresets.Blend"/>) is mixed into the tracked
/// z_exp, z = (1 − mix)·z_tracked + mix·Σ w_i z_i, and the avatar can be switched to another of the same expression model.
/// The CNN runs as <see cref="RefineMode"/> says (<see cref="RefineMode.Auto"/>: while frames keep within the frame budget,
/// <see cref="RefineGovernor"/>). Offline (<see cref="Offline"/>) nobody moves the controls. Owns its renderer.
/// </summary>
public sealed class AvatarStage : IAvatarStage, IDisposable
{
    private LiveControls _controls;
    private readonly ExpressionPresets? _presets;
    private readonly Func<string, AvatarPackage> _resolve;
    private readonly int? _renderThreads;
    private readonly int _networkThreads;
    private readonly float[] _z, _pad;
    private AvatarFrameRenderer _renderer;
    private Camera _camera;
    private (double Yaw, double Pitch) _view;
    private float[] _ownBackground = []; // the current avatar's own background (its manifest's), RGB 0–1
    private readonly RefineMode _refine;
    private readonly double _frameBudgetMs;
    private RefineGovernor _governor;

    /// <summary>Prepares the first avatar at <paramref name="width"/>×<paramref name="height"/>.</summary>
    /// <param name="package">The first avatar.</param>
    /// <param name="avatarId">Its id (the name <paramref name="resolve"/> knows it by).</param>
    /// <param name="width">Output width, pixels.</param>
    /// <param name="height">Output height, pixels.</param>
    /// <param name="controls">The session's controls.</param>
    /// <param name="presets">The pad's corner expressions, or null when there are none (the pad is then ignored).</param>
    /// <param name="resolve">Loads an avatar by id when the viewer switches (called on the render thread; may throw).</param>
    /// <param name="renderThreads">Threads splatting each frame (default: every core).</param>
    /// <param name="networkThreads">ORT intra-op threads of F, G and the CNN.</param>
    /// <param name="refine">When the avatar's CNN runs.</param>
    /// <param name="frameBudgetMs">The output frame period, ms (e.g. 1000 / 30): <see cref="RefineMode.Auto"/>'s budget.</param>
    /// <exception cref="ArgumentException">The presets are codes of another expression model than the avatar's.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size or the network thread count below 1, or <paramref name="frameBudgetMs"/> not positive.</exception>
    public AvatarStage(AvatarPackage package, string avatarId, int width, int height, LiveControls controls, ExpressionPresets? presets,
        Func<string, AvatarPackage> resolve, int? renderThreads = null, int networkThreads = 1, RefineMode refine = RefineMode.Auto,
        double frameBudgetMs = 1000.0 / 30)
    {
        ArgumentNullException.ThrowIfNull(controls);
        ArgumentNullException.ThrowIfNull(resolve);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(networkThreads, 1);
        var model = package.Manifest.ExpressionModel;
        if (presets is not null && (presets.ExpressionModelId != model.Id || presets.K != model.K))
            throw new ArgumentException($"the expression presets are codes of {presets.ExpressionModelId}; avatar {avatarId} is driven by {model.Id}");
        _controls = controls;
        _presets = presets;
        _resolve = resolve;
        _renderThreads = renderThreads;
        _networkThreads = networkThreads;
        _refine = refine;
        _frameBudgetMs = frameBudgetMs;
        _governor = new RefineGovernor(frameBudgetMs);
        _renderer = Create(package, width, height);
        AvatarId = avatarId;
        _camera = _renderer.BaseCamera;
        _z = new float[model.K];
        _pad = new float[model.K];
    }

    /// <summary>The stage of an offline run (<c>npga reenact</c>): the package's own view and background, no pad, no switching,
    /// the CNN on every frame when <paramref name="useCnn"/> and the package has one.</summary>
    /// <param name="package">The avatar.</param>
    /// <param name="width">Output width, pixels.</param>
    /// <param name="height">Output height, pixels.</param>
    /// <param name="renderThreads">Threads splatting each frame, the render thread included (default: every core).</param>
    /// <param name="networkThreads">ORT intra-op threads of F, G and the CNN (default 1).</param>
    /// <param name="useCnn">Run the package's CNN when it has one.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size or a thread count below 1.</exception>
    /// <exception cref="Npga.Live.Onnx.OrtException">A network cannot be loaded.</exception>
    public static AvatarStage Offline(AvatarPackage package, int width, int height, int? renderThreads = null, int networkThreads = 1, bool useCnn = true)
    {
        const string id = "offline";
        return new AvatarStage(package, id, width, height, new LiveControls(), presets: null,
            other => throw new KeyNotFoundException($"an offline run renders one avatar; '{other}' was asked for"),
            renderThreads, networkThreads, useCnn ? RefineMode.On : RefineMode.Off);
    }

    /// <summary>
    /// Hands the stage to another session (a server reuses stages rather than loading networks per session): its controls
    /// from now on, and the avatar it starts with (switched to before the next frame when it differs). Call between runs.
    /// </summary>
    public void Attach(LiveControls controls, string avatarId)
    {
        ArgumentNullException.ThrowIfNull(controls);
        _controls = controls;
        _failedId = null;
        LastSwitchError = null;
        _governor = new RefineGovernor(_frameBudgetMs);
        Refining = null;
        if (avatarId != AvatarId) controls.RequestAvatar(avatarId);
    }

    /// <summary>The avatar being rendered.</summary>
    public string AvatarId { get; private set; }

    /// <summary>Whether the avatar being rendered takes the driver's gaze (its manifest has a gaze block: eyeballs that turn,
    /// or a G that reads it). Safe to read from any thread (the tracker's asks before each frame).</summary>
    public bool TakesGaze => Volatile.Read(ref _takesGaze);

    private bool _takesGaze;

    /// <summary>Why the last avatar switch failed (the previous avatar stays), or null.</summary>
    public string? LastSwitchError { get; private set; }

    /// <summary>Threads splatting each frame.</summary>
    public int RenderThreads => _renderer.RenderThreads;

    /// <inheritdoc />
    public int Width => _renderer.Width;

    /// <inheritdoc />
    public int Height => _renderer.Height;

    /// <summary>Whether the last frame ran the CNN; null when the avatar has none (or before the first frame). Safe to
    /// read from any thread.</summary>
    public bool? Refining
    {
        get => Volatile.Read(ref _refining) switch { 1 => true, 0 => false, _ => null };
        private set => Volatile.Write(ref _refining, value is { } v ? (v ? 1 : 0) : -1);
    }

    private int _refining = -1;

    /// <inheritdoc />
    public int ExpressionDim => _z.Length;

    /// <inheritdoc />
    public AvatarFrameTimings Render(AvatarDrive drive, RgbImage output)
    {
        var state = _controls.Snapshot;
        if (state.AvatarId is { } id && id != AvatarId && id != _failedId) Switch(id);
        if ((state.YawDeg, state.PitchDeg) != _view)
        {
            _view = (state.YawDeg, state.PitchDeg);
            _camera = _renderer.BaseCamera.Orbited(state.YawDeg, state.PitchDeg);
        }
        ReadOnlySpan<float> z = drive.ZExp;
        if (state.PadWeights is { } w && _presets is not null)
        {
            _presets.Blend(w, _pad);
            float mix = (float)state.PadMix;
            for (int k = 0; k < _z.Length; k++) _z[k] = (1 - mix) * drive.ZExp[k] + mix * _pad[k];
            z = _z;
        }
        var background = state.Background ?? _ownBackground; // neither array is ever written to: shared, not copied
        if (!_renderer.Background.AsSpan().SequenceEqual(background)) _renderer.Background = background;
        _renderer.RefineEnabled = _refine switch { RefineMode.On => true, RefineMode.Off => false, _ => _governor.Enabled };
        bool cnn = _renderer.UsesCnn;
        _renderer.RenderTurned(z, drive.Rotation, _camera, output, drive.Gaze);
        var t = _renderer.LastTimings;
        Refining = _renderer.HasCnn ? cnn : null;
        if (_refine == RefineMode.Auto && _renderer.HasCnn) _governor.Observe(t.TotalMs, cnn, System.Diagnostics.Stopwatch.GetTimestamp() / (double)System.Diagnostics.Stopwatch.Frequency);
        return t;
    }

    private string? _failedId;

    private void Switch(string id)
    {
        try
        {
            var package = _resolve(id);
            var model = package.Manifest.ExpressionModel;
            if (model.K != _z.Length) throw new InvalidDataException($"avatar {id} takes codes of K = {model.K}, this session's tracker gives K = {_z.Length}");
            var next = Create(package, Width, Height);
            _renderer.Dispose();
            _renderer = next;
            _governor = new RefineGovernor(_frameBudgetMs); // another avatar, another cost
            AvatarId = id;
            _camera = _renderer.BaseCamera.Orbited(_view.Yaw, _view.Pitch);
            LastSwitchError = null;
            _failedId = null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LastSwitchError = $"avatar {id}: {e.Message}";
            _failedId = id;
        }
    }

    /// <summary>A renderer for <paramref name="package"/>; remembers the package's own background (the one drawn while the
    /// viewer has set none).</summary>
    private AvatarFrameRenderer Create(AvatarPackage package, int width, int height)
    {
        var renderer = AvatarFrameRenderer.OnCpu(package, width, height, _renderThreads, useCnn: true, _networkThreads);
        _ownBackground = renderer.Background;
        Volatile.Write(ref _takesGaze, package.Manifest.Gaze is not null);
        return renderer;
    }

    /// <inheritdoc />
    public void Dispose() => _renderer.Dispose();
}
