using Npga.Live.Core;
using Npga.Live.Tracking.Landmarks;

namespace Npga.Live.Pipeline.Tests;

/// <summary>
/// The moving-block bootstrap interval of a correlation (<see cref="Statistics.PearsonBlockBootstrap"/>) and its place in
/// the expression-fidelity result (<see cref="ExpressionTransferResult.MouthInterval"/>).
/// </summary>
public class CorrelationIntervalTests
{
    private static double[] Noise(int n, int seed, double sigma = 1)
    {
        var rng = new Random(seed);
        // Box–Muller normal deviates.
        return Enumerable.Range(0, n).Select(_ => sigma * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble())).ToArray();
    }

    /// <summary>x_t = φ x_{t−1} + e_t: a slowly wandering series, like a measure held over many frames.</summary>
    private static double[] Ar1(int n, double phi, int seed)
    {
        var e = Noise(n, seed);
        var x = new double[n];
        for (int t = 1; t < n; t++) x[t] = phi * x[t - 1] + e[t];
        return x;
    }

    [Fact]
    public void ExactlyLinearSeries_GiveAnIntervalAtOne()
    {
        var x = Ar1(300, 0.9, 1);
        var y = x.Select(v => 2 * v + 1).ToArray();
        var (lo, hi) = Statistics.PearsonBlockBootstrap(x, y);
        Assert.InRange(lo, 0.99999, 1);
        Assert.InRange(hi, 0.99999, 1);
    }

    [Fact]
    public void IndependentNoise_GivesAnIntervalRoundZero()
    {
        var (lo, hi) = Statistics.PearsonBlockBootstrap(Noise(600, 2), Noise(600, 3));
        Assert.True(lo < 0 && hi > 0, $"[{lo:F3}, {hi:F3}]");
        Assert.True(hi - lo < 0.4, $"600 independent pairs pin r down: [{lo:F3}, {hi:F3}]");
    }

    [Fact]
    public void AFewLargeEvents_WidenTheInterval()
    {
        // Both series: small independent noise, plus shared events (a mouth that opens). Three events carry the figure in
        // one pair of series, thirty in the other; with the events' size set so both give about the same r, the
        // interval of the few-event pair must be much wider.
        (double[] X, double[] Y) Events(int count, double size, int seed)
        {
            var x = Noise(900, seed, 0.3); var y = Noise(900, seed + 1, 0.3);
            for (int k = 0; k < count; k++)
                for (int t = 0; t < 10; t++) { int i = 15 + k * (900 / count) + t; x[i] += size; y[i] += size; }
            return (x, y);
        }
        var few = Events(3, 2.0, 10);
        var many = Events(30, 0.78, 20);
        double rFew = Statistics.Pearson(few.X, few.Y), rMany = Statistics.Pearson(many.X, many.Y);
        Assert.True(Math.Abs(rFew - rMany) < 0.15, $"comparable figures: {rFew:F3} and {rMany:F3}");
        var a = Statistics.PearsonBlockBootstrap(few.X, few.Y);
        var b = Statistics.PearsonBlockBootstrap(many.X, many.Y);
        Assert.True(a.High - a.Low > 2 * (b.High - b.Low), $"3 events [{a.Low:F3}, {a.High:F3}] against 30 [{b.Low:F3}, {b.High:F3}]");
    }

    [Fact]
    public void Blocks_KeepTheAutocorrelation_ThatPairwiseResamplingLoses()
    {
        // Two independent slowly wandering series correlate by chance; resampling single frames (L = 1) treats their
        // 900 frames as 900 independent pairs and gives a narrow interval, 1 s blocks a wider one.
        var x = Ar1(900, 0.98, 4); var y = Ar1(900, 0.98, 5);
        var single = Statistics.PearsonBlockBootstrap(x, y, blockLength: 1);
        var blocks = Statistics.PearsonBlockBootstrap(x, y, blockLength: 30);
        Assert.True(blocks.High - blocks.Low > 1.5 * (single.High - single.Low),
            $"L = 30 [{blocks.Low:F3}, {blocks.High:F3}] against L = 1 [{single.Low:F3}, {single.High:F3}]");
    }

    [Fact]
    public void SameSeed_SameInterval_AndBadInputIsRefusedOrUndefined()
    {
        var x = Ar1(200, 0.9, 6); var y = x.Zip(Noise(200, 7), (a, b) => a + b).ToArray();
        Assert.Equal(Statistics.PearsonBlockBootstrap(x, y, seed: 3), Statistics.PearsonBlockBootstrap(x, y, seed: 3));
        Assert.Throws<ArgumentException>(() => Statistics.PearsonBlockBootstrap(x, y[..199]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Statistics.PearsonBlockBootstrap(x, y, blockLength: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Statistics.PearsonBlockBootstrap(x, y, level: 1));
        var flat = Enumerable.Repeat(0.5, 200).ToArray();
        var (lo, hi) = Statistics.PearsonBlockBootstrap(flat, y);
        Assert.True(double.IsNaN(lo) && double.IsNaN(hi));
    }

    [Fact]
    public void ExpressionTransferResult_CarriesTheIntervals()
    {
        var x = Ar1(300, 0.9, 8);
        var noise = Noise(300, 9, 0.5);
        var driver = x.Select(v => new FaceMeasures((float)v, (float)v, (float)v, 1)).ToArray();
        var avatar = x.Select((v, i) => new FaceMeasures((float)(v + noise[i]), (float)v, (float)noise[i], 1)).ToArray();
        var r = ExpressionTransferResult.Correlate(300, 300, driver, avatar);
        Assert.True(r.MouthInterval.Low < r.MouthCorrelation && r.MouthCorrelation < r.MouthInterval.High);
        Assert.True(r.EyeInterval.Low > 0.9999);
        Assert.True(r.BrowInterval.Low < 0 && r.BrowInterval.High > 0);
        Assert.Contains("mouth", r.Describe());
        Assert.Contains("[", r.Describe());
        Assert.Equal(0, r.GazePairs);
        Assert.True(double.IsNaN(r.GazeXCorrelation));
        Assert.DoesNotContain("gaze", r.Describe());
    }

    [Fact]
    public void ExpressionTransferResult_CorrelatesTheGazeOfBothEyes_LeftRightAndUpDown()
    {
        var x = Ar1(300, 0.9, 10);
        var y = Ar1(300, 0.9, 11);
        var noise = Noise(300, 12, 0.1);
        var measures = x.Select(v => new FaceMeasures((float)v, (float)v, (float)v, 1)).ToArray();
        // driver: both eyes look along x and across y; avatar: its eyes follow x (each eye half of it, plus noise), not y
        var driverGaze = x.Select((v, i) => new[] { (float)v, (float)y[i], (float)v, (float)y[i] }).ToArray();
        var avatarGaze = x.Select((v, i) => new[] { (float)(0.5 * v + noise[i]), 0f, (float)(0.5 * v - noise[i]), (float)noise[i] }).ToArray();
        var r = ExpressionTransferResult.Correlate(300, 300, measures, measures, driverGaze, avatarGaze);
        Assert.Equal(300, r.GazePairs);
        Assert.True(r.GazeXCorrelation > 0.9999, $"x {r.GazeXCorrelation}"); // the eyes' noise cancels in their mean
        Assert.True(r.GazeYInterval.Low < 0.2 && r.GazeYInterval.High > -0.2, $"y {r.GazeYCorrelation} [{r.GazeYInterval.Low}, {r.GazeYInterval.High}]");
        Assert.Contains("gaze x", r.Describe());
        Assert.Throws<ArgumentException>(() => ExpressionTransferResult.Correlate(300, 300, measures, measures, driverGaze, avatarGaze[..299]));
        Assert.Throws<ArgumentException>(() => ExpressionTransferResult.Correlate(300, 300, measures, measures, driverGaze, null));
    }

    [Fact]
    public void ExpressionTransferResult_LeavesHeldGazeOutOfTheGazeCorrelations()
    {
        var x = Ar1(300, 0.9, 13);
        var measures = x.Select(v => new FaceMeasures((float)v, (float)v, (float)v, 1)).ToArray();
        // the avatar follows the driver's gaze exactly, but over frames 100..199 the driver's is held at one value while
        // the avatar's reads far off: counted in, the held stretch would pull the correlation down
        var held = Enumerable.Range(0, 300).Select(i => i is >= 100 and < 200).ToArray();
        var driverGaze = x.Select((v, i) => held[i] ? new[] { 0f, 0f, 0f, 0f } : new[] { (float)v, (float)v, (float)v, (float)v }).ToArray();
        var avatarGaze = x.Select((v, i) => held[i] ? new[] { i % 2 == 0 ? 50f : -50f, i % 2 == 0 ? -50f : 50f, i % 2 == 0 ? 50f : -50f, i % 2 == 0 ? -50f : 50f } : new[] { (float)v, (float)v, (float)v, (float)v }).ToArray();
        var all = ExpressionTransferResult.Correlate(300, 300, measures, measures, driverGaze, avatarGaze);
        var read = ExpressionTransferResult.Correlate(300, 300, measures, measures, driverGaze, avatarGaze, held);
        Assert.True(all.GazeYCorrelation < 0.5, $"all frames: {all.GazeYCorrelation}");
        Assert.True(read.GazeYCorrelation > 0.9999 && read.GazeXCorrelation > 0.9999, $"read frames: {read.GazeXCorrelation}, {read.GazeYCorrelation}");
        Assert.Equal(200, read.GazePairs);
        Assert.Equal(100, read.GazeHeldFrames);
        Assert.Contains("200 frames read, 100 held", read.Describe());
        Assert.Throws<ArgumentException>(() => ExpressionTransferResult.Correlate(300, 300, measures, measures, driverGaze, avatarGaze, held[..299]));
    }

    [Fact]
    public void ExpressionTransferResult_WritesItsSeriesAsCsv()
    {
        var measures = new[] { new FaceMeasures(0.5f, 0.25f, 1, 2), new FaceMeasures(0.125f, 0, 0, 0) };
        var gaze = new[] { new[] { 1f, 2, 3, 4 }, new[] { 0.5f, 0, 0, 0 } };
        var r = ExpressionTransferResult.Correlate(2, 2, measures, measures, gaze, gaze, [false, true]) with { FrameIndices = [7, 9], DriverGaze = gaze, AvatarGaze = gaze, GazeHeld = [false, true] };
        var lines = r.SeriesCsv().TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Equal(18, lines[0].Split(',').Length);
        Assert.Equal("7,0.5,0.25,1,2,0.5,0.25,1,2,1,2,3,4,1,2,3,4,0", lines[1]);
        Assert.StartsWith("9,", lines[2]);
        Assert.EndsWith(",1", lines[2]);
    }
}
