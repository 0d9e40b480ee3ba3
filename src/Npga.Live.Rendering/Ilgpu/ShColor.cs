using ILGPU;
using Sh = Npga.Live.Rendering.Cpu.SphericalHarmonics;

namespace Npga.Live.Rendering.Ilgpu;

/// <summary>
/// View-dependent colour from real spherical harmonics up to degree 3 on the device: the 3DGS reference's
/// <c>computeColorFromSH</c> (Kerbl et al. 2023) with the constants of <see cref="Sh"/> and its summation order (DC first,
/// then band by band), one channel at a time in scalar float. Coefficient k of channel c is <c>sh[base + 3k + c]</c>.
/// </summary>
internal static class ShColor
{
    /// <summary>
    /// Colour of one Gaussian for the unit view direction (x, y, z) (camera centre → Gaussian, world frame): Σ_k Y_k(dir)·sh_k
    /// + 0.5, clamped below at 0.
    /// </summary>
    /// <param name="sh">All SH coefficients, [N, (d+1)², 3].</param>
    /// <param name="first">Index of the Gaussian's first coefficient float.</param>
    /// <param name="degree">d, 0..3.</param>
    /// <param name="x">Direction, x.</param>
    /// <param name="y">Direction, y.</param>
    /// <param name="z">Direction, z.</param>
    /// <param name="channel">0 red, 1 green, 2 blue.</param>
    public static float Evaluate(ArrayView<float> sh, long first, int degree, float x, float y, float z, int channel)
    {
        long c = first + channel;
        float sum = sh[c] * Sh.C0;
        if (degree > 0)
        {
            sum += sh[c + 3] * (-Sh.C1 * y);
            sum += sh[c + 6] * (Sh.C1 * z);
            sum += sh[c + 9] * (-Sh.C1 * x);
            if (degree > 1)
            {
                float xx = x * x, yy = y * y, zz = z * z, xy = x * y, yz = y * z, xz = x * z;
                sum += sh[c + 12] * (Sh.C20 * xy);
                sum += sh[c + 15] * (Sh.C21 * yz);
                sum += sh[c + 18] * (Sh.C22 * (2f * zz - xx - yy));
                sum += sh[c + 21] * (Sh.C23 * xz);
                sum += sh[c + 24] * (Sh.C24 * (xx - yy));
                if (degree > 2)
                {
                    sum += sh[c + 27] * (Sh.C30 * y * (3f * xx - yy));
                    sum += sh[c + 30] * (Sh.C31 * xy * z);
                    sum += sh[c + 33] * (Sh.C32 * y * (4f * zz - xx - yy));
                    sum += sh[c + 36] * (Sh.C33 * z * (2f * zz - 3f * xx - 3f * yy));
                    sum += sh[c + 39] * (Sh.C34 * x * (4f * zz - xx - yy));
                    sum += sh[c + 42] * (Sh.C35 * z * (xx - yy));
                    sum += sh[c + 45] * (Sh.C36 * x * (xx - 3f * yy));
                }
            }
        }
        return Math.Max(sum + 0.5f, 0f);
    }
}
