namespace Npga.Live.Onnx.Tests;

public class OrtSessionRunTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(64)]
    public void AffineMatchesManagedMath(int n)
    {
        using var s = new OrtSession(TestModels.Affine);
        var x = TestModels.RandomFloats(n * 4, seed: n);
        var outputs = s.Run([OrtTensor.FromFloat("x", [n, 4], x)]);
        var y = Assert.Single(outputs).Value;
        Assert.Equal("y", y.Name);
        Assert.Equal([(long)n, 3L], y.Shape);
        Assert.Null(y.Int64);
        TestModels.AssertClose(TestModels.AffineReference(x, n), y.Float);
    }

    [Fact]
    public void ZeroBatchGivesAnEmptyOutput()
    {
        using var s = new OrtSession(TestModels.Affine);
        var y = s.Run([OrtTensor.FromFloat("x", [0, 4], [])])["y"];
        Assert.Equal([0L, 3L], y.Shape);
        Assert.Empty(y.Float!);
    }

    [Fact]
    public void MlpMatchesManagedMathWithSeveralThreads()
    {
        using var s = new OrtSession(TestModels.Mlp, new OrtSessionOptions { IntraOpThreads = 4, InterOpThreads = 2 });
        const int n = 33;
        var x = TestModels.RandomFloats(n * TestModels.MlpIn, seed: 7);
        var y = s.Run([OrtTensor.FromFloat("x", [n, TestModels.MlpIn], x)])["y"];
        Assert.Equal([(long)n, TestModels.MlpOut], y.Shape);
        TestModels.AssertClose(TestModels.MlpReference(x, n), y.Float, 1e-4);
    }

    [Theory]
    [InlineData(0, 0, OrtGraphOptimizationLevel.Disabled)]
    [InlineData(1, 1, OrtGraphOptimizationLevel.Basic)]
    [InlineData(2, 0, OrtGraphOptimizationLevel.Extended)]
    [InlineData(8, 4, OrtGraphOptimizationLevel.All)]
    public void ThreadAndOptimizationSettingsAreAccepted(int intra, int inter, OrtGraphOptimizationLevel level)
    {
        using var s = new OrtSession(TestModels.Mlp, new OrtSessionOptions { IntraOpThreads = intra, InterOpThreads = inter, OptimizationLevel = level });
        var x = TestModels.RandomFloats(3 * TestModels.MlpIn, seed: intra);
        TestModels.AssertClose(TestModels.MlpReference(x, 3), s.Run([OrtTensor.FromFloat("x", [3, TestModels.MlpIn], x)])["y"].Float, 1e-4);
    }

    [Fact]
    public void NegativeThreadCountIsRejectedBeforeOrt()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new OrtSession(TestModels.Affine, new OrtSessionOptions { IntraOpThreads = -1 }));
        Assert.Contains("IntraOpThreads", e.Message);
    }

    [Fact]
    public void Int64InputAndOutputsRoundTrip()
    {
        using var s = new OrtSession(TestModels.TwoOutputs);
        float[] a = [1, 2, 3, 4, 5, 6]; // [3,2]
        long[] idx = [2, 0, 2, 1];
        var outputs = s.Run([OrtTensor.FromFloat("a", [3, 2], a), OrtTensor.FromInt64("idx", [4], idx)]);
        Assert.Equal(["rows", "idx_doubled"], outputs.Keys);
        Assert.Equal([4L, 2L], outputs["rows"].Shape);
        Assert.Equal([5f, 6, 1, 2, 5, 6, 3, 4], outputs["rows"].Float!);
        Assert.Equal([4L], outputs["idx_doubled"].Shape);
        Assert.Equal([4L, 0, 4, 2], outputs["idx_doubled"].Int64!);
        Assert.Null(outputs["idx_doubled"].Float);
    }

    [Fact]
    public void OnlyRequestedOutputsAreReturnedInRequestOrder()
    {
        using var s = new OrtSession(TestModels.TwoOutputs);
        var outputs = s.Run([OrtTensor.FromInt64("idx", [1], [1]), OrtTensor.FromFloat("a", [3, 2], [1, 2, 3, 4, 5, 6])], ["idx_doubled"]);
        Assert.Equal([2L], Assert.Single(outputs).Value.Int64!);
    }

    [Fact]
    public void OrtErrorsDuringRunCarryOrtsMessage()
    {
        using var s = new OrtSession(TestModels.TwoOutputs);
        // Index 7 is out of range for a [3,2] tensor: only ORT can tell.
        var e = Assert.Throws<OrtException>(() => s.Run([OrtTensor.FromFloat("a", [3, 2], new float[6]), OrtTensor.FromInt64("idx", [1], [7])]));
        Assert.Equal("Run", e.Operation);
        Assert.NotEqual(0, e.ErrorCode);
        // e.g. "Non-zero status code returned while running Gather node. ... indices element out of data bounds, idx=7 ..."
        Assert.Contains("Gather", e.OrtMessage);
        Assert.Contains("idx=7", e.OrtMessage);
        Assert.Contains(e.OrtMessage, e.Message);
    }
}
