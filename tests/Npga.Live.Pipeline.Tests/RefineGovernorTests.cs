using Npga.Live.Pipeline.Live;

namespace Npga.Live.Pipeline.Tests;

/// <summary>The live CNN's on/off rules, fed frame times at 30 frames a second (a 33.3 ms budget).</summary>
public class RefineGovernorTests
{
    private const double Budget = 1000.0 / 30, Dt = 1.0 / 30;

    /// <summary>Feeds <paramref name="frames"/> frames costing <paramref name="withCnn"/> ms with the CNN and
    /// <paramref name="without"/> ms without it, from time <paramref name="t"/>; returns the time after.</summary>
    private static double Run(RefineGovernor g, int frames, double withCnn, double without, double t)
    {
        for (int i = 0; i < frames; i++, t += Dt)
        {
            bool on = g.Enabled;
            g.Observe(on ? withCnn : without, on, t);
        }
        return t;
    }

    [Fact]
    public void A_cnn_that_fits_stays_on()
    {
        var g = new RefineGovernor(Budget);
        Run(g, 300, withCnn: 30, without: 18, t: 0);
        Assert.True(g.Enabled);
        Assert.Equal(0, g.Switches);
    }

    [Fact]
    public void Late_frames_switch_it_off_and_its_cost_is_learnt()
    {
        var g = new RefineGovernor(Budget, window: 15);
        double t = Run(g, 14, withCnn: 54, without: 31, t: 0);
        Assert.True(g.Enabled); // one window is needed before a decision
        t = Run(g, 1, 54, 31, t);
        Assert.False(g.Enabled);
        Run(g, 15, 54, 31, t);
        Assert.Equal(23, g.CnnCostMs!.Value, 9);
    }

    [Fact]
    public void It_comes_back_when_the_load_falls_and_the_cnn_fits_with_headroom()
    {
        var g = new RefineGovernor(Budget, holdSeconds: 3, probeSeconds: 30);
        double t = Run(g, 60, withCnn: 60, without: 40, t: 0); // another session takes the machine: off, cost 20 ms
        Assert.False(g.Enabled);
        t = Run(g, 30 * 20, 60, 40, t); // still too slow: 40 + 20 > 0.8 * 33.3, and no probe (40 > 26.7)
        Assert.False(g.Enabled);
        Assert.Equal(1, g.Switches);
        t = Run(g, 30, withCnn: 25, without: 5, t); // the load is gone: 5 + 20 <= 26.7
        Assert.True(g.Enabled);
        Assert.Equal(2, g.Switches);
        Run(g, 300, 25, 5, t);
        Assert.True(g.Enabled);
    }

    [Fact]
    public void A_stale_cost_is_probed_again_and_a_probe_that_runs_late_goes_off_within_a_window()
    {
        var g = new RefineGovernor(Budget, window: 15, holdSeconds: 3, probeSeconds: 30);
        double t = Run(g, 30, withCnn: 90, without: 20, t: 0); // learnt under load: cost 70 ms
        Assert.False(g.Enabled);
        t = Run(g, 30 * 25, 90, 20, t); // 20 + 70 does not fit; 25 s is not yet a probe
        Assert.False(g.Enabled);
        t = Run(g, 30 * 6, withCnn: 40, without: 20, t); // the probe after 30 s: on, late (40 > 33.3), off again
        Assert.Equal(3, g.Switches);
        Assert.False(g.Enabled);
    }

    [Fact]
    public void Frames_rendered_before_a_switch_took_effect_and_bad_times_are_ignored()
    {
        var g = new RefineGovernor(Budget, window: 3);
        g.Observe(double.NaN, true, 0);
        g.Observe(-1, true, 0);
        g.Observe(double.PositiveInfinity, true, 0);
        g.Observe(100, false, 0); // a frame without the CNN while it is on
        Assert.True(g.Enabled);
        Assert.Equal(0, g.Switches);
    }

    [Theory]
    [InlineData(0, 15, 0.8, 3, 30)]
    [InlineData(double.NaN, 15, 0.8, 3, 30)]
    [InlineData(33, 2, 0.8, 3, 30)]
    [InlineData(33, 15, 0, 3, 30)]
    [InlineData(33, 15, 1.5, 3, 30)]
    [InlineData(33, 15, 0.8, 3, 1)]
    public void Settings_outside_their_ranges_are_refused(double budget, int window, double resume, double hold, double probe) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RefineGovernor(budget, window, resume, hold, probe));
}
