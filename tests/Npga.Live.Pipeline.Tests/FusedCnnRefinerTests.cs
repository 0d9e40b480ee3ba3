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
