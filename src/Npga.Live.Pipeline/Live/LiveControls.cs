namespace Npga.Live.Pipeline.Live;

/// <summary>
/// What the viewer of a live session controls, set from the signaling thread and read by the render thread between
/// frames: the orbit of the view round the avatar's head, the expression pad, the background colour and the avatar asked
/// for. Every setter
/// validates and clamps; a read sees one whole snapshot (<see cref="Snapshot"/>).
/// </summary>
public sealed class LiveControls
{
    /// <summary>Largest orbit yaw either way, degrees.</summary>
    public const double MaxYawDeg = 60;

    /// <summary>Largest orbit pitch either way, degrees.</summary>
    public const double MaxPitchDeg = 40;

    private readonly object _lock = new();
    private LiveControlState _state = new(0, 0, null, 0, null, null);

    /// <summary>The current settings as one consistent value.</summary>
    public LiveControlState Snapshot
    {
        get { lock (_lock) return _state; }
    }

    /// <summary>Orbits the view round the head centre (see <see cref="Core.Gaussians.Camera.Orbited"/>), clamped to
    /// ±<see cref="MaxYawDeg"/> / ±<see cref="MaxPitchDeg"/>.</summary>
    /// <exception cref="ArgumentException">A value that is not finite.</exception>
    public void SetView(double yawDeg, double pitchDeg)
    {
        if (!double.IsFinite(yawDeg) || !double.IsFinite(pitchDeg)) throw new ArgumentException("view angles must be finite numbers");
        lock (_lock) _state = _state with { YawDeg = Math.Clamp(yawDeg, -MaxYawDeg, MaxYawDeg), PitchDeg = Math.Clamp(pitchDeg, -MaxPitchDeg, MaxPitchDeg) };
    }

    /// <summary>
    /// Sets the expression pad: bilinear weights over the four corner expressions of <see cref="ExpressionPresets"/>
    /// (normalised to sum 1) and how much of the pad's code replaces the tracked one (0 = tracked only, 1 = pad only).
    /// Null weights turn the pad off.
    /// </summary>
    /// <exception cref="ArgumentException">Not 4 weights, a negative or non-finite weight, weights summing to 0, or a mix outside [0, 1].</exception>
    public void SetExpression(float[]? weights, double mix)
    {
        float[]? w = null;
        if (weights is not null)
        {
            if (weights.Length != ExpressionPresets.Count) throw new ArgumentException($"the expression pad takes {ExpressionPresets.Count} weights, not {weights.Length}");
            if (weights.Any(v => !float.IsFinite(v) || v < 0)) throw new ArgumentException("pad weights must be finite and not negative");
            double sum = weights.Sum(v => (double)v); // in double: four floats near float.MaxValue overflow a float sum to ∞, and every weight to 0
            if (sum <= 0) throw new ArgumentException("pad weights sum to 0");
            w = weights.Select(v => (float)(v / sum)).ToArray();
            if (!double.IsFinite(mix) || mix < 0 || mix > 1) throw new ArgumentException("mix must be between 0 and 1");
        }
        lock (_lock) _state = _state with { PadWeights = w, PadMix = w is null ? 0 : mix };
    }

    /// <summary>
    /// Sets the colour the avatar is composited on, RGB 0–1 as the frame's values (the renderer's C + T·background, before the CNN), or
    /// null for the avatar's own (its manifest's <c>background</c>). A capture tool keys a solid colour out (OBS's chroma
    /// key, or the bare view's transparent mode, web/obs.html).
    /// </summary>
    /// <exception cref="ArgumentException">Not 3 values, or a value outside [0, 1] or not finite.</exception>
    public void SetBackground(float[]? rgb)
    {
        if (rgb is not null && (rgb.Length != 3 || rgb.Any(v => !float.IsFinite(v) || v < 0 || v > 1)))
            throw new ArgumentException("a background is 3 values between 0 and 1 (red, green, blue)");
        lock (_lock) _state = _state with { Background = rgb is null ? null : [rgb[0], rgb[1], rgb[2]] };
    }

    /// <summary>Asks for another avatar (applied by the render stage before its next frame).</summary>
    public void RequestAvatar(string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        lock (_lock) _state = _state with { AvatarId = id };
    }
}

/// <summary>One snapshot of <see cref="LiveControls"/>.</summary>
/// <param name="YawDeg">Orbit yaw, degrees (camera towards +x, the subject's left, when positive).</param>
/// <param name="PitchDeg">Orbit pitch, degrees (camera up when positive).</param>
/// <param name="PadWeights">The pad's 4 weights (sum 1), or null when the pad is off.</param>
/// <param name="PadMix">Share of the pad's code in the drive, 0–1.</param>
/// <param name="AvatarId">The avatar asked for, or null for the session's first one.</param>
/// <param name="Background">The background colour, RGB 0–1, or null for the avatar's own.</param>
public sealed record LiveControlState(double YawDeg, double PitchDeg, float[]? PadWeights, double PadMix, string? AvatarId, float[]? Background);
