using Npga.Live.Core.Gaussians;
using Npga.Live.Rendering;
using Npga.Live.Rendering.Tests;

namespace Npga.Live.GpuCheck;

/// <summary>Order statistics, image comparison and the random inputs shared by the parts.</summary>
internal static class Measure
{
    /// <summary>PSNR in dB (peak 1) of <paramref name="actual"/> against <paramref name="expected"/> over channels [c0, c1); ∞ when equal.</summary>
    public static double Psnr(RenderTarget expected, RenderTarget actual, int c0, int c1)
    {
        int plane = expected.PlaneLength;
        double se = 0;
        for (int i = c0 * plane; i < c1 * plane; i++) { double d = actual.Planes[i] - expected.Planes[i]; se += d * d; }
        return se == 0 ? double.PositiveInfinity : 10 * Math.Log10((double)(c1 - c0) * plane / se);
    }

    /// <summary>Largest |actual − expected| over every channel (NaN compares as a difference of ∞).</summary>
    public static double MaxAbs(RenderTarget expected, RenderTarget actual)
    {
        double max = 0;
        for (int i = 0; i < expected.Planes.Length; i++)
        {
            double d = Math.Abs(actual.Planes[i] - expected.Planes[i]);
            if (double.IsNaN(d)) return double.PositiveInfinity;
            max = Math.Max(max, d);
        }
        return max;
    }

    /// <summary>Unit-normal expression codes (z_exp is distributed so), <paramref name="count"/> of <paramref name="k"/> values.</summary>
    public static float[][] Codes(int count, int k, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, k).Select(_ => (float)TestScenes.Gauss(rng)).ToArray()).ToArray();
    }

    /// <summary>Frame <paramref name="frame"/> of the slowly turning view <c>npga bench render</c> uses (yaw ±20°, pitch ±5°).</summary>
    public static Camera Turning(Camera camera, int frame) => camera.Orbited(20 * Math.Sin(frame * 0.2), 5 * Math.Cos(frame * 0.3));
}
