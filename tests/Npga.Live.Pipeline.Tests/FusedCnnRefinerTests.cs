using Npga.Live.Core;
using Npga.Live.Refine;

namespace Npga.Live.Pipeline.Tests;

/// <summary>
/// The fused light CNN (<see cref="FusedCnnRefiner"/>) against ORT running the same cnn.onnx (<see cref="CnnRefiner"/>), on the
/// shipped default avatar's network (a 3x3 then 1x1 CNN) and random planes: the same refined RGB within float rounding,
/// at a size that leaves a remainder after the vector blocks; and <see cref="ScreenRefiner.Create"/> picks it.
/// </summary>
public class FusedCnnRefinerTests
{
    private static string DefaultCnn => Path.Combine(RepoPaths.Models, "avatars", "default", "cnn.onnx");

    [Theory]
    [InlineData(64, 48)]
    [InlineData(101, 37)] // not a multiple of any vector width: the scalar remainder runs too
    public void MatchesOrtOnTheSameNetwork(int width, int height)
    {
        Assert.True(OnnxConvGraph.TryReadLight(DefaultCnn, out var first, out var second, out var why), why);
        int latent = first!.Cin - 3;
        var rng = new Random(4);
        var planes = new float[(3 + latent) * width * height];
        for (int i = 0; i < planes.Length; i++) planes[i] = (float)(rng.NextDouble() * 1.2 - 0.1);
        using var ort = new CnnRefiner(DefaultCnn, width, height, latent);
        using var fused = new FusedCnnRefiner(first, second!, width, height, latent, 2);
        var a = ort.Refine(planes).ToArray();
        var b = fused.Refine(planes).ToArray();
        Assert.Equal(a.Length, b.Length);
        double worst = 0;
        for (int i = 0; i < a.Length; i++) worst = Math.Max(worst, Math.Abs(a[i] - b[i]));
        Assert.True(worst <= 1e-4, $"max |ORT - fused| = {worst}");
        double change = 0;
        for (int i = 0; i < a.Length; i++) change = Math.Max(change, Math.Abs(b[i] - planes[i]));
        Assert.True(change > 1e-3, "the CNN should change the image (it is a trained one)");
    }

    [Theory]
    [InlineData(5, 3, 37)]  // fewer hidden channels than one group of 8: zero-padded
    [InlineData(12, 3, 37)] // one full group and a padded one
    [InlineData(8, 5, 37)]  // a 5x5 first layer
    [InlineData(8, 3, 7)]   // narrower than a vector: pixel by pixel
    [InlineData(8, 5, 16)]  // one or two vectors wide: the edge blocks meet or overlap
    [InlineData(8, 3, 17)]
    [InlineData(8, 5, 33)]
    public void AnyHiddenCountKernelAndWidth_MatchesAPlainConvolution(int hidden, int kernel, int width)
    {
        const int latent = 4, cin = 3 + latent, height = 11;
        var rng = new Random(hidden * 10 + kernel);
        float R() => (float)(rng.NextDouble() * 2 - 1);
        var first = new ConvLayer(Enumerable.Range(0, hidden * cin * kernel * kernel).Select(_ => 0.3f * R()).ToArray(),
            Enumerable.Range(0, hidden).Select(_ => 0.1f * R()).ToArray(), hidden, cin, kernel);
        var second = new ConvLayer(Enumerable.Range(0, 3 * hidden).Select(_ => 0.3f * R()).ToArray(), [0.01f, -0.02f, 0.03f], 3, hidden, 1);
        var planes = Enumerable.Range(0, cin * width * height).Select(_ => (float)rng.NextDouble()).ToArray();
        using var fused = new FusedCnnRefiner(first, second, width, height, latent, 2);
        var got = fused.Refine(planes).ToArray();
        int n = width * height, r = kernel / 2;
        double worst = 0;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                var h = new double[hidden];
                for (int co = 0; co < hidden; co++)
                {
                    double a = first.Bias[co];
                    for (int ci = 0; ci < cin; ci++)
                        for (int ky = 0; ky < kernel; ky++)
                            for (int kx = 0; kx < kernel; kx++)
                            {
                                int yy = y + ky - r, xx = x + kx - r;
                                if (yy < 0 || yy >= height || xx < 0 || xx >= width) continue; // zero padding
                                a += first.Weight[((co * cin + ci) * kernel + ky) * kernel + kx] * planes[ci * n + yy * width + xx];
                            }
                    h[co] = Math.Max(a, 0);
                }
                for (int c = 0; c < 3; c++)
                {
                    double o = second.Bias[c] + planes[c * n + y * width + x];
                    for (int co = 0; co < hidden; co++) o += second.Weight[c * hidden + co] * h[co];
                    worst = Math.Max(worst, Math.Abs(o - got[c * n + y * width + x]));
                }
            }
        Assert.True(worst <= 1e-4, $"max |reference - fused| = {worst}");
    }

    [Fact]
    public void TheLightGraphIsRecognised_AndOthersAreNot()
    {
        using var refiner = ScreenRefiner.Create(DefaultCnn, 32, 32, OnnxConvGraph.TryReadLight(DefaultCnn, out var f, out _, out _) ? f!.Cin - 3 : 4);
        Assert.IsType<FusedCnnRefiner>(refiner);
        var notOnnx = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(notOnnx, [0x08, 0x07, 0x12]); // a field, then a length that runs past the end
            Assert.False(OnnxConvGraph.TryReadLight(notOnnx, out _, out _, out var why));
            Assert.NotNull(why);
            var prior = Path.Combine(RepoPaths.Models, "deformation", "mp468-prior-v1", "F.onnx");
            Assert.False(OnnxConvGraph.TryReadLight(prior, out _, out _, out why));
        }
        finally
        {
            File.Delete(notOnnx);
        }
    }
}
