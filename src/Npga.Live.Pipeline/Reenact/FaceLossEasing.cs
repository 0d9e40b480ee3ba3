using Npga.Live.Tracking.Expression;

namespace Npga.Live.Pipeline.Reenact;

/// <summary>
/// Turns the tracker's per-frame output into what drives the avatar (docs/architecture.md: "no face: the avatar holds its last
/// state and eases to neutral; never invent a code"). While the face is tracked the avatar takes its code and head
/// rotation as they are. When the face is lost the avatar starts from the last tracked state and decays towards neutral
/// with time constant τ in stream time: z_exp(t) = z_last·e^(−t/τ), and the head rotation's angle likewise, about its own
/// axis (a slerp towards the identity: R(t) = exp(e^(−t/τ)·log R_last)). After about 5τ the avatar is neutral and holds
/// there. When the face returns the tracked state is taken at once. Before any face the avatar is neutral. The gaze, when the
/// tracker reads it, is taken relative to the driver's resting gaze (<see cref="GazeNeutral"/>) and eases to zero alike.
/// Stream time comes from the frames' timestamps, so the easing does not depend on how fast frames are processed, and
/// frames dropped by a hand-off do not slow it. Not thread-safe: one instance per stream, fed frames in order.
/// </summary>
public sealed class FaceLossEasing
{
    private static readonly double[] IdentityRotation = [1, 0, 0, 0, 1, 0, 0, 0, 1];
    private readonly int _k;
    private readonly float[] _z;
    private GazeNeutral? _gazeNeutral;
    private float[]? _gaze; // the last relative gaze, easing like _z; null until the tracker gives a gaze
    private double _qw = 1, _qx, _qy, _qz;
    private double _lastTime = double.NaN;
    private double _lostFor = double.PositiveInfinity;
    private bool _anyFace;

    /// <summary>Creates the easing for codes of <paramref name="expressionDim"/> floats.</summary>
    /// <param name="expressionDim">K, the length of z_exp.</param>
    /// <param name="timeConstantS">τ in seconds of stream time (e.g. 0.3).</param>
    /// <exception cref="ArgumentOutOfRangeException">K below 1, or τ not positive and finite.</exception>
    public FaceLossEasing(int expressionDim, double timeConstantS)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(expressionDim, 1);
        if (!(timeConstantS > 0) || !double.IsFinite(timeConstantS)) throw new ArgumentOutOfRangeException(nameof(timeConstantS), timeConstantS, "τ must be a positive number of seconds");
        _k = expressionDim;
        _z = new float[expressionDim];
        TimeConstantS = timeConstantS;
    }

    /// <summary>τ, seconds of stream time.</summary>
    public double TimeConstantS { get; }

    /// <summary>
    /// The drive for the next frame.
    /// </summary>
    /// <param name="tracked">The tracker's pose and code for this frame, or null when no face was found.</param>
    /// <param name="timeS">The frame's timestamp, seconds; frames come in order (a timestamp going back counts as no time passing).</param>
    /// <param name="gaze">The tracker's gaze for this frame (<c>TrackResult.Gaze</c>), or empty when it reads none; turned into
    /// the drive's gaze relative to the driver's resting gaze (<see cref="GazeNeutral"/>).</param>
    /// <returns>A new drive (its arrays are not shared with this instance or with <paramref name="tracked"/>).</returns>
    /// <exception cref="ArgumentException">The tracked code is not K floats or the rotation not 9 values.</exception>
    public AvatarDrive Next(PoseExpression? tracked, double timeS, ReadOnlySpan<float> gaze = default)
    {
        double dt = double.IsNaN(_lastTime) || !double.IsFinite(timeS) ? 0 : Math.Max(0, timeS - _lastTime);
        if (double.IsFinite(timeS)) _lastTime = timeS;
        if (tracked is not null)
        {
            if (tracked.ZExp.Length != _k) throw new ArgumentException($"the tracked code has {tracked.ZExp.Length} values, the avatar takes K = {_k}", nameof(tracked));
            if (tracked.Rotation.Length != 9) throw new ArgumentException("the tracked rotation must hold 9 values", nameof(tracked));
            tracked.ZExp.CopyTo(_z, 0);
            (_qw, _qx, _qy, _qz) = Npga.Live.Avatar.Rotation.QuaternionFromMatrix(tracked.Rotation);
            _anyFace = true;
            _lostFor = 0;
            if (!gaze.IsEmpty)
            {
                _gazeNeutral ??= new GazeNeutral(gaze.Length);
                _gaze ??= new float[gaze.Length];
                _gazeNeutral.Update(gaze, timeS, _gaze);
            }
            else _gaze = null;
            return new AvatarDrive((float[])_z.Clone(), (double[])tracked.Rotation.Clone(), AvatarDriveSource.Tracked, 0) { Gaze = (float[]?)_gaze?.Clone() };
        }
        if (!_anyFace) return new AvatarDrive(new float[_k], (double[])IdentityRotation.Clone(), AvatarDriveSource.Neutral, double.PositiveInfinity);

        _lostFor += dt;
        double a = Math.Exp(-dt / TimeConstantS);
        for (int i = 0; i < _k; i++) _z[i] = (float)(_z[i] * a);
        if (_gaze is not null)
            for (int i = 0; i < _gaze.Length; i++) _gaze[i] = (float)(_gaze[i] * a);
        ScaleAngle(a);
        return new AvatarDrive((float[])_z.Clone(), Npga.Live.Avatar.Rotation.MatrixFromQuaternion(_qw, _qx, _qy, _qz), AvatarDriveSource.Easing, _lostFor)
            { Gaze = (float[]?)_gaze?.Clone() };
    }

    /// <summary>Forgets the driver: the next frames are neutral until a face is tracked.</summary>
    public void Reset()
    {
        Array.Clear(_z);
        _gaze = null;
        _gazeNeutral?.Reset();
        (_qw, _qx, _qy, _qz) = (1, 0, 0, 0);
        _lastTime = double.NaN;
        _lostFor = double.PositiveInfinity;
        _anyFace = false;
    }

    /// <summary>Multiplies the rotation angle by <paramref name="a"/> (0..1) about the same axis: slerp(I, q, a).</summary>
    private void ScaleAngle(double a)
    {
        double s = Math.Sqrt(_qx * _qx + _qy * _qy + _qz * _qz);
        if (s < 1e-12) { (_qw, _qx, _qy, _qz) = (1, 0, 0, 0); return; }
        double half = Math.Atan2(s, _qw) * a; // w ≥ 0, so half ∈ [0, π/2]: the short way round
        double k = Math.Sin(half) / s;
        (_qw, _qx, _qy, _qz) = (Math.Cos(half), _qx * k, _qy * k, _qz * k);
    }
}
