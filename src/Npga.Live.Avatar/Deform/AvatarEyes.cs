using Npga.Live.Core.Gaussians;

namespace Npga.Live.Avatar.Deform;

/// <summary>
/// The manifest's <c>eyes</c> block: two rigid eyeballs in the canonical head frame (metres, +x towards the person's left,
/// +y up, +z out of the face), each listing the canonical Gaussians that turn with it. Written by the trainer
/// (<c>scripts/training/eyes.py</c>): the members are the Gaussians inside the eye's opening (the expression model's lid
/// contour seen along z, inset) within a depth window round the eyeball, with soft weights at the opening's edge.
/// </summary>
public sealed record AvatarEyeRig
{
    /// <summary>Values of the gaze the eyes take: per eye (right, left) the iris offset along and across the eye line.</summary>
    public const int GazeDim = 4;

    /// <summary>Distance from an eyeball's centre to its iris plane, metres (about 0.011).</summary>
    public required double RadiusM { get; init; }

    /// <summary>Bound of the turn: the iris offset over the radius, |d / r| ≤ max_tilt (0.7: about 44°), in (0, 1).</summary>
    public required double MaxTilt { get; init; }

    /// <summary>The person's right eye, then the left.</summary>
    public required IReadOnlyList<AvatarEyeball> Eyes { get; init; }

    /// <summary>Checks the values' ranges (not the member indices against N: <see cref="ValidateMembers"/>).</summary>
    /// <exception cref="AvatarFormatException">Not two eyes, a non-finite centre, a width or radius not positive, max_tilt outside (0, 1), members and weights of different lengths, a weight outside (0, 1], a repeated member.</exception>
    public void Validate(string source)
    {
        void Fail(string problem) => throw new AvatarFormatException(source, problem);
        if (!(RadiusM > 0) || !double.IsFinite(RadiusM)) Fail($"eyes.radius_m is {RadiusM}; it must be positive");
        if (!(MaxTilt > 0 && MaxTilt < 1)) Fail($"eyes.max_tilt is {MaxTilt}; it must be in (0, 1)");
        if (Eyes is null || Eyes.Count != 2) Fail($"eyes.eyes holds {Eyes?.Count ?? 0} eyes; expected 2 (right, left)");
        var seen = new HashSet<int>();
        for (var e = 0; e < 2; e++)
        {
            var eye = Eyes![e];
            if (eye?.Centre is not { Length: 3 } c || c.Any(v => !double.IsFinite(v))) Fail($"eyes.eyes[{e}].centre must hold 3 finite values");
            if (!(eye!.WidthM > 0) || !double.IsFinite(eye.WidthM)) Fail($"eyes.eyes[{e}].width_m is {eye.WidthM}; it must be positive");
            if (eye.Members is null || eye.Weights is null || eye.Members.Length != eye.Weights.Length)
                Fail($"eyes.eyes[{e}]: members and weights must be given, one weight per member");
            foreach (var w in eye.Weights!)
                if (!(w > 0 && w <= 1)) Fail($"eyes.eyes[{e}]: weight {w} is outside (0, 1]");
            foreach (var m in eye.Members!)
                if (!seen.Add(m)) Fail($"eyes: Gaussian {m} is listed twice");
        }
    }

    /// <summary>Checks that every member indexes one of the package's <paramref name="count"/> Gaussians.</summary>
    /// <exception cref="AvatarFormatException">A member outside [0, count).</exception>
    public void ValidateMembers(string source, int count)
    {
        for (var e = 0; e < Eyes.Count; e++)
            foreach (var m in Eyes[e].Members)
                if (m < 0 || m >= count)
                    throw new AvatarFormatException(source, $"eyes.eyes[{e}] lists Gaussian {m}; canonical.ply holds {count}");
    }
}

/// <summary>One eyeball of <see cref="AvatarEyeRig"/>.</summary>
public sealed record AvatarEyeball
{
    /// <summary>The centre it turns about, canonical head frame, metres [3].</summary>
    public required double[] Centre { get; init; }

    /// <summary>The eye's width (corner to corner) in the canonical face, metres: the gaze's unit.</summary>
    public required double WidthM { get; init; }

    /// <summary>Indices of the canonical Gaussians that turn with it.</summary>
    public required int[] Members { get; init; }

    /// <summary>Each member's share of the turn, (0, 1]: 1 inside the opening, less at its edge.</summary>
    public required double[] Weights { get; init; }
}

/// <summary>
/// Turns an avatar's eyeballs with the gaze (the runtime twin of <c>scripts/training/eyes.py</c>). For a member Gaussian i of
/// eye e (weight w_i, eye width W_e, centre c_e, radius r) and the gaze relative to the avatar's mean δ = code · std
/// (<see cref="AvatarGazeCode"/>, eye widths: along the eye line = canonical +x, across it towards the chin = canonical −y):
/// <list type="bullet">
/// <item>t = w_i · W_e / r · (δ_along, −δ_across), scaled down to |t| ≤ max_tilt: the iris offset over the radius;</item>
/// <item>n = (t_x, t_y, √(1 − |t|²)), the eyeball's new front direction, and q_i = normalize(1 + n_z, −n_y, n_x, 0) (w,x,y,z),
/// the shortest rotation taking +z to n;</item>
/// <item>the offset R(q_i)(μ_i − c_e) − (μ_i − c_e) of its canonical centre μ_i, added to the posed centre, and q_i composed
/// onto the posed rotation (q_p ← q_i ⊗ q_p), both in the canonical head frame, after NPGA eq. 6 and before the head pose.</item>
/// </list>
/// Allocates only at construction. Not thread-safe (one per <see cref="AvatarDynamics"/>).
/// </summary>
public sealed class AvatarEyes
{
    private readonly int[] _members, _eye;
    private readonly float[] _rel, _scale, _weight; // μ_i − c_e [M,3]; w_i · W_e / r [M]; w_i [M]
    private readonly float[] _std;
    private readonly float _maxTilt;

    /// <summary>Precomputes each member's offset from its eye's centre and its share of the turn.</summary>
    /// <param name="rig">The manifest's eyes block, validated.</param>
    /// <param name="gaze">The manifest's gaze block (its std turns codes into eye widths); dim must be 4.</param>
    /// <param name="canonical">The package's canonical Gaussians (the members index them).</param>
    /// <exception cref="ArgumentException">The gaze block's dim is not 4, or a member is outside the cloud.</exception>
    public AvatarEyes(AvatarEyeRig rig, AvatarGazeCode gaze, GaussianCloud canonical)
    {
        ArgumentNullException.ThrowIfNull(rig);
        ArgumentNullException.ThrowIfNull(gaze);
        ArgumentNullException.ThrowIfNull(canonical);
        if (gaze.Dim != AvatarEyeRig.GazeDim) throw new ArgumentException($"the eyes take a gaze of {AvatarEyeRig.GazeDim} values, not {gaze.Dim}", nameof(gaze));
        var m = rig.Eyes.Sum(e => e.Members.Length);
        _members = new int[m];
        _eye = new int[m];
        _rel = new float[3 * m];
        _scale = new float[m];
        _weight = new float[m];
        var mu = canonical.Means;
        var j = 0;
        for (var e = 0; e < 2; e++)
        {
            var eye = rig.Eyes[e];
            for (var k = 0; k < eye.Members.Length; k++, j++)
            {
                var i = eye.Members[k];
                if ((uint)i >= (uint)canonical.Count) throw new ArgumentException($"member {i} is outside the cloud of {canonical.Count}", nameof(rig));
                _members[j] = i;
                _eye[j] = e;
                for (var d = 0; d < 3; d++) _rel[3 * j + d] = (float)(mu[3 * i + d] - eye.Centre[d]);
                _scale[j] = (float)(eye.Weights[k] * eye.WidthM / rig.RadiusM);
                _weight[j] = (float)eye.Weights[k];
            }
        }
        _std = gaze.Std.Select(v => (float)v).ToArray();
        _maxTilt = (float)rig.MaxTilt;
        Offsets = new float[3 * m];
        Rotations = new float[4 * m];
    }

    /// <summary>Indices of the member Gaussians [M] (right eye's, then left eye's).</summary>
    public ReadOnlySpan<int> Members => _members;

    /// <summary>Per member, its weight w_i [M] (the manifest's), in (0, 1].</summary>
    public ReadOnlySpan<float> Weights => _weight;

    /// <summary>Per member, the offset of its centre from the last <see cref="Turn"/> [M,3], canonical head frame, metres.</summary>
    public float[] Offsets { get; }

    /// <summary>Per member, the rotation q_i of the last <see cref="Turn"/> [M,4] (w,x,y,z, unit), canonical head frame.</summary>
    public float[] Rotations { get; }

    /// <summary>Writes <see cref="Offsets"/> and <see cref="Rotations"/> for a gaze code (zeros: the avatar's mean gaze, no turn).</summary>
    /// <param name="code">The gaze code, 4 floats (<see cref="AvatarGazeCode.Encode"/>: right along, across, left along, across).</param>
    /// <exception cref="ArgumentException"><paramref name="code"/> is not 4 floats.</exception>
    public void Turn(ReadOnlySpan<float> code)
    {
        if (code.Length != AvatarEyeRig.GazeDim) throw new ArgumentException($"the gaze code has {code.Length} values; expected {AvatarEyeRig.GazeDim}", nameof(code));
        Span<float> along = [code[0] * _std[0], code[2] * _std[2]];
        Span<float> across = [code[1] * _std[1], code[3] * _std[3]];
        for (var j = 0; j < _members.Length; j++)
        {
            var e = _eye[j];
            float tx = _scale[j] * along[e], ty = -_scale[j] * across[e];
            var len = MathF.Sqrt(tx * tx + ty * ty);
            if (len > _maxTilt)
            {
                tx *= _maxTilt / len;
                ty *= _maxTilt / len;
            }
            var nz = MathF.Sqrt(MathF.Max(0f, 1f - tx * tx - ty * ty));
            float qw = 1f + nz, qx = -ty, qy = tx;
            var inv = 1f / MathF.Sqrt(qw * qw + qx * qx + qy * qy);
            qw *= inv;
            qx *= inv;
            qy *= inv;
            // v' = v + w·t + u × t, t = 2 u × v, u = (qx, qy, 0): the rotation of the member's offset from the centre
            float vx = _rel[3 * j], vy = _rel[3 * j + 1], vz = _rel[3 * j + 2];
            float cx = 2f * (qy * vz), cy = 2f * (-qx * vz), cz = 2f * (qx * vy - qy * vx);
            Offsets[3 * j] = qw * cx + qy * cz;
            Offsets[3 * j + 1] = qw * cy - qx * cz;
            Offsets[3 * j + 2] = qw * cz + qx * cy - qy * cx;
            Rotations[4 * j] = qw;
            Rotations[4 * j + 1] = qx;
            Rotations[4 * j + 2] = qy;
            Rotations[4 * j + 3] = 0f;
        }
    }
}
