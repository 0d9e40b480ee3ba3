using System.Diagnostics;
using System.Numerics;
using Npga.Live.Core.Gaussians;
using Npga.Live.Onnx;

namespace Npga.Live.Avatar.Deform;

/// <summary>How <see cref="AvatarDynamics"/> runs its networks.</summary>
public sealed class AvatarDynamicsOptions
{
    /// <summary>ORT threads per network run (<see cref="OrtSessionOptions.IntraOpThreads"/>); 1 (default) runs on the calling thread.</summary>
    public int IntraOpThreads { get; init; } = 1;

    /// <summary>
    /// Use the export-time splits F_pre/F_post and G_pre/G_post when the package has them (default): the pre parts run once
    /// at construction, only the post parts per frame. False runs the whole F and G every frame.
    /// </summary>
    public bool UseSplitNetworks { get; init; } = true;

    /// <summary>Ask ORT for its CUDA execution provider (falls back to the CPU when the library has none).</summary>
    public bool UseCuda { get; init; }

    /// <summary>
    /// Run G on a thread of its own while F runs on the calling thread (default true; applies when the package has G, ORT
    /// runs each network on one thread (<see cref="IntraOpThreads"/> = 1) and the machine has more than one core). F and G
    /// read the same constant inputs and write separate outputs, so the posed cloud is the same bits either way.
    /// </summary>
    public bool RunFAndGSideBySide { get; init; } = true;
}

/// <summary>Wall-clock time of the stages of one <see cref="AvatarDynamics.Pose"/> call, milliseconds.</summary>
/// <param name="FMs">Running F (or F_post): writing z_exp and the ORT run.</param>
/// <param name="GMs">Running G (or G_post); 0 without G. When G runs beside F (<see cref="AvatarDynamicsOptions.RunFAndGSideBySide"/>)
/// this is G's own run, which overlapped F's.</param>
/// <param name="ComposeMs">Composing the posed cloud (NPGA eq. 6) and applying the head pose.</param>
/// <param name="TotalMs">The whole call, milliseconds: F + G + compose when they run one after the other, less when F and G overlap.</param>
public readonly record struct AvatarStageTimings(double FMs, double GMs, double ComposeMs, double TotalMs);

/// <summary>
/// The avatar's expression dynamics (NPGA eqs. 4–6): per frame, from an expression code z_exp [K] and a head pose, runs the
/// deformation prior F and the detail network G for all N Gaussians through ONNX Runtime and writes the posed Gaussians
/// A_p, placed in the world by the head pose, into a caller-owned <see cref="GaussianCloud"/>:
/// <list type="bullet">
/// <item>μ_p = μ + d_μ(F) + d_μ(G), then μ_world = R·μ_p + t (metres);</item>
/// <item>q_p = d_rot ⊗ q (Hamilton product; d_rot = (1,0,0,0) is no change, NPGA eq. 12), then q_world = q(R) ⊗ q_p, with
/// q(R) the unit quaternion of R (w ≥ 0); quaternions are not normalised (the renderer does);</item>
/// <item>log-scales, opacity logits, SH [N,(d+1)²,3] and latents [N,L] add G's offsets in their stored spaces;</item>
/// <item>an avatar with eyeballs (<see cref="AvatarManifest.Eyes"/>) turns their member Gaussians by the gaze code
/// (<see cref="AvatarEyes"/>) after eq. 6, before the head pose; one with lids (<see cref="AvatarManifest.Lids"/>) closes them
/// with z_exp (<see cref="AvatarLids"/>), and F's displacement is withheld from the eyeballs' and the caps' Gaussians.</item>
/// </list>
/// SH coefficients stay in the canonical head frame (they are not rotated by R; a renderer evaluating view-dependent colour
/// should turn the view direction into the head frame with Rᵀ). Without G only F's d_μ applies and the other attributes are
/// the canonical ones. F's and G's inputs mu and feat are constant: they are written into the ORT input buffers once; when the
/// package has the export-time splits, the z-independent first-layer part h0 = [μ, f]·W₀ + b₀ is computed once here and only
/// F_post/G_post run per frame. After the first call, <see cref="Pose"/> allocates nothing on the managed heap. Not thread-safe:
/// one instance per stream.
/// <para>
/// An avatar with a rest code r (<see cref="AvatarManifest.RestCode"/>, a one-shot avatar's photo expression) is driven from
/// its rest: the driving code z moves it away from the photo's state, and F's displacement is composed additively,
/// d_μ(F) = [F(μ; r) − F(μ; 0)] + F(μ; z), the bracket computed once here (G, when present, sees r + z). The expression
/// model F was distilled from is linear (X(z) = C + B·z), so this equals F(μ; r + z) where F is exact, and it keeps F's input
/// codes in the range F was trained on: a photo's code carries the person's identity as well as their expression and lies
/// far outside it (|r| ≈ 10 against |z| ≈ 4–6 for tracked drivers), where F under-moves the mouth and eyes.
/// </para>
/// </summary>
public sealed class AvatarDynamics : IDisposable
{
    private readonly GaussianCloud _canonical;
    private readonly int _n, _k, _gazeDim, _gCodeDim;
    private readonly AvatarEyes? _eyes;
    private readonly AvatarLids? _lids;
    private readonly OrtSession? _fSession, _gSession;
    private readonly OrtRunner? _fRunner, _gRunner;
    private readonly int _fZ, _gZ;
    private readonly float[] _baseMeans; // μ, plus F(μ; r) − F(μ; 0) for an avatar with a rest code r
    private readonly float[]? _rest;
    private readonly SideThread? _gThread; // runs G beside F (RunFAndGSideBySide)
    private double _gMs;
    private bool _disposed;

    /// <summary>Opens F and G (or their post parts) for <paramref name="package"/>, binds their buffers, runs the pre parts, and runs each network once (warm-up).</summary>
    /// <param name="package">A loaded, validated package.</param>
    /// <param name="options">Threads and network choice; null for the defaults.</param>
    /// <exception cref="AvatarFormatException">ORT cannot load a network, or a network produces shapes other than the contract's; carries ORT's message.</exception>
    public AvatarDynamics(AvatarPackage package, AvatarDynamicsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(package);
        var o = options ?? new AvatarDynamicsOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(o.IntraOpThreads);
        Package = package;
        _canonical = package.Canonical;
        _n = _canonical.Count;
        _k = package.Manifest.ExpressionModel.K;
        _gazeDim = package.Manifest.Gaze?.Dim ?? 0;
        _gCodeDim = package.Manifest.GCodeDim;
        if (package.Manifest.Eyes is { } rig) _eyes = new AvatarEyes(rig, package.Manifest.Gaze!, _canonical);
        if (package.Manifest.Lids is { } lids) _lids = new AvatarLids(lids, package.Manifest.Eyes!, _canonical);
        var so = new OrtSessionOptions { IntraOpThreads = o.IntraOpThreads, UseCuda = o.UseCuda };
        var files = package.Networks;
        var sw = Stopwatch.StartNew();
        try
        {
            (_fSession, _fRunner, UsesSplitF) = Open(files.F, files.FPre, files.FPost, o.UseSplitNetworks, so, _k,
                [("d_mu", [_n, 3])]);
            _fZ = _fRunner.InputNames.ToList().IndexOf("z_exp");
            if (files.G is not null)
            {
                var sh = 3 * _canonical.ShCoefficients;
                var outs = new List<(string, long[])>
                {
                    ("d_mu", [_n, 3]), ("d_rot", [_n, 4]), ("d_scale", [_n, 3]), ("d_opacity", [_n, 1]), ("d_sh", [_n, sh]),
                };
                if (_canonical.LatentDim > 0) outs.Add(("d_latent", [_n, _canonical.LatentDim]));
                (_gSession, _gRunner, UsesSplitG) = Open(files.G, files.GPre, files.GPost, o.UseSplitNetworks, so, _gCodeDim, outs);
                _gZ = _gRunner.InputNames.ToList().IndexOf("z_exp");
            }
            _baseMeans = (float[])_canonical.Means.Clone();
            if (_gRunner is not null && o.RunFAndGSideBySide && o.IntraOpThreads == 1 && Environment.ProcessorCount > 1)
                _gThread = new SideThread("npga-G", RunG);
            if (package.Manifest.RestCode is { } rest)
            {
                _rest = (float[])rest.Clone();
                AddRestDisplacement(rest);
            }
            SetupMs = sw.Elapsed.TotalMilliseconds;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The package this instance poses.</summary>
    public AvatarPackage Package { get; }

    /// <summary>Number of Gaussians N.</summary>
    public int Count => _n;

    /// <summary>Expression code dimension K.</summary>
    public int ExpressionDim => _k;

    /// <summary>Length of the gaze code after z_exp (<see cref="AvatarManifest.Gaze"/>), which G (when it takes it) and the
    /// eyeballs (<see cref="AvatarManifest.Eyes"/>) read; 0 for an avatar without one.</summary>
    public int GazeDim => _gazeDim;

    /// <summary>Whether F runs as F_post per frame (F_pre ran once at construction) rather than as the whole F.</summary>
    public bool UsesSplitF { get; }

    /// <summary>Whether G runs as G_post per frame; false also when there is no G.</summary>
    public bool UsesSplitG { get; }

    /// <summary>Time the constructor took to open the sessions, run the pre parts and warm up, milliseconds.</summary>
    public double SetupMs { get; }

    /// <summary>Stage timings of the last <see cref="Pose"/> call.</summary>
    public AvatarStageTimings LastTimings { get; private set; }

    /// <summary>
    /// A new cloud sized for this avatar, holding the canonical Gaussians (features included: <see cref="Pose"/> never
    /// writes <see cref="GaussianCloud.Features"/>, which only F and G consume). Allocates; call once per stream.
    /// </summary>
    public GaussianCloud CreatePosedCloud() => _canonical.Clone();

    /// <summary>
    /// Poses the avatar for one frame (NPGA eqs. 4–6, then the head pose) into <paramref name="posed"/>: writes its
    /// <see cref="GaussianCloud.Means"/> [N,3] (world frame, metres), <see cref="GaussianCloud.Rotations"/> [N,4] (w,x,y,z,
    /// world frame), <see cref="GaussianCloud.LogScales"/> [N,3], <see cref="GaussianCloud.OpacityLogits"/> [N],
    /// <see cref="GaussianCloud.Sh"/> [N,(d+1)²,3] (canonical head frame) and <see cref="GaussianCloud.Latents"/> [N,L].
    /// Allocates nothing after the first call; sets <see cref="LastTimings"/>.
    /// </summary>
    /// <param name="zExp">Expression code z_exp, K finite floats, of the expression model the package names; for an avatar with a
    /// rest code it drives the avatar from its rest (zeros show the avatar at rest; see the class notes). For an avatar with a
    /// gaze code (<see cref="GazeDim"/> &gt; 0) it may hold K + <see cref="GazeDim"/> floats: z_exp, then the gaze code
    /// (<see cref="AvatarGazeCode"/>), which G (when it takes it) and the eyeballs read (<see cref="AvatarEyes"/>, applied after
    /// eq. 6 and before the head pose); with K floats the gaze code is zeros (the avatar's average gaze).</param>
    /// <param name="rotation">Head rotation R, row-major 3×3, canonical head frame → world: x_world = R·μ_p + t. Must be a rotation
    /// (RᵀR = I, det R = 1, within 1e-3).</param>
    /// <param name="translation">Head translation t, 3 values, metres.</param>
    /// <param name="posed">Caller-owned output, of the package's N, SH degree, D and L; not the package's canonical cloud.</param>
    /// <exception cref="ArgumentException">Wrong lengths, a non-finite code or pose, R not a rotation, or a cloud of another size.</exception>
    /// <exception cref="OrtException">ORT failed a run.</exception>
    /// <exception cref="ObjectDisposedException">Disposed.</exception>
    public void Pose(ReadOnlySpan<float> zExp, ReadOnlySpan<double> rotation, ReadOnlySpan<double> translation, GaussianCloud posed)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(posed);
        if (zExp.Length != _k && zExp.Length != _k + _gazeDim)
            throw new ArgumentException($"z_exp has {zExp.Length} values; the avatar's expression model has K = {_k}" + (_gazeDim > 0 ? $" (K + {_gazeDim} with its gaze code)" : ""), nameof(zExp));
        foreach (var z in zExp)
            if (!float.IsFinite(z)) throw new ArgumentException("z_exp holds a non-finite value", nameof(zExp));
        if (rotation.Length != 9) throw new ArgumentException($"R has {rotation.Length} values; expected 9 (row-major 3x3)", nameof(rotation));
        if (translation.Length != 3) throw new ArgumentException($"t has {translation.Length} values; expected 3", nameof(translation));
        if (!double.IsFinite(translation[0]) || !double.IsFinite(translation[1]) || !double.IsFinite(translation[2]))
            throw new ArgumentException("t holds a non-finite value", nameof(translation));
        if (!Rotation.IsRotation(rotation, 1e-3)) throw new ArgumentException("R is not a rotation (RᵀR = I, det R = +1)", nameof(rotation));
        if (ReferenceEquals(posed, _canonical)) throw new ArgumentException("pose into a cloud of your own, not the package's canonical cloud", nameof(posed));
        if (posed.Count != _n || posed.ShDegree != _canonical.ShDegree || posed.FeatureDim != _canonical.FeatureDim || posed.LatentDim != _canonical.LatentDim)
            throw new ArgumentException("the posed cloud's sizes differ from the avatar's (use CreatePosedCloud)", nameof(posed));

        var t0 = Stopwatch.GetTimestamp();
        _gMs = 0;
        if (_gRunner is not null)
        {
            var gz = _gRunner.Input(_gZ);
            var n = Math.Min(zExp.Length, gz.Length);
            zExp[..n].CopyTo(gz);
            gz[n..].Clear();
            if (_rest is not null)
                for (var k = 0; k < _k; k++) gz[k] += _rest[k];
            _gThread?.Start();
        }
        double fMs;
        try
        {
            zExp[.._k].CopyTo(_fRunner!.Input(_fZ));
            _fRunner.Run();
            fMs = Ms(Stopwatch.GetTimestamp() - t0);
        }
        finally
        {
            _gThread?.Wait(); // G's buffers must be quiet before anything else touches them, F failed or not
        }
        if (_gRunner is not null && _gThread is null) RunG();
        var t2 = Stopwatch.GetTimestamp();
        Compose(rotation, translation, posed);
        if (_eyes is not null) ApplyRigs(zExp, rotation, posed);
        var t3 = Stopwatch.GetTimestamp();
        LastTimings = new AvatarStageTimings(fMs, _gMs, Ms(t3 - t2), Ms(t3 - t0));
    }

    /// <summary>G's run on its already written inputs (the side thread's work, or inline); sets <see cref="_gMs"/>.</summary>
    private void RunG()
    {
        var t = Stopwatch.GetTimestamp();
        _gRunner!.Run();
        _gMs = Ms(Stopwatch.GetTimestamp() - t);
    }

    /// <summary>Adds F(μ; r) − F(μ; 0) to the base means (once, at construction).</summary>
    private void AddRestDisplacement(ReadOnlySpan<float> rest)
    {
        var z = _fRunner!.Input(_fZ);
        rest.CopyTo(z);
        _fRunner.Run();
        var d = _fRunner.Output(0);
        for (var i = 0; i < _baseMeans.Length; i++) _baseMeans[i] += d[i];
        z.Clear();
        _fRunner.Run();
        d = _fRunner.Output(0);
        for (var i = 0; i < _baseMeans.Length; i++) _baseMeans[i] -= d[i];
        foreach (var v in _baseMeans)
            if (!float.IsFinite(v)) throw new AvatarFormatException(Package.Networks.F, "F gave a non-finite displacement at the rest code");
    }

    /// <summary>Releases the ORT runners and sessions. Safe to call twice.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _gThread?.Dispose();
        _fRunner?.Dispose();
        _gRunner?.Dispose();
        _fSession?.Dispose();
        _gSession?.Dispose();
    }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    /// <summary>NPGA eq. 6 and the head pose; see the class notes.</summary>
    private void Compose(ReadOnlySpan<double> rotation, ReadOnlySpan<double> translation, GaussianCloud posed)
    {
        var c = _canonical;
        float r00 = (float)rotation[0], r01 = (float)rotation[1], r02 = (float)rotation[2];
        float r10 = (float)rotation[3], r11 = (float)rotation[4], r12 = (float)rotation[5];
        float r20 = (float)rotation[6], r21 = (float)rotation[7], r22 = (float)rotation[8];
        float tx = (float)translation[0], ty = (float)translation[1], tz = (float)translation[2];
        var (qw64, qx64, qy64, qz64) = Rotation.QuaternionFromMatrix(rotation);
        float hw = (float)qw64, hx = (float)qx64, hy = (float)qy64, hz = (float)qz64;

        ReadOnlySpan<float> mu = _baseMeans, q = c.Rotations, dF = _fRunner!.Output(0);
        ReadOnlySpan<float> dG = _gRunner is null ? default : _gRunner.Output(0);
        ReadOnlySpan<float> dRot = _gRunner is null ? default : _gRunner.Output(1);
        Span<float> outMu = posed.Means, outQ = posed.Rotations;
        var hasG = _gRunner is not null;
        // The live and offline paths fold the head pose into the camera and pass R = I, t = 0: then the head frame is the
        // world and the pose's product is skipped (the same values: 1·x + 0·y + 0·z + 0 = x, and q(I) ⊗ q = q).
        var turn = !(r00 == 1 && r11 == 1 && r22 == 1 && r01 == 0 && r02 == 0 && r10 == 0 && r12 == 0 && r20 == 0 && r21 == 0
                     && tx == 0 && ty == 0 && tz == 0);
        for (var i = 0; i < _n; i++)
        {
            var j = 3 * i;
            float x = mu[j] + dF[j], y = mu[j + 1] + dF[j + 1], z = mu[j + 2] + dF[j + 2];
            if (hasG)
            {
                x += dG[j];
                y += dG[j + 1];
                z += dG[j + 2];
            }
            var k = 4 * i;
            float pw = q[k], px = q[k + 1], py = q[k + 2], pz = q[k + 3];
            if (hasG) Rotation.Multiply(dRot[k], dRot[k + 1], dRot[k + 2], dRot[k + 3], pw, px, py, pz, out pw, out px, out py, out pz);
            if (!turn)
            {
                (outMu[j], outMu[j + 1], outMu[j + 2]) = (x, y, z);
                (outQ[k], outQ[k + 1], outQ[k + 2], outQ[k + 3]) = (pw, px, py, pz);
                continue;
            }
            outMu[j] = r00 * x + r01 * y + r02 * z + tx;
            outMu[j + 1] = r10 * x + r11 * y + r12 * z + ty;
            outMu[j + 2] = r20 * x + r21 * y + r22 * z + tz;
            Rotation.Multiply(hw, hx, hy, hz, pw, px, py, pz, out outQ[k], out outQ[k + 1], out outQ[k + 2], out outQ[k + 3]);
        }

        if (hasG)
        {
            Add(c.LogScales, _gRunner!.Output(2), posed.LogScales);
            Add(c.OpacityLogits, _gRunner.Output(3), posed.OpacityLogits);
            Add(c.Sh, _gRunner.Output(4), posed.Sh);
            if (c.LatentDim > 0) Add(c.Latents, _gRunner.Output(5), posed.Latents);
        }
        else
        {
            c.LogScales.CopyTo(posed.LogScales, 0);
            c.OpacityLogits.CopyTo(posed.OpacityLogits, 0);
            c.Sh.CopyTo(posed.Sh, 0);
            c.Latents.CopyTo(posed.Latents, 0);
        }
    }

    /// <summary>
    /// The eyeballs' turn for the gaze code (when <paramref name="zExp"/> carries one) and the lids' closure (when the avatar
    /// has lids) on a cloud <see cref="Compose"/> has written. Each eyeball Gaussian's offset (canonical frame: its turn, less
    /// w_i·d_μF with lids, F's displacement withheld) is carried into the world by R and added to its centre, its rotation
    /// becomes q(R) ⊗ q_eye ⊗ q_p (q_p recomposed from the canonical rotation and G's d_rot as <see cref="Compose"/> did) and,
    /// with lids, its opacity logit takes the fade; each cap Gaussian likewise with the cap's turn, less d_μF.
    /// </summary>
    private void ApplyRigs(ReadOnlySpan<float> zExp, ReadOnlySpan<double> rotation, GaussianCloud posed)
    {
        var eyes = _eyes!;
        var turned = zExp.Length == _k + _gazeDim;
        if (turned) eyes.Turn(zExp[_k..]);
        if (!turned && _lids is null) return;
        _lids?.Close(zExp[.._k], turned ? eyes.Offsets : default);
        var (qw64, qx64, qy64, qz64) = Rotation.QuaternionFromMatrix(rotation);
        var head = ((float)qw64, (float)qx64, (float)qy64, (float)qz64);
        ReadOnlySpan<float> dF = _fRunner!.Output(0), off = eyes.Offsets, turn = eyes.Rotations, w = eyes.Weights;
        var members = eyes.Members;
        for (var j = 0; j < members.Length; j++)
        {
            var i = members[j];
            float ox = 0f, oy = 0f, oz = 0f;
            if (turned) (ox, oy, oz) = (off[3 * j], off[3 * j + 1], off[3 * j + 2]);
            if (_lids is not null)
            {
                ox -= w[j] * dF[3 * i];
                oy -= w[j] * dF[3 * i + 1];
                oz -= w[j] * dF[3 * i + 2];
                posed.OpacityLogits[i] += _lids.BallFade[j];
            }
            Move(i, ox, oy, oz, rotation, posed);
            if (turned) Turn(i, turn.Slice(4 * j, 4), head, posed);
        }
        if (_lids is null) return;
        var cap = _lids.Cap;
        ReadOnlySpan<float> capOff = _lids.CapOffsets, capTurn = _lids.CapRotations;
        for (var j = 0; j < cap.Length; j++)
        {
            var i = cap[j];
            Move(i, capOff[3 * j] - dF[3 * i], capOff[3 * j + 1] - dF[3 * i + 1], capOff[3 * j + 2] - dF[3 * i + 2], rotation, posed);
            Turn(i, capTurn.Slice(4 * j, 4), head, posed);
        }
    }

    /// <summary>Adds R·o (o canonical, metres) to Gaussian i's posed centre.</summary>
    private static void Move(int i, float ox, float oy, float oz, ReadOnlySpan<double> rotation, GaussianCloud posed)
    {
        var outMu = posed.Means;
        for (var r = 0; r < 3; r++)
            outMu[3 * i + r] += (float)rotation[3 * r] * ox + (float)rotation[3 * r + 1] * oy + (float)rotation[3 * r + 2] * oz;
    }

    /// <summary>Gaussian i's posed rotation ← q(R) ⊗ t ⊗ d_rot ⊗ q_c (t a rig's rotation, w,x,y,z).</summary>
    private void Turn(int i, ReadOnlySpan<float> t, (float W, float X, float Y, float Z) head, GaussianCloud posed)
    {
        var k = 4 * i;
        ReadOnlySpan<float> q = _canonical.Rotations;
        Span<float> outQ = posed.Rotations;
        float pw = q[k], px = q[k + 1], py = q[k + 2], pz = q[k + 3];
        if (_gRunner is not null)
        {
            var dRot = _gRunner.Output(1);
            Rotation.Multiply(dRot[k], dRot[k + 1], dRot[k + 2], dRot[k + 3], pw, px, py, pz, out pw, out px, out py, out pz);
        }
        Rotation.Multiply(t[0], t[1], t[2], t[3], pw, px, py, pz, out pw, out px, out py, out pz);
        Rotation.Multiply(head.W, head.X, head.Y, head.Z, pw, px, py, pz, out outQ[k], out outQ[k + 1], out outQ[k + 2], out outQ[k + 3]);
    }

    /// <summary>dst = a + b elementwise (equal lengths).</summary>
    private static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> dst)
    {
        var i = 0;
        var w = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated)
            for (; i <= a.Length - w; i += w)
                (new Vector<float>(a[i..]) + new Vector<float>(b[i..])).CopyTo(dst[i..]);
        for (; i < a.Length; i++) dst[i] = a[i] + b[i];
    }

    /// <summary>
    /// Opens a network for the per-frame loop: the post part (after running the pre part once and writing h0 into the post
    /// runner's input) when a split is present and wanted, else the whole network with mu and feat written once. Runs it once.
    /// </summary>
    private (OrtSession, OrtRunner, bool Split) Open(string whole, string? pre, string? post, bool useSplit, OrtSessionOptions so,
        int codeDim, IReadOnlyList<(string, long[])> outputs)
    {
        var c = _canonical;
        OrtSession? session = null;
        OrtRunner? runner = null;
        var split = useSplit && pre is not null && post is not null;
        var path = split ? pre! : whole;
        try
        {
            if (split)
            {
                float[] h0;
                long hidden;
                using (var preSession = new OrtSession(pre!, so))
                {
                    var result = preSession.Run(
                        [OrtTensor.FromFloat("mu", [_n, 3], c.Means), OrtTensor.FromFloat("feat", [_n, c.FeatureDim], c.Features)], ["h0"]);
                    var t = result["h0"];
                    if (t.Shape.Length != 2 || t.Shape[0] != _n)
                        throw new AvatarFormatException(pre!, $"h0 came out [{string.Join(",", t.Shape)}]; the contract wants [N={_n},H]");
                    h0 = t.Float!;
                    hidden = t.Shape[1];
                }
                path = post!;
                session = new OrtSession(post!, so);
                runner = session.CreateRunner([("h0", [_n, hidden]), ("z_exp", [1, codeDim])], outputs);
                h0.CopyTo(runner.Input("h0"));
            }
            else
            {
                session = new OrtSession(whole, so);
                runner = session.CreateRunner([("mu", [_n, 3]), ("feat", [_n, c.FeatureDim]), ("z_exp", [1, codeDim])], outputs);
                c.Means.CopyTo(runner.Input("mu"));
                c.Features.CopyTo(runner.Input("feat"));
            }
            runner.Input("z_exp").Clear();
            runner.Run(); // warm-up, and proof that the outputs have the bound shapes
            return (session, runner, split);
        }
        catch (Exception e) when (e is OrtException or ArgumentException)
        {
            runner?.Dispose();
            session?.Dispose();
            var ort = e is OrtException oe ? oe.OrtMessage : e.Message;
            throw new AvatarFormatException(path, $"cannot run for {_n} Gaussians: {ort}", e);
        }
        catch
        {
            runner?.Dispose();
            session?.Dispose();
            throw;
        }
    }
}
