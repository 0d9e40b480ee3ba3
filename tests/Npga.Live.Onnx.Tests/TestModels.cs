namespace Npga.Live.Onnx.Tests;

/// <summary>
/// Paths of the models written by scripts/testdata/make_onnx_test_models.py, and the same math in plain managed
/// code (the judge of what ORT returns). Weight formulas mirror the script; change both together.
/// </summary>
internal static class TestModels
{
    public static string Dir => Path.Combine(AppContext.BaseDirectory, "models");
    public static string Affine => Path.Combine(Dir, "affine.onnx");
    public static string Mlp => Path.Combine(Dir, "mlp.onnx");
    public static string TwoOutputs => Path.Combine(Dir, "two_outputs.onnx");
    public static string UnknownOp => Path.Combine(Dir, "unknown_op.onnx");
    public static string NotOnnx => Path.Combine(Dir, "not_onnx.onnx");
    public static string Truncated => Path.Combine(Dir, "truncated.onnx");

    public const int AffineIn = 4, AffineOut = 3;
    public const int MlpIn = 32, MlpHidden = 64, MlpOut = 8;

    public static float AffineW(int i, int j) => (float)(0.5 * (i + 1) - 0.25 * j);
    public static readonly float[] AffineB = [0.1f, -0.2f, 0.3f];

    /// <summary>y = x·W + b for x [n,4] row-major; y [n,3].</summary>
    public static float[] AffineReference(float[] x, int n)
    {
        var y = new float[n * AffineOut];
        for (var r = 0; r < n; r++)
        for (var j = 0; j < AffineOut; j++)
        {
            double s = AffineB[j];
            for (var i = 0; i < AffineIn; i++) s += (double)x[r * AffineIn + i] * AffineW(i, j);
            y[r * AffineOut + j] = (float)s;
        }
        return y;
    }

    public static float MlpW1(int i, int j) => (float)(0.1 * Math.Sin(0.37 * i + 0.11 * j));
    public static float MlpB1(int j) => (float)(0.01 * (j % 7) - 0.02);
    public static float MlpW2(int i, int j) => (float)(0.1 * Math.Cos(0.23 * i - 0.17 * j));
    public static float MlpB2(int j) => (float)(0.05 * j);

    /// <summary>y = relu(x·W1 + b1)·W2 + b2 for x [n,32]; y [n,8].</summary>
    public static float[] MlpReference(float[] x, int n)
    {
        var y = new float[n * MlpOut];
        var h = new double[MlpHidden];
        for (var r = 0; r < n; r++)
        {
            for (var j = 0; j < MlpHidden; j++)
            {
                double s = MlpB1(j);
                for (var i = 0; i < MlpIn; i++) s += (double)x[r * MlpIn + i] * MlpW1(i, j);
                h[j] = Math.Max(0, (float)s);
            }
            for (var j = 0; j < MlpOut; j++)
            {
                double s = MlpB2(j);
                for (var i = 0; i < MlpHidden; i++) s += h[i] * MlpW2(i, j);
                y[r * MlpOut + j] = (float)s;
            }
        }
        return y;
    }

    public static float[] RandomFloats(int count, int seed)
    {
        var rng = new Random(seed);
        var a = new float[count];
        for (var i = 0; i < a.Length; i++) a[i] = (float)(rng.NextDouble() * 4 - 2);
        return a;
    }

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance = 1e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var err = Math.Abs(expected[i] - actual[i]);
            if (err > tolerance * (1 + Math.Abs(expected[i])))
                Assert.Fail($"element {i}: expected {expected[i]}, got {actual[i]} (|diff| {err})");
        }
    }
}
