namespace Npga.Live.Onnx.Tests;

public class OrtSessionMetadataTests
{
    [Fact]
    public void AffineReportsDynamicBatch()
    {
        using var s = new OrtSession(TestModels.Affine);
        var x = Assert.Single(s.Inputs);
        Assert.Equal("x", x.Name);
        Assert.Equal(OrtElementType.Float, x.ElementType);
        Assert.Equal([-1L, 4L], x.Shape);
        var y = Assert.Single(s.Outputs);
        Assert.Equal("y", y.Name);
        Assert.Equal(OrtElementType.Float, y.ElementType);
        Assert.Equal([-1L, 3L], y.Shape);
        Assert.Equal(Path.GetFullPath(TestModels.Affine), s.ModelPath);
        Assert.Equal(["CPUExecutionProvider"], s.ActiveProviders);
        Assert.Null(s.CudaUnavailableReason);
    }

    [Fact]
    public void TwoOutputsReportsBothTypesInGraphOrder()
    {
        using var s = new OrtSession(TestModels.TwoOutputs);
        Assert.Equal(
            [new OrtNodeInfo("a", OrtElementType.Float, [3, 2]).ToString(), new OrtNodeInfo("idx", OrtElementType.Int64, [-1]).ToString()],
            s.Inputs.Select(i => i.ToString()));
        Assert.Equal(["rows", "idx_doubled"], s.Outputs.Select(o => o.Name));
        Assert.Equal([OrtElementType.Float, OrtElementType.Int64], s.Outputs.Select(o => o.ElementType));
        Assert.Equal([-1L, 2L], s.Outputs[0].Shape);
        Assert.Equal([-1L], s.Outputs[1].Shape);
    }

    [Fact]
    public void SessionFromBytesMatchesSessionFromFile()
    {
        using var s = new OrtSession(File.ReadAllBytes(TestModels.Mlp));
        Assert.Null(s.ModelPath);
        Assert.Equal([-1L, 32L], s.Inputs[0].Shape);
        Assert.Equal([-1L, 8L], s.Outputs[0].Shape);
    }

    [Fact]
    public void DisposingTwiceIsSafe()
    {
        var s = new OrtSession(TestModels.Affine);
        s.Dispose();
        s.Dispose();
        Assert.Throws<ObjectDisposedException>(() => s.Run([OrtTensor.FromFloat("x", [1, 4], new float[4])]));
        Assert.Throws<ObjectDisposedException>(() => s.CreateRunner([("x", [1, 4])], [("y", [1, 3])]));
    }
}
