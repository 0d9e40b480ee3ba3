using Npga.Live.Tracking.Geometry;
using Npga.Live.Tracking.Landmarks;

namespace Npga.Live.Tracking.Expression;

/// <summary>The head pose and expression code fitted to one frame's landmarks.</summary>
/// <param name="Rotation">Head rotation R, row-major 3×3, canonical head frame to camera frame.</param>
/// <param name="Translation">Head origin t in the camera frame, metres.</param>
/// <param name="Scale">Image pixels per metre at the head (similarity scale).</param>
/// <param name="ZExp">Expression code z_exp, K floats.</param>
/// <param name="ResidualMm">RMS distance between the fitted model and the landmarks, millimetres (canonical frame).</param>
public sealed record PoseExpression(double[] Rotation, double[] Translation, double Scale, float[] ZExp, double ResidualMm);

/// <summary>
/// Fits head pose and expression code to 468 landmarks (docs/architecture.md, tracker contract).
/// The landmarks (image pixels x→right, y→down, z into the screen) are first flipped to a right-handed
/// frame (x, −y, −z), in which a frontal, upright head has R ≈ I. Then, alternating <see cref="Iterations"/> times:
/// (1) the similarity y ≈ s·R·X(z) + t on the stable landmarks (Horn/Umeyama);
/// (2) z_exp = argmin ‖W^½((s⁻¹Rᵀ(y − t)) − N − B·z)‖² + λ‖z‖² over all landmarks (weighted ridge least squares,
/// the inner lips weighing <see cref="InnerLipWeight"/>, the eye contours <see cref="EyelidWeight"/>, the brows
/// <see cref="BrowWeight"/>, the rest 1; solved with a precomputed K×1404 matrix (BᵀWB + λI)⁻¹BᵀW).
/// N is the neutral shape: the model's canonical C, or, with <see cref="AdaptNeutral"/>, this person's
/// own neutral estimated over the stream as a running per-landmark median of the pose-normalised
/// landmarks (a sign-step stochastic approximation: N ← N + η·sign(x − N)), which is how the model's
/// neutrals were defined when it was learned. Without it the driver's identity would leak into z_exp.
/// Only the first <see cref="RestFrames"/> frames move all of N fast; for the rest of the warm-up only the part of the
/// step outside the expression space does, so an expression held early (a smile from the first second) stays in z_exp.
/// After the warm-up the step decays as 1/t (Robbins–Monro; <see cref="SteadyDecayFrames"/>), so N settles on the
/// stream's median face instead of following it: an expression held for ten seconds stays in z_exp.
/// The camera is a pinhole with intrinsics fx = fy = f, cx, cy (pixels); under weak perspective the
/// head origin lies at depth f/s, so t = ((tx − cx)/s, (ty + cy)/s, −f/s) in the camera frame
/// (OpenGL convention: x right, y up, the camera looks along −z).
/// </summary>
public sealed class PoseExpressionFitter
{
    private readonly ExpressionModel _model;
    private readonly float[] _solve; // K x 1404
    private readonly float[] _flipped = new float[FaceLandmarks.Count * 3];
    private readonly float[] _shape = new float[FaceLandmarks.Count * 3];
    private readonly float[] _canon = new float[FaceLandmarks.Count * 3];
    private readonly float[] _neutral;
    private readonly float[] _step = new float[FaceLandmarks.Count * 3];
    private readonly float[] _stepCode;
    private readonly SimilarityTransform _sim = new();
    private long _adaptedFrames;
    private int _steadyDecayFrames = 60;

    /// <summary>Default <see cref="InnerLipWeight"/>.</summary>
    public const float DefaultInnerLipWeight = 100;

    /// <summary>Default <see cref="EyelidWeight"/>.</summary>
    public const float DefaultEyelidWeight = 20;

    /// <summary>Default <see cref="BrowWeight"/>.</summary>
    public const float DefaultBrowWeight = 10;

    /// <summary>Prepares a fitter for <paramref name="model"/>.</summary>
    /// <param name="model">The expression model.</param>
    /// <param name="innerLipWeight">Weight of each inner-lip landmark (<see cref="FaceLandmarks.InnerLips"/>) in the code
    /// fit (see <see cref="InnerLipWeight"/>).</param>
    /// <param name="eyelidWeight">Weight of each eye-contour landmark (<see cref="FaceLandmarks.RightEye"/>,
    /// <see cref="FaceLandmarks.LeftEye"/>; see <see cref="EyelidWeight"/>).</param>
    /// <param name="browWeight">Weight of each brow landmark (<see cref="FaceLandmarks.RightBrowContour"/>,
    /// <see cref="FaceLandmarks.LeftBrowContour"/>; see <see cref="BrowWeight"/>). Every other landmark weighs 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A weight is not a positive finite number.</exception>
    public PoseExpressionFitter(ExpressionModel model, float innerLipWeight = DefaultInnerLipWeight,
        float eyelidWeight = DefaultEyelidWeight, float browWeight = DefaultBrowWeight)
    {
        foreach (var (w, name) in new[] { (innerLipWeight, nameof(innerLipWeight)), (eyelidWeight, nameof(eyelidWeight)), (browWeight, nameof(browWeight)) })
            if (!float.IsFinite(w) || w <= 0) throw new ArgumentOutOfRangeException(name, w, "must be a positive finite number");
        _model = model;
        InnerLipWeight = innerLipWeight;
        EyelidWeight = eyelidWeight;
        BrowWeight = browWeight;
        _solve = BuildSolver(model, LandmarkWeights(innerLipWeight, eyelidWeight, browWeight));
        _neutral = (float[])model.Canonical.Clone();
        _stepCode = new float[model.K];
    }

    /// <summary>
    /// Weight of each of the 20 inner-lip landmarks in the code fit (weighted ridge least squares).
    /// The lip gap is carried by a handful of the 468 points, so with equal weights a small opening (lips parted over
    /// closed teeth, a slightly open mouth) is drowned by the rest of the face and z_exp does not open the avatar's mouth.
    /// </summary>
    public float InnerLipWeight { get; }

    /// <summary>
    /// Weight of each of the 32 eye-contour landmarks in the code fit. A blink moves the seven upper-lid points of each
    /// contour by a few millimetres, so with equal weights the fit explains the rest of the face first and the code
    /// closes the model's eyes only partly: on the shared clip d6 the model's eyelid gap (posed as tracked) then
    /// correlates 0.87 with the tracked one, and 0.96 with a weight of 20 (PoseExpressionFitTests checks it; with the
    /// constant neutral step of before, 0.65 and 0.80, and d3 0.70 → 0.85, d14 0.59 → 0.82, d9 0.80 → 0.93). Heavier
    /// weights followed the eyes a little better still (40: d6 0.83, constant step) but lowered the default avatar's
    /// re-tracked mouth correlation on d0 (0.92 → 0.78; smoothed re-tracker, dark red mouth).
    /// </summary>
    public float EyelidWeight { get; }

    /// <summary>
    /// Weight of each of the 20 brow landmarks in the code fit, raised for the same reason as <see cref="EyelidWeight"/>:
    /// brow-raise correlation of the model with the tracked landmarks on d3 0.53 → 0.71 and on d0 0.20 → 0.44 (eyes at
    /// 20 and brows at 10, against every landmark at 1).
    /// </summary>
    public float BrowWeight { get; }

    /// <summary>Pose/code alternations per frame.</summary>
    public int Iterations { get; init; } = 4;

    /// <summary>Whether <see cref="Fit"/> updates the per-person neutral estimate (per stream; see the class notes).</summary>
    public bool AdaptNeutral { get; init; }

    /// <summary>Median step η while warming up (first <see cref="WarmupFrames"/> frames), metres per frame.</summary>
    public float WarmupStep { get; init; } = 0.0005f;

    /// <summary>Median step η right after warm-up, metres per frame (see <see cref="SteadyDecayFrames"/>).</summary>
    public float SteadyStep { get; init; } = 0.00002f;

    /// <summary>
    /// Frames T after warm-up in which the steady step halves: η_t = <see cref="SteadyStep"/>·T / (T + t − W), with W
    /// = <see cref="WarmupFrames"/> (the 1/t step of a stochastic-approximation median); 0 keeps η = SteadyStep for
    /// good. A constant step is a high-pass filter on the expression: at 2·10⁻⁵ m a frame it moves N 0.6 mm a second
    /// towards whatever the face holds, and on the shared clips the expression model's own shape (posed as tracked)
    /// then follows the driver's eyelid gap at r = 0.80 (d6) and inner-lip distance at 0.69 (d14); with T = 60
    /// (2 s at 30 fps) 0.96 and 0.89 (PoseExpressionFitTests checks d6). The sum of the steps still grows (as ln t),
    /// so a face that was not at rest in the first half second is corrected, slowly.
    /// </summary>
    public int SteadyDecayFrames
    {
        get => _steadyDecayFrames;
        init => _steadyDecayFrames = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(SteadyDecayFrames), value, "must be ≥ 0");
    }

    /// <summary>
    /// Frames at the start of a stream in which the whole neutral adapts at <see cref="WarmupStep"/>, the part inside the
    /// expression space included (the face is taken to be mostly at rest in its first half second); from then on that
    /// part moves at <see cref="SteadyStep"/> only.
    /// </summary>
    public int RestFrames { get; init; } = 15;

    /// <summary>Frames of fast adaptation.</summary>
    public int WarmupFrames { get; init; } = 60;

    /// <summary>The current neutral shape N, [468·3] metres (canonical frame).</summary>
    public ReadOnlySpan<float> Neutral => _neutral;

    /// <summary>Forgets the person: N goes back to the model's canonical shape.</summary>
    public void ResetNeutral()
    {
        _model.Canonical.CopyTo(_neutral, 0);
        _adaptedFrames = 0;
    }

    /// <summary>
    /// The face was found again after a loss, and may be someone else's: N is kept, but its estimate starts over from
    /// the end of the rest frames (the identity adapts at <see cref="WarmupStep"/> through the warm-up, and the steady
    /// step decays again from <see cref="SteadyStep"/>). Without it, a demo booth's session minutes old would take a
    /// new sitter's identity in at the decayed step. No effect during the rest frames.
    /// </summary>
    public void RestartAdaptation()
    {
        if (_adaptedFrames > RestFrames) _adaptedFrames = RestFrames;
    }

    /// <summary>The model fitted against.</summary>
    public ExpressionModel Model => _model;

    /// <summary>
    /// Fits one frame.
    /// </summary>
    /// <param name="landmarksPx">468·3 floats: x, y, z in image pixels.</param>
    /// <param name="fx">Focal length, pixels.</param>
    /// <param name="cx">Principal point x, pixels.</param>
    /// <param name="cy">Principal point y, pixels.</param>
    /// <param name="initialZ">Code to start from (e.g. the previous frame's), or empty for neutral.</param>
    public PoseExpression Fit(ReadOnlySpan<float> landmarksPx, double fx, double cx, double cy, ReadOnlySpan<float> initialZ = default)
    {
        int n = FaceLandmarks.Count * 3;
        if (landmarksPx.Length < n) throw new ArgumentException("need 468 landmarks (x, y, z)", nameof(landmarksPx));
        for (int i = 0; i < FaceLandmarks.Count; i++)
        {
            _flipped[3 * i] = landmarksPx[3 * i];
            _flipped[3 * i + 1] = -landmarksPx[3 * i + 1];
            _flipped[3 * i + 2] = -landmarksPx[3 * i + 2];
        }
        var z = new float[_model.K];
        if (initialZ.Length == _model.K) initialZ.CopyTo(z);
        for (int iter = 0; iter < Iterations; iter++)
        {
            ShapeOnNeutral(z, _shape);
            _sim.Fit(_shape, _flipped, _model.StableIndices);
            _sim.ApplyInverse(_flipped, _canon);
            SolveCode(z);
        }
        ShapeOnNeutral(z, _shape);
        double sse = 0;
        for (int i = 0; i < n; i++) { double d = _canon[i] - _shape[i]; sse += d * d; }
        double s = _sim.S;
        var t = new[] { (_sim.T[0] - cx) / s, (_sim.T[1] + cy) / s, -fx / s };
        var result = new PoseExpression((double[])_sim.R.Clone(), t, s, z, 1000 * Math.Sqrt(sse / FaceLandmarks.Count));
        if (AdaptNeutral) AdaptNeutralStep();
        return result;
    }

    /// <summary>
    /// One step of the neutral estimate from this frame's pose-normalised landmarks: the sign step u = sign(x − N) is
    /// split into its part inside the expression space, B·(S·u) (S the ridge solver, so ≈ the projection onto span B), and
    /// the rest. The rest (identity: shape the expressions cannot explain) moves at <see cref="WarmupStep"/> during warm-up;
    /// the part inside the expression space moves at <see cref="SteadyStep"/> only, so an expression held from the
    /// first frames (a smile, an open mouth) is not taken for the person's neutral within a second. After the warm-up the
    /// whole step moves at the decaying η_t of <see cref="SteadyDecayFrames"/>.
    /// </summary>
    private void AdaptNeutralStep()
    {
        int n = FaceLandmarks.Count * 3;
        var u = _step;
        for (int i = 0; i < n; i++) u[i] = MathF.Sign(_canon[i] - _neutral[i]);
        long frame = _adaptedFrames++;
        bool warm = frame < WarmupFrames;
        if (frame < RestFrames)
        {
            for (int i = 0; i < n; i++) _neutral[i] += WarmupStep * u[i];
            return;
        }
        if (!warm || WarmupStep <= SteadyStep)
        {
            float eta = warm || _steadyDecayFrames == 0
                ? SteadyStep
                : (float)(SteadyStep * _steadyDecayFrames / (double)(_steadyDecayFrames + frame - WarmupFrames));
            for (int i = 0; i < n; i++) _neutral[i] += eta * u[i];
            return;
        }
        // c = S·u: the expression-space coordinates of the step.
        int k = _model.K;
        for (int a = 0; a < k; a++)
        {
            var row = _solve.AsSpan(a * n, n);
            double acc = 0;
            for (int i = 0; i < n; i++) acc += row[i] * u[i];
            _stepCode[a] = (float)acc;
        }
        // Δ = η_steady·u + (η_warm − η_steady)·(u − B·c).
        float extra = WarmupStep - SteadyStep;
        for (int i = 0; i < n; i++) _neutral[i] += WarmupStep * u[i];
        for (int a = 0; a < k; a++)
        {
            float ca = extra * _stepCode[a];
            if (ca == 0) continue;
            var b = _model.Basis.AsSpan(a * n, n);
            for (int i = 0; i < n; i++) _neutral[i] -= ca * b[i];
        }
    }

    private void ShapeOnNeutral(ReadOnlySpan<float> z, Span<float> dst)
    {
        _model.Shape(z, dst);
        var c = _model.Canonical;
        for (int i = 0; i < dst.Length; i++) dst[i] += _neutral[i] - c[i];
    }

    private void SolveCode(float[] z)
    {
        int n = FaceLandmarks.Count * 3;
        var c = _neutral;
        for (int k = 0; k < z.Length; k++)
        {
            var row = _solve.AsSpan(k * n, n);
            double acc = 0;
            for (int i = 0; i < n; i++) acc += row[i] * (_canon[i] - c[i]);
            z[k] = (float)acc;
        }
    }

    /// <summary>The per-landmark weights W of the code fit, 468 floats.</summary>
    private static float[] LandmarkWeights(float lips, float eyelids, float brows)
    {
        var w = new float[FaceLandmarks.Count];
        Array.Fill(w, 1f);
        foreach (var i in FaceLandmarks.InnerLips) w[i] = lips;
        foreach (var i in FaceLandmarks.RightEye.Concat(FaceLandmarks.LeftEye)) w[i] = eyelids;
        foreach (var i in FaceLandmarks.RightBrowContour.Concat(FaceLandmarks.LeftBrowContour)) w[i] = brows;
        return w;
    }

    /// <summary>(BᵀWB + λI)⁻¹BᵀW as a K×1404 row-major matrix (Cholesky solve of the K×K normal matrix), W the per-landmark weights.</summary>
    private static float[] BuildSolver(ExpressionModel m, float[] weights)
    {
        int n = FaceLandmarks.Count * 3, k = m.K;
        var g = new double[k * k];
        for (int a = 0; a < k; a++)
            for (int b = a; b < k; b++)
            {
                double acc = 0;
                for (int i = 0; i < n; i++) acc += (double)weights[i / 3] * m.Basis[a * n + i] * m.Basis[b * n + i];
                g[a * k + b] = g[b * k + a] = acc;
            }
        for (int a = 0; a < k; a++) g[a * k + a] += m.Regularization;
        // Cholesky G = L Lᵀ.
        var l = new double[k * k];
        for (int i = 0; i < k; i++)
            for (int j = 0; j <= i; j++)
            {
                double sum = g[i * k + j];
                for (int p = 0; p < j; p++) sum -= l[i * k + p] * l[j * k + p];
                if (i == j)
                {
                    if (sum <= 0) throw new InvalidDataException($"expression model {m.Id}: normal matrix is not positive definite");
                    l[i * k + i] = Math.Sqrt(sum);
                }
                else l[i * k + j] = sum / l[j * k + j];
            }
        var solver = new float[k * n];
        var col = new double[k];
        for (int i = 0; i < n; i++)
        {
            for (int a = 0; a < k; a++) col[a] = weights[i / 3] * m.Basis[a * n + i];
            for (int a = 0; a < k; a++) { double s = col[a]; for (int p = 0; p < a; p++) s -= l[a * k + p] * col[p]; col[a] = s / l[a * k + a]; }
            for (int a = k - 1; a >= 0; a--) { double s = col[a]; for (int p = a + 1; p < k; p++) s -= l[p * k + a] * col[p]; col[a] = s / l[a * k + a]; }
            for (int a = 0; a < k; a++) solver[a * n + i] = (float)col[a];
        }
        return solver;
    }
}
