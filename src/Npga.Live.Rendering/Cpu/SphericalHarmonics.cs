using System.Runtime.CompilerServices;

namespace Npga.Live.Rendering.Cpu;

/// <summary>
/// View-dependent colour from real spherical harmonics up to degree 3, with the constants, sign
/// conventions and coefficient order of the 3DGS reference (<c>computeColorFromSH</c>): coefficient k
/// of channel c is <c>sh[k·3 + c]</c>, the result is offset by +0.5 and clamped below at 0.
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
    /// <param name="sh">The Gaussian's first coefficient; (d+1)²·3 follow.</param>
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
        r = C0 * Unsafe.Add(ref sh0, 0); g = C0 * Unsafe.Add(ref sh0, 1); b = C0 * Unsafe.Add(ref sh0, 2);
        if (degree > 0)
        {
            float k1 = -C1 * y, k2 = C1 * z, k3 = -C1 * x;
            r += k1 * Unsafe.Add(ref sh0, 3) + k2 * Unsafe.Add(ref sh0, 6) + k3 * Unsafe.Add(ref sh0, 9);
            g += k1 * Unsafe.Add(ref sh0, 4) + k2 * Unsafe.Add(ref sh0, 7) + k3 * Unsafe.Add(ref sh0, 10);
            b += k1 * Unsafe.Add(ref sh0, 5) + k2 * Unsafe.Add(ref sh0, 8) + k3 * Unsafe.Add(ref sh0, 11);
            if (degree > 1)
            {
                float xx = x * x, yy = y * y, zz = z * z, xy = x * y, yz = y * z, xz = x * z;
                float k4 = C20 * xy, k5 = C21 * yz, k6 = C22 * (2f * zz - xx - yy), k7 = C23 * xz, k8 = C24 * (xx - yy);
                r += k4 * Unsafe.Add(ref sh0, 12) + k5 * Unsafe.Add(ref sh0, 15) + k6 * Unsafe.Add(ref sh0, 18) + k7 * Unsafe.Add(ref sh0, 21) + k8 * Unsafe.Add(ref sh0, 24);
                g += k4 * Unsafe.Add(ref sh0, 13) + k5 * Unsafe.Add(ref sh0, 16) + k6 * Unsafe.Add(ref sh0, 19) + k7 * Unsafe.Add(ref sh0, 22) + k8 * Unsafe.Add(ref sh0, 25);
                b += k4 * Unsafe.Add(ref sh0, 14) + k5 * Unsafe.Add(ref sh0, 17) + k6 * Unsafe.Add(ref sh0, 20) + k7 * Unsafe.Add(ref sh0, 23) + k8 * Unsafe.Add(ref sh0, 26);
                if (degree > 2)
                {
                    float k9 = C30 * y * (3f * xx - yy);
                    float k10 = C31 * xy * z;
                    float k11 = C32 * y * (4f * zz - xx - yy);
                    float k12 = C33 * z * (2f * zz - 3f * xx - 3f * yy);
                    float k13 = C34 * x * (4f * zz - xx - yy);
                    float k14 = C35 * z * (xx - yy);
                    float k15 = C36 * x * (xx - 3f * yy);
                    r += k9 * Unsafe.Add(ref sh0, 27) + k10 * Unsafe.Add(ref sh0, 30) + k11 * Unsafe.Add(ref sh0, 33) + k12 * Unsafe.Add(ref sh0, 36) + k13 * Unsafe.Add(ref sh0, 39) + k14 * Unsafe.Add(ref sh0, 42) + k15 * Unsafe.Add(ref sh0, 45);
                    g += k9 * Unsafe.Add(ref sh0, 28) + k10 * Unsafe.Add(ref sh0, 31) + k11 * Unsafe.Add(ref sh0, 34) + k12 * Unsafe.Add(ref sh0, 37) + k13 * Unsafe.Add(ref sh0, 40) + k14 * Unsafe.Add(ref sh0, 43) + k15 * Unsafe.Add(ref sh0, 46);
                    b += k9 * Unsafe.Add(ref sh0, 29) + k10 * Unsafe.Add(ref sh0, 32) + k11 * Unsafe.Add(ref sh0, 35) + k12 * Unsafe.Add(ref sh0, 38) + k13 * Unsafe.Add(ref sh0, 41) + k14 * Unsafe.Add(ref sh0, 44) + k15 * Unsafe.Add(ref sh0, 47);
                }
            }
        }
        r = MathF.Max(r + 0.5f, 0f);
        g = MathF.Max(g + 0.5f, 0f);
        b = MathF.Max(b + 0.5f, 0f);
    }
}
