namespace Npga.Live.Onnx.Tests;

public class OrtErrorTests
{
    [Fact]
    public void UnknownInputNameIsNamed()
    {
        using var s = new OrtSession(TestModels.Affine);
        var e = Assert.Throws<ArgumentException>(() => s.Run([OrtTensor.FromFloat("z", [1, 4], new float[4])]));
        Assert.Contains("unknown input 'z'", e.Message);
        Assert.Contains("x: Float[-1,4]", e.Message);
    }

    [Fact]
    public void WrongLengthIsNamed()
    {
        using var s = new OrtSession(TestModels.Affine);
        var e = Assert.Throws<ArgumentException>(() => s.Run([OrtTensor.FromFloat("x", [2, 4], new float[7])]));
        Assert.Contains("'x'", e.Message);
        Assert.Contains("7 values", e.Message);
        Assert.Contains("holds 8", e.Message);
    }

    [Fact]
    public void WrongShapeIsNamed()
    {
        using var s = new OrtSession(TestModels.Affine);
        var e = Assert.Throws<ArgumentException>(() => s.Run([OrtTensor.FromFloat("x", [2, 3], new float[6])]));
        Assert.Contains("'x'", e.Message);
        Assert.Contains("[2,3]", e.Message);
    }

    [Fact]
    public void WrongElementTypeIsNamed()
    {
        using var s = new OrtSession(TestModels.TwoOutputs);
        var e = Assert.Throws<ArgumentException>(() =>
            s.Run([OrtTensor.FromFloat("a", [3, 2], new float[6]), OrtTensor.FromFloat("idx", [1], [0])]));
        Assert.Contains("'idx'", e.Message);
        Assert.Contains("Int64", e.Message);
    }

    [Fact]
    public void MissingDuplicateOrAmbiguousInputsAreNamed()
    {
        using var s = new OrtSession(TestModels.TwoOutputs);
        var e = Assert.Throws<ArgumentException>(() => s.Run([OrtTensor.FromFloat("a", [3, 2], new float[6])]));
        Assert.Contains("missing model input(s): idx", e.Message);
        e = Assert.Throws<ArgumentException>(() => s.Run([OrtTensor.FromFloat("a", [3, 2], new float[6]), OrtTensor.FromFloat("a", [3, 2], new float[6])]));
        Assert.Contains("'a' is given twice", e.Message);
        e = Assert.Throws<ArgumentException>(() => s.Run([new OrtTensor("a", [3, 2], new float[6], new long[6]), OrtTensor.FromInt64("idx", [1], [0])]));
        Assert.Contains("exactly one", e.Message);
        e = Assert.Throws<ArgumentException>(() =>
            s.Run([OrtTensor.FromFloat("a", [3, 2], new float[6]), OrtTensor.FromInt64("idx", [1], [0])], ["rows", "nope"]));
        Assert.Contains("unknown output 'nope'", e.Message);
    }

    [Fact]
    public void MissingFileIsNamed()
    {
        var path = Path.Combine(TestModels.Dir, "does_not_exist.onnx");
        var e = Assert.Throws<FileNotFoundException>(() => new OrtSession(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void FileThatIsNotOnnxCarriesOrtsMessage()
    {
        var e = Assert.Throws<OrtException>(() => new OrtSession(TestModels.NotOnnx));
        Assert.Equal("CreateSession", e.Operation);
        Assert.Equal(7, e.ErrorCode); // ORT_INVALID_PROTOBUF
        Assert.Contains("Protobuf parsing failed", e.OrtMessage);
        Assert.Contains(e.OrtMessage, e.Message);
    }

    [Fact]
    public void TruncatedModelCarriesOrtsMessage()
    {
        var e = Assert.Throws<OrtException>(() => new OrtSession(TestModels.Truncated));
        Assert.Equal(7, e.ErrorCode);
        Assert.Contains("Protobuf parsing failed", e.Message);

        var bytes = File.ReadAllBytes(TestModels.Truncated);
        e = Assert.Throws<OrtException>(() => new OrtSession(bytes));
        Assert.Equal("CreateSessionFromArray", e.Operation);
    }

    [Fact]
    public void UnknownOperatorCarriesOrtsMessage()
    {
        var e = Assert.Throws<OrtException>(() => new OrtSession(TestModels.UnknownOp));
        Assert.Contains("NoSuchOperatorXyz", e.OrtMessage);
    }

    [Fact]
    public void EmptyModelBytesAreRejectedBeforeOrt()
    {
        Assert.Throws<ArgumentException>(() => new OrtSession(ReadOnlySpan<byte>.Empty));
    }
}
