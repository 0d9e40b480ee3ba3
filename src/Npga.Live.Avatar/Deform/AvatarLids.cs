using Npga.Live.Core.Gaussians;

namespace Npga.Live.Avatar.Deform;

/// <summary>
/// The manifest's <c>lids</c> block: an upper-lid cap per eye that turns down over the eyeball as the expression code closes
/// the eye (written by the trainer, <c>scripts/training/lids.py</c>, which has the equations). Canonical head frame (metres,
/// +x towards the person's left, +y up, +z out of the face); each eye turns about the line through its eyeball's centre
/// (<see cref="AvatarEyeball.Centre"/>, so an avatar with lids has <see cref="AvatarManifest.Eyes"/>) along x.
/// </summary>
public sealed record AvatarLidRig
{
    /// <summary>Radius of the caps' cylinder round each eye's axis, metres (about 0.012).</summary>
    public required double CapRhoM { get; init; }

    /// <summary>Logistic scale of the eyeball's fade at the cap's edge, metres (about 0.0004).</summary>
    public required double FadeM { get; init; }

    /// <summary>The least closure (negative: a wide-open eye turns the cap up), in [−1, 0].</summary>
    public required double ClosureMin { get; init; }

    /// <summary>The person's right eye, then the left.</summary>
    public required IReadOnlyList<AvatarLid> Eyes { get; init; }

    /// <summary>Checks the values' ranges (not the cap indices against N: <see cref="ValidateMembers"/>).</summary>
    /// <param name="source">The manifest's path, for the error.</param>
    /// <param name="k">The expression model's K (each eye's gap_b_mm holds K values).</param>
    /// <exception cref="AvatarFormatException">Not two eyes; a radius or fade scale not positive; closure_min outside [−1, 0];
    /// open_mm not above shut_mm; lid lines of different lengths, fewer than 2 points or x not ascending; a non-finite value; a
    /// cap Gaussian listed twice.</exception>
    public void Validate(string source, int k)
    {
        void Fail(string problem) => throw new AvatarFormatException(source, problem);
        if (!(CapRhoM > 0) || !double.IsFinite(CapRhoM)) Fail($"lids.cap_rho_m is {CapRhoM}; it must be positive");
        if (!(FadeM > 0) || !double.IsFinite(FadeM)) Fail($"lids.fade_m is {FadeM}; it must be positive");
        if (!(ClosureMin >= -1 && ClosureMin <= 0)) Fail($"lids.closure_min is {ClosureMin}; it must be in [-1, 0]");
        if (Eyes is null || Eyes.Count != 2) Fail($"lids.eyes holds {Eyes?.Count ?? 0} eyes; expected 2 (right, left)");
        var seen = new HashSet<int>();
        for (var e = 0; e < 2; e++)
        {
            var lid = Eyes![e];
            if (lid is null) Fail($"lids.eyes[{e}] is missing");
            if (lid!.GapBMm is null || lid.GapBMm.Length != k) Fail($"lids.eyes[{e}].gap_b_mm must hold K = {k} values");
            if (!double.IsFinite(lid.GapAMm) || lid.GapBMm!.Any(v => !double.IsFinite(v))) Fail($"lids.eyes[{e}]: the lid gap's coefficients must be finite");
            if (!(lid.OpenMm > lid.ShutMm) || !double.IsFinite(lid.OpenMm) || !double.IsFinite(lid.ShutMm))
                Fail($"lids.eyes[{e}]: open_mm ({lid.OpenMm}) must be finite and above shut_mm ({lid.ShutMm})");
            if (lid.LineX is not { Length: >= 2 } x || lid.LineUpperY?.Length != x.Length || lid.LineLowerY?.Length != x.Length)
                Fail($"lids.eyes[{e}]: line_x, line_upper_y and line_lower_y must hold the same number (≥ 2) of values");
            for (var i = 0; i < lid.LineX!.Length; i++)
            {
                if (!double.IsFinite(lid.LineX[i]) || !double.IsFinite(lid.LineUpperY![i]) || !double.IsFinite(lid.LineLowerY![i]))
                    Fail($"lids.eyes[{e}]: the lid lines must be finite");
                if (i > 0 && !(lid.LineX[i] > lid.LineX[i - 1])) Fail($"lids.eyes[{e}].line_x must ascend");
            }
            if (lid.Cap is null) Fail($"lids.eyes[{e}].cap must be given");
            foreach (var m in lid.Cap!)
                if (!seen.Add(m)) Fail($"lids: Gaussian {m} is listed twice");
        }
    }

    /// <summary>Checks that every cap Gaussian indexes one of the package's <paramref name="count"/> Gaussians and none is an
    /// eyeball's.</summary>
    /// <exception cref="AvatarFormatException">A cap index outside [0, count), or one the eyes block lists.</exception>
    public void ValidateMembers(string source, int count, AvatarEyeRig eyes)
    {
        var eyeballs = eyes.Eyes.SelectMany(e => e.Members).ToHashSet();
        for (var e = 0; e < Eyes.Count; e++)
            foreach (var m in Eyes[e].Cap)
            {
                if (m < 0 || m >= count) throw new AvatarFormatException(source, $"lids.eyes[{e}] lists Gaussian {m}; canonical.ply holds {count}");
                if (eyeballs.Contains(m)) throw new AvatarFormatException(source, $"lids.eyes[{e}] lists Gaussian {m}, an eyeball's");
            }
    }
}

/// <summary>One eye's upper lid of <see cref="AvatarLidRig"/>.</summary>
public sealed record AvatarLid
{
    /// <summary>The expression model's lid gap at z_exp = 0, mm: gap(z) = gap_a + gap_b · z_exp.</summary>
    public required double GapAMm { get; init; }

    /// <summary>The lid gap's change per unit of each z_exp component, mm [K].</summary>
    public required double[] GapBMm { get; init; }

    /// <summary>The gap at which the cap is up (closure 0): the median over the avatar's training frames, mm.</summary>
    public required double OpenMm { get; init; }

    /// <summary>The gap at which the cap is down (closure 1, shut), mm.</summary>
    public required double ShutMm { get; init; }

    /// <summary>Lateral positions of the lid lines, ascending, canonical metres [M].</summary>
    public required double[] LineX { get; init; }

    /// <summary>The upper lid contour's height at each <see cref="LineX"/>, canonical metres [M].</summary>
    public required double[] LineUpperY { get; init; }

    /// <summary>The lower lid contour's height at each <see cref="LineX"/>, canonical metres [M].</summary>
    public required double[] LineLowerY { get; init; }

    /// <summary>Indices of the canonical Gaussians of this eye's cap.</summary>
    public required int[] Cap { get; init; }
}

/// <summary>
/// Closes an avatar's upper lids with its expression code (the runtime twin of <c>scripts/training/lids.py</c>). Per eye e,
/// closure c_e = clip((open − gap(z)) / (open − shut), closure_min, 1). On the cap's cylinder (radius ρ round the axis through
/// the eyeball's centre along x) the upper and lower lid lines sit at elevations φ_top(x), φ_bot(x) (asin of their height
/// above the centre over ρ) and the eye closes by Θ(x) = max(φ_top − φ_bot, 0), 0 outside the lines' span:
/// <list type="bullet">
/// <item>a cap Gaussian i turns about the axis by α_i = c_e·Θ(x_i): offset R_x(α_i)(μ_i − c_e) − (μ_i − c_e), rotation
/// (cos α_i/2, sin α_i/2, 0, 0) (w,x,y,z) composed onto the posed one;</item>
/// <item>an eyeball Gaussian above the cap's edge y_edge = c_y + ρ·sin(φ_top(x) − c_e·Θ(x)), its turned canonical centre (x, y)
/// seen along z, fades: opacity logit += ln(1 − h + 10⁻⁴), h = σ((y − y_edge) / fade_m);</item>
/// <item>F's displacement is withheld from both (<see cref="AvatarDynamics"/>).</item>
/// </list>
/// Allocates only at construction. Not thread-safe (one per <see cref="AvatarDynamics"/>).
/// </summary>
public sealed class AvatarLids
{
    private readonly AvatarLidRig _rig;
    private readonly double[][] _centres;
    private readonly int[] _cap, _capEye;
    private readonly float[] _capRel, _capTheta; // μ_i − c_e [M,3]; Θ(x_i) [M]
    private readonly int[] _ballEye; // per eyeball member (AvatarEyes' order): its eye
    private readonly float[] _ballRel; // per eyeball member: μ_i − c_e [B,3]
    private readonly double[] _closure = new double[2];

    /// <summary>Precomputes each cap Gaussian's offset from its eye's centre and its closing angle.</summary>
    /// <param name="rig">The manifest's lids block, validated.</param>
    /// <param name="eyes">The manifest's eyes block (the centres and the eyeball members, in <see cref="AvatarEyes"/>' order).</param>
    /// <param name="canonical">The package's canonical Gaussians.</param>
    /// <exception cref="ArgumentException">A cap or eyeball index outside the cloud.</exception>
    public AvatarLids(AvatarLidRig rig, AvatarEyeRig eyes, GaussianCloud canonical)
    {
        ArgumentNullException.ThrowIfNull(rig);
        ArgumentNullException.ThrowIfNull(eyes);
        ArgumentNullException.ThrowIfNull(canonical);
        _rig = rig;
        _centres = [eyes.Eyes[0].Centre, eyes.Eyes[1].Centre];
        var mu = canonical.Means;
        var m = rig.Eyes.Sum(e => e.Cap.Length);
        _cap = new int[m];
        _capEye = new int[m];
        _capRel = new float[3 * m];
        _capTheta = new float[m];
        var j = 0;
        for (var e = 0; e < 2; e++)
            foreach (var i in rig.Eyes[e].Cap)
            {
                if ((uint)i >= (uint)canonical.Count) throw new ArgumentException($"cap Gaussian {i} is outside the cloud of {canonical.Count}", nameof(rig));
                _cap[j] = i;
                _capEye[j] = e;
                for (var d = 0; d < 3; d++) _capRel[3 * j + d] = (float)(mu[3 * i + d] - _centres[e][d]);
                _capTheta[j] = (float)Angles(e, mu[3 * i]).Theta;
                j++;
            }
        var b = eyes.Eyes.Sum(e => e.Members.Length);
        _ballEye = new int[b];
        _ballRel = new float[3 * b];
        j = 0;
        for (var e = 0; e < 2; e++)
            foreach (var i in eyes.Eyes[e].Members)
            {
                if ((uint)i >= (uint)canonical.Count) throw new ArgumentException($"eyeball Gaussian {i} is outside the cloud of {canonical.Count}", nameof(eyes));
                _ballEye[j] = e;
                for (var d = 0; d < 3; d++) _ballRel[3 * j + d] = (float)(mu[3 * i + d] - _centres[e][d]);
                j++;
            }
        CapOffsets = new float[3 * m];
        CapRotations = new float[4 * m];
        BallFade = new float[b];
    }

    /// <summary>Indices of the cap Gaussians [M] (right eye's, then left eye's).</summary>
    public ReadOnlySpan<int> Cap => _cap;

    /// <summary>Per cap Gaussian, the offset of its centre from the last <see cref="Close"/> [M,3], canonical head frame, metres.</summary>
    public float[] CapOffsets { get; }

    /// <summary>Per cap Gaussian, the rotation of the last <see cref="Close"/> [M,4] (w,x,y,z, unit), canonical head frame.</summary>
    public float[] CapRotations { get; }

    /// <summary>Per eyeball Gaussian (<see cref="AvatarEyes.Members"/>' order), the opacity-logit offset of the last <see cref="Close"/> [B].</summary>
    public float[] BallFade { get; }

    /// <summary>The last <see cref="Close"/>'s closure per eye (right, left), in [closure_min, 1].</summary>
    public ReadOnlySpan<double> Closure => _closure;

    /// <summary>Writes <see cref="CapOffsets"/>, <see cref="CapRotations"/> and <see cref="BallFade"/> for an expression code.</summary>
    /// <param name="zExp">z_exp, K floats (the gaze code, if any, not included).</param>
    /// <param name="ballOffsets">The eyeballs' turn offsets of this frame [B,3] (<see cref="AvatarEyes.Offsets"/>), or empty for none.</param>
    /// <exception cref="ArgumentException"><paramref name="zExp"/> is not K floats, or the offsets are not [B,3].</exception>
    public void Close(ReadOnlySpan<float> zExp, ReadOnlySpan<float> ballOffsets)
    {
        if (zExp.Length != _rig.Eyes[0].GapBMm.Length) throw new ArgumentException($"z_exp has {zExp.Length} values; the lids take K = {_rig.Eyes[0].GapBMm.Length}", nameof(zExp));
        if (!ballOffsets.IsEmpty && ballOffsets.Length != _ballRel.Length) throw new ArgumentException($"the eyeball offsets are {ballOffsets.Length} floats; expected {_ballRel.Length}", nameof(ballOffsets));
        for (var e = 0; e < 2; e++)
        {
            var lid = _rig.Eyes[e];
            var gap = lid.GapAMm;
            for (var k = 0; k < zExp.Length; k++) gap += lid.GapBMm[k] * zExp[k];
            _closure[e] = Math.Clamp((lid.OpenMm - gap) / Math.Max(lid.OpenMm - lid.ShutMm, 1e-6), _rig.ClosureMin, 1.0);
        }
        for (var j = 0; j < _cap.Length; j++)
        {
            var a = (float)(_closure[_capEye[j]] * _capTheta[j]);
            float ca = MathF.Cos(a), sa = MathF.Sin(a), vy = _capRel[3 * j + 1], vz = _capRel[3 * j + 2];
            CapOffsets[3 * j] = 0f;
            CapOffsets[3 * j + 1] = vy * ca - vz * sa - vy;
            CapOffsets[3 * j + 2] = vy * sa + vz * ca - vz;
            CapRotations[4 * j] = MathF.Cos(a / 2);
            CapRotations[4 * j + 1] = MathF.Sin(a / 2);
            CapRotations[4 * j + 2] = 0f;
            CapRotations[4 * j + 3] = 0f;
        }
        for (var j = 0; j < _ballEye.Length; j++)
        {
            var e = _ballEye[j];
            double x = _centres[e][0] + _ballRel[3 * j], y = _ballRel[3 * j + 1];
            if (!ballOffsets.IsEmpty)
            {
                x += ballOffsets[3 * j];
                y += ballOffsets[3 * j + 1];
            }
            var (top, theta) = Angles(e, x);
            var edge = _rig.CapRhoM * Math.Sin(top - _closure[e] * theta);
            var h = 1.0 / (1.0 + Math.Exp(-(y - edge) / _rig.FadeM));
            BallFade[j] = (float)Math.Log(1.0 - h + 1e-4);
        }
    }

    /// <summary>Eye e's (φ_top, Θ) at lateral position x (canonical metres): radians on the cap's cylinder.</summary>
    private (double Top, double Theta) Angles(int e, double x)
    {
        var lid = _rig.Eyes[e];
        double rho = _rig.CapRhoM, cy = _centres[e][1];
        var top = Math.Asin(Math.Clamp((Interp(lid.LineX, lid.LineUpperY, x) - cy) / rho, -1, 1));
        var bot = Math.Asin(Math.Clamp((Interp(lid.LineX, lid.LineLowerY, x) - cy) / rho, -1, 1));
        var inside = x > lid.LineX[0] && x < lid.LineX[^1];
        return (top, inside ? Math.Max(top - bot, 0) : 0);
    }

    /// <summary>Piecewise-linear interpolation of (xs ascending, ys) at x, clamped to the ends.</summary>
    private static double Interp(double[] xs, double[] ys, double x)
    {
        if (x <= xs[0]) return ys[0];
        if (x >= xs[^1]) return ys[^1];
        var j = Array.BinarySearch(xs, x);
        if (j >= 0) return ys[j];
        j = ~j; // xs[j - 1] < x < xs[j]
        var t = (x - xs[j - 1]) / (xs[j] - xs[j - 1]);
        return ys[j - 1] + t * (ys[j] - ys[j - 1]);
    }
}
