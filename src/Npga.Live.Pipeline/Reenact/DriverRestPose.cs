using Npga.Live.Tracking.Expression;

namespace Npga.Live.Pipeline.Reenact;

/// <summary>
/// Relative head motion (cross-reenactment): the avatar turns its head as the driver turns theirs away from their own rest
/// pose, not to the driver's absolute pose. A webcam sees most people from a little above or to one side, so their
/// absolute rotation is rarely the identity; copied as is it would keep the avatar turned away from the view it was built
/// from. The rest rotation R₀ is the mean of the first <see cref="RestFrames"/> tracked rotations of the stream (the
/// chordal L2 mean: the normalised sum of sign-aligned quaternions), the same "the stream starts at rest" assumption the
/// tracker makes for the driver's neutral; it is then held for the rest of the stream. The drive's rotation is
/// R_rel = R·R₀ᵀ, a rotation in the driver camera's view frame (OpenGL axes), identity at rest; before R₀ is complete the
/// running mean so far serves. Not thread-safe: one instance per stream, fed frames in order.
/// </summary>
public sealed class DriverRestPose
{
    private double _aw, _ax, _ay, _az; // sum of the rest frames' quaternions
    private double[] _r0 = [1, 0, 0, 0, 1, 0, 0, 0, 1];
    private int _count;

    /// <summary>Creates the estimate.</summary>
    /// <param name="restFrames">Tracked frames averaged into the rest rotation (default 15: half a second at 30 fps).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="restFrames"/> is below 1.</exception>
    public DriverRestPose(int restFrames = 15)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(restFrames, 1);
        RestFrames = restFrames;
    }

    /// <summary>Tracked frames averaged into the rest rotation.</summary>
    public int RestFrames { get; }

    /// <summary>The rest rotation R₀ (row-major 3×3, head → driver camera, OpenGL axes); the identity before any face.</summary>
    public double[] RestRotation => (double[])_r0.Clone();

    /// <summary>
    /// The tracked pose with its rotation made relative to the rest rotation: R_rel = R·R₀ᵀ (view frame). Code, translation
    /// and the rest are passed on unchanged. The first <see cref="RestFrames"/> calls also update R₀.
    /// </summary>
    /// <param name="tracked">The tracker's pose and code for a frame with a face.</param>
    /// <returns>A new pose record (the input is not changed).</returns>
    /// <exception cref="ArgumentException">The rotation does not hold 9 values.</exception>
    public PoseExpression Relative(PoseExpression tracked)
    {
        ArgumentNullException.ThrowIfNull(tracked);
        if (tracked.Rotation.Length != 9) throw new ArgumentException("the tracked rotation must hold 9 values", nameof(tracked));
        AddRest(tracked.Rotation);
        return tracked with { Rotation = RelativeTo(tracked.Rotation, _r0) };
    }

    /// <summary>Whether <see cref="RestFrames"/> rotations have gone into the rest rotation.</summary>
    public bool IsComplete => _count >= RestFrames;

    /// <summary>Adds a tracked rotation (row-major 3×3) to the rest rotation R₀ while fewer than <see cref="RestFrames"/> have; otherwise does nothing.</summary>
    /// <exception cref="ArgumentException">The rotation does not hold 9 values.</exception>
    public void AddRest(ReadOnlySpan<double> rotation)
    {
        if (rotation.Length != 9) throw new ArgumentException("the tracked rotation must hold 9 values", nameof(rotation));
        if (_count >= RestFrames) return;
        var (w, x, y, z) = Npga.Live.Avatar.Rotation.QuaternionFromMatrix(rotation);
        // q and −q are the same rotation: add the one on the running sum's side.
        if (_aw * w + _ax * x + _ay * y + _az * z < 0) (w, x, y, z) = (-w, -x, -y, -z);
        (_aw, _ax, _ay, _az) = (_aw + w, _ax + x, _ay + y, _az + z);
        double n = Math.Sqrt(_aw * _aw + _ax * _ax + _ay * _ay + _az * _az);
        _r0 = Npga.Live.Avatar.Rotation.MatrixFromQuaternion(_aw / n, _ax / n, _ay / n, _az / n);
        _count++;
    }

    /// <summary>R_rel = R·R₀ᵀ for row-major 3×3 <paramref name="r"/> and <paramref name="r0"/>.</summary>
    public static double[] RelativeTo(ReadOnlySpan<double> r, ReadOnlySpan<double> r0)
    {
        var rel = new double[9];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                rel[3 * i + j] = r[3 * i] * r0[3 * j] + r[3 * i + 1] * r0[3 * j + 1] + r[3 * i + 2] * r0[3 * j + 2]; // (R·R₀ᵀ)_ij
        return rel;
    }

    /// <summary>Forgets the stream: the next tracked frames set a new rest rotation.</summary>
    public void Reset()
    {
        (_aw, _ax, _ay, _az) = (0, 0, 0, 0);
        _r0 = [1, 0, 0, 0, 1, 0, 0, 0, 1];
        _count = 0;
    }
}
