namespace Npga.Live.Onnx.Tests;

public class OrtRunnerTests
{
    [Fact]
    public void RunnerMatchesRunAndManagedMath()
    {
        using var s = new OrtSession(TestModels.Mlp);
        const int n = 16;
        using var runner = s.CreateRunner([("x", [n, TestModels.MlpIn])], [("y", [n, TestModels.MlpOut])]);
        Assert.Equal(["x"], runner.InputNames);
        Assert.Equal(["y"], runner.OutputNames);
        Assert.Equal(n * TestModels.MlpIn, runner.Input("x").Length);
        Assert.Equal(n * TestModels.MlpOut, runner.Output(0).Length);

        for (var seed = 0; seed < 3; seed++)
        {
            var x = TestModels.RandomFloats(n * TestModels.MlpIn, seed);
            x.CopyTo(runner.Input(0));
            runner.Run();
            var expected = s.Run([OrtTensor.FromFloat("x", [n, TestModels.MlpIn], x)])["y"].Float!;
            Assert.Equal(expected, runner.Output("y").ToArray()); // same ORT kernels: bit-identical
            TestModels.AssertClose(TestModels.MlpReference(x, n), runner.Output("y"), 1e-4);
        }
    }

    [Fact]
    public void RunAllocatesNothingAfterWarmUp()
    {
        using var s = new OrtSession(TestModels.Affine);
        using var runner = s.CreateRunner([("x", [8, 4])], [("y", [8, 3])]);
        var x = TestModels.RandomFloats(32, seed: 3);
        x.CopyTo(runner.Input("x"));
        for (var i = 0; i < 10; i++) runner.Run(); // warm-up: JIT, tiering

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            runner.Input(0)[0] = i;
            runner.Run();
        }
        var after = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(0, after - before);

        x[0] = 99;
        TestModels.AssertClose(TestModels.AffineReference(x, 8), runner.Output(0));
    }

    [Fact]
    public void RunnerValidatesBindings()
    {
        using var s = new OrtSession(TestModels.Affine);
        var e = Assert.Throws<ArgumentException>(() => s.CreateRunner([("nope", [1, 4])], [("y", [1, 3])]));
        Assert.Contains("'nope'", e.Message);
        e = Assert.Throws<ArgumentException>(() => s.CreateRunner([("x", [-1, 4])], [("y", [1, 3])]));
        Assert.Contains("negative", e.Message);
        e = Assert.Throws<ArgumentException>(() => s.CreateRunner([("x", [2, 5])], [("y", [2, 3])]));
        Assert.Contains("'x'", e.Message);
        Assert.Contains("[-1,4]", e.Message);
        e = Assert.Throws<ArgumentException>(() => s.CreateRunner([("x", [2, 4])], []));
        Assert.Contains("at least one output", e.Message);
        e = Assert.Throws<ArgumentException>(() => s.CreateRunner([("x", [2, 4])], [("y", [2, 3]), ("y", [2, 3])]));
        Assert.Contains("twice", e.Message);

        using var two = new OrtSession(TestModels.TwoOutputs);
        e = Assert.Throws<ArgumentException>(() => two.CreateRunner([("a", [3, 2])], [("rows", [1, 2])]));
        Assert.Contains("missing: idx", e.Message);
        e = Assert.Throws<ArgumentException>(() => two.CreateRunner([("a", [3, 2]), ("idx", [1])], [("rows", [1, 2])]));
        Assert.Contains("'idx' is Int64", e.Message);

        using var runner = s.CreateRunner([("x", [2, 4])], [("y", [2, 3])]);
        e = Assert.Throws<ArgumentException>(() => runner.Input("y"));
        Assert.Contains("'y'", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => runner.Output(1));
    }

    [Fact]
    public void WrongBoundOutputShapeFailsWithOrtsMessage()
    {
        using var s = new OrtSession(TestModels.Affine);
        using var runner = s.CreateRunner([("x", [2, 4])], [("y", [3, 3])]); // the model will produce [2,3]
        var e = Assert.Throws<OrtException>(runner.Run);
        Assert.Equal("Run", e.Operation);
        Assert.Contains("shape", e.OrtMessage, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void RunnerOutlivesItsSessionAndDisposesTwice()
    {
        var s = new OrtSession(TestModels.Affine);
        var runner = s.CreateRunner([("x", [1, 4])], [("y", [1, 3])]);
        s.Dispose(); // the runner still holds the native session
        float[] x = [1, -1, 0.5f, 2];
        x.CopyTo(runner.Input("x"));
        runner.Run();
        TestModels.AssertClose(TestModels.AffineReference(x, 1), runner.Output("y"));

        runner.Dispose();
        runner.Dispose();
        Assert.Throws<ObjectDisposedException>(runner.Run);
        Assert.Throws<ObjectDisposedException>(() => runner.Input(0).Length);
    }
}
