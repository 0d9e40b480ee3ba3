using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Npga.Live.Rendering.Cpu;

/// <summary>
/// View-dependent colour from real spherical harmonics up to degree 3, with the constants, sign
/// conventions and coefficient order of the 3DGS reference (<c>computeColorFromSH</c>): coefficient k
/// of channel c is <c>sh[k·3 + c]</c>, the result is offset by +0.5 and clamped below at 0.
/// <para>
/// The sum Σ_k Y_k(dir)·sh_k runs on (R, G, B, ·) vectors: coefficient k's three channels are adjacent,
/// so one 4-float load at sh[3k] holds them (the fourth lane, the next coefficient's red, is ignored);
/// the last coefficient is loaded by lanes so nothing past the Gaussian's data is read.
/// </para>
/// </summary>
internal static class SphericalHarmonics
{
    public const float C0 = 0.28209479177387814f;
    public const float C1 = 0.4886025119029199f;
    public const float C20 = 1.0925484305920792f;
    public const float C21 = -1.0925484305920792f;
    public const float C22 = 0.31539156525252005f;
    public const float C23 = -1.0925484305920792f;
    public const float C24 = 0.5462742152960396f;
    public const float C30 = -0.5900435899266435f;
    public const float C31 = 2.890611442640554f;
    public const float C32 = -0.4570457994644658f;
    public const float C33 = 0.3731763325901154f;
    public const float C34 = -0.4570457994644658f;
    public const float C35 = 1.445305721320277f;
    public const float C36 = -0.5900435899266435f;

    /// <summary>
    /// Evaluates the SH colour of one Gaussian for the unit view direction (x, y, z) (from the camera
    /// centre towards the Gaussian, world frame).
    /// </summary>
    /// <param name="sh0">The Gaussian's first coefficient; (d+1)²·3 follow.</param>
    /// <param name="degree">d, 0..3.</param>
    /// <param name="x">View direction, x.</param>
    /// <param name="y">View direction, y.</param>
    /// <param name="z">View direction, z.</param>
    /// <param name="r">Red, ≥ 0.</param>
    /// <param name="g">Green, ≥ 0.</param>
    /// <param name="b">Blue, ≥ 0.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Evaluate(ref float sh0, int degree, float x, float y, float z, out float r, out float g, out float b)
    {
        int last = (degree + 1) * (degree + 1) - 1;
        Vector128<float> sum = Coefficient(ref sh0, 0, last) * C0;
        if (degree > 0)
        {
            sum += Coefficient(ref sh0, 1, last) * (-C1 * y);
            sum += Coefficient(ref sh0, 2, last) * (C1 * z);
            sum += Coefficient(ref sh0, 3, last) * (-C1 * x);
            if (degree > 1)
            {
                float xx = x * x, yy = y * y, zz = z * z, xy = x * y, yz = y * z, xz = x * z;
                sum += Coefficient(ref sh0, 4, last) * (C20 * xy);
                sum += Coefficient(ref sh0, 5, last) * (C21 * yz);
                sum += Coefficient(ref sh0, 6, last) * (C22 * (2f * zz - xx - yy));
                sum += Coefficient(ref sh0, 7, last) * (C23 * xz);
                sum += Coefficient(ref sh0, 8, last) * (C24 * (xx - yy));
                if (degree > 2)
                {
                    sum += Coefficient(ref sh0, 9, last) * (C30 * y * (3f * xx - yy));
                    sum += Coefficient(ref sh0, 10, last) * (C31 * xy * z);
                    sum += Coefficient(ref sh0, 11, last) * (C32 * y * (4f * zz - xx - yy));
                    sum += Coefficient(ref sh0, 12, last) * (C33 * z * (2f * zz - 3f * xx - 3f * yy));
                    sum += Coefficient(ref sh0, 13, last) * (C34 * x * (4f * zz - xx - yy));
                    sum += Coefficient(ref sh0, 14, last) * (C35 * z * (xx - yy));
                    sum += Coefficient(ref sh0, 15, last) * (C36 * x * (xx - 3f * yy));
                }
            }
        }
        sum = Vector128.Max(sum + Vector128.Create(0.5f), Vector128<float>.Zero);
        r = sum.GetElement(0);
        g = sum.GetElement(1);
        b = sum.GetElement(2);
    }

    /// <summary>(R, G, B, ·) of coefficient <paramref name="k"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Coefficient(ref float sh0, int k, int last)
    {
        ref float c = ref Unsafe.Add(ref sh0, 3 * k);
        return k < last
            ? Vector128.LoadUnsafe(ref c)
            : Vector128.Create(c, Unsafe.Add(ref c, 1), Unsafe.Add(ref c, 2), 0f);
    }
}
