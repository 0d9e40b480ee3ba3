namespace Npga.Live.Onnx.Tests;

public class OrtConcurrencyTests
{
    [Fact]
    public void EightThreadsEachWithTheirOwnSession()
    {
        const int threads = 8, runs = 50, n = 4;
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            try
            {
                using var s = new OrtSession(t % 2 == 0 ? TestModels.Affine : TestModels.Mlp);
                var width = t % 2 == 0 ? TestModels.AffineIn : TestModels.MlpIn;
                using var runner = s.CreateRunner([("x", [n, width])], [("y", [n, t % 2 == 0 ? TestModels.AffineOut : TestModels.MlpOut])]);
                start.SignalAndWait();
                for (var r = 0; r < runs; r++)
                {
                    var x = TestModels.RandomFloats(n * width, seed: t * 1000 + r);
                    var expected = t % 2 == 0 ? TestModels.AffineReference(x, n) : TestModels.MlpReference(x, n);
                    // alternate the two paths
                    float[] actual;
                    if (r % 2 == 0)
                    {
                        actual = s.Run([OrtTensor.FromFloat("x", [n, width], x)])["y"].Float!;
                    }
                    else
                    {
                        x.CopyTo(runner.Input(0));
                        runner.Run();
                        actual = runner.Output(0).ToArray();
                    }
                    TestModels.AssertClose(expected, actual, 1e-4);
                }
            }
            catch (Exception e)
            {
                failures.Add($"thread {t}: {e}");
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        Assert.Empty(failures);
    }

    [Fact]
    public void OneSessionSharedByEightThreads()
    {
        using var s = new OrtSession(TestModels.Affine);
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t =>
        {
            try
            {
                using var runner = s.CreateRunner([("x", [3, 4])], [("y", [3, 3])]);
                for (var r = 0; r < 50; r++)
                {
                    var x = TestModels.RandomFloats(12, seed: t * 100 + r);
                    x.CopyTo(runner.Input("x"));
                    runner.Run();
                    TestModels.AssertClose(TestModels.AffineReference(x, 3), runner.Output("y"));
                    TestModels.AssertClose(TestModels.AffineReference(x, 3), s.Run([OrtTensor.FromFloat("x", [3, 4], x)])["y"].Float);
                }
            }
            catch (Exception e)
            {
                failures.Add($"worker {t}: {e}");
            }
        });
        Assert.Empty(failures);
    }
}
