using System.Runtime.CompilerServices;

namespace Npga.Live.Avatar;

/// <summary>Rotation matrices and quaternions (w, x, y, z; Hamilton convention) for posing Gaussians.</summary>
public static class Rotation
{
    /// <summary>Whether the row-major 3×3 <paramref name="r"/> is a proper rotation: |RᵀR − I| ≤ tol entrywise and |det R − 1| ≤ tol.</summary>
    public static bool IsRotation(ReadOnlySpan<double> r, double tolerance)
    {
        if (r.Length != 9) return false;
        for (var i = 0; i < 3; i++)
        for (var j = 0; j < 3; j++)
        {
            var dot = r[i] * r[j] + r[3 + i] * r[3 + j] + r[6 + i] * r[6 + j]; // (RᵀR)_ij: columns i, j
            if (!(Math.Abs(dot - (i == j ? 1 : 0)) <= tolerance)) return false;
        }
        var det = r[0] * (r[4] * r[8] - r[5] * r[7]) - r[1] * (r[3] * r[8] - r[5] * r[6]) + r[2] * (r[3] * r[7] - r[4] * r[6]);
        return Math.Abs(det - 1) <= tolerance;
    }

    /// <summary>
    /// The unit quaternion (w, x, y, z) of the rotation matrix <paramref name="r"/> (row-major 3×3), with w ≥ 0
    /// (Shepperd's method: the largest of 4w², 4x², 4y², 4z² picks the stable formula).
    /// </summary>
    public static (double W, double X, double Y, double Z) QuaternionFromMatrix(ReadOnlySpan<double> r)
    {
        double m00 = r[0], m01 = r[1], m02 = r[2], m10 = r[3], m11 = r[4], m12 = r[5], m20 = r[6], m21 = r[7], m22 = r[8];
        var trace = m00 + m11 + m22;
        double w, x, y, z;
        if (trace >= m00 && trace >= m11 && trace >= m22)
        {
            var s = 2 * Math.Sqrt(1 + trace);
            w = 0.25 * s; x = (m21 - m12) / s; y = (m02 - m20) / s; z = (m10 - m01) / s;
        }
        else if (m00 >= m11 && m00 >= m22)
        {
            var s = 2 * Math.Sqrt(1 + m00 - m11 - m22);
            w = (m21 - m12) / s; x = 0.25 * s; y = (m01 + m10) / s; z = (m02 + m20) / s;
        }
        else if (m11 >= m22)
        {
            var s = 2 * Math.Sqrt(1 + m11 - m00 - m22);
            w = (m02 - m20) / s; x = (m01 + m10) / s; y = 0.25 * s; z = (m12 + m21) / s;
        }
        else
        {
            var s = 2 * Math.Sqrt(1 + m22 - m00 - m11);
            w = (m10 - m01) / s; x = (m02 + m20) / s; y = (m12 + m21) / s; z = 0.25 * s;
        }
        var n = Math.Sqrt(w * w + x * x + y * y + z * z);
        if (w < 0) n = -n;
        return (w / n, x / n, y / n, z / n);
    }

    /// <summary>The row-major 3×3 rotation matrix of the unit quaternion (w, x, y, z); the inverse of <see cref="QuaternionFromMatrix"/>.</summary>
    public static double[] MatrixFromQuaternion(double w, double x, double y, double z) =>
    [
        1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
        2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
        2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
    ];

    /// <summary>Hamilton product a ⊗ b of quaternions (w, x, y, z): rotating by a ⊗ b rotates by b first, then by a.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Multiply(float aw, float ax, float ay, float az, float bw, float bx, float by, float bz,
        out float w, out float x, out float y, out float z)
    {
        w = aw * bw - ax * bx - ay * by - az * bz;
        x = aw * bx + ax * bw + ay * bz - az * by;
        y = aw * by - ax * bz + ay * bw + az * bx;
        z = aw * bz + ax * by - ay * bx + az * bw;
    }
}
