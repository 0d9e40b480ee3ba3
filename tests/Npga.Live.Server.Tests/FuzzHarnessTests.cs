using CsCheck;
using Npga.Live.Tests.Shared;

namespace Npga.Live.Server.Tests;

/// <summary>The bounds of tests/Shared/Fuzz.cs, which every fuzz test relies on: failures carry a seed, slow cases and hangs fail, the budget holds.</summary>
public class FuzzHarnessTests
{
    [Fact]
    public void A_failing_property_reports_its_seed_and_shrunk_input_and_the_seed_replays_it()
    {
        var e = Assert.Throws<CsCheckException>(() => Fuzz.Sample(Gen.Int[0, 1000], i => Assert.True(i < 500), iter: 2_000, seconds: 5));
        Assert.Contains("Set seed: \"", e.Message);
        var seed = e.Message.Split('"')[1];
        var replay = Assert.Throws<CsCheckException>(() => Fuzz.Sample(Gen.Int[0, 1000], i => Assert.True(i < 500), iter: 1, seconds: 5, seed: seed));
        Assert.Contains(seed, replay.Message);
    }

    [Fact]
    public void A_slow_case_fails_and_a_hung_one_is_reported_with_its_input()
    {
        var slow = Assert.Throws<CsCheckException>(() => Fuzz.Sample(Gen.Int[0, 9], i => Thread.Sleep(300), iter: 3, seconds: 5, caseSeconds: 0.1));
        Assert.IsType<TimeoutException>(slow.InnerException);
        using var release = new ManualResetEventSlim();
        try
        {
            var hung = Assert.Throws<TimeoutException>(() => Fuzz.Sample(Gen.Const(42), _ => release.Wait(), iter: 1, seconds: 0.5, caseSeconds: 0.2));
            Assert.Contains("a case never returned", hung.Message);
            Assert.Contains("42", hung.Message);
        }
        finally
        {
            release.Set(); // let the abandoned worker finish
        }
    }

    [Fact]
    public void Cases_past_the_time_budget_are_skipped_not_run()
    {
        var summary = Fuzz.Sample(Gen.Int, _ => Thread.Sleep(20), iter: 1_000, seconds: 0.3);
        Assert.InRange(summary.Checked, 1, 100);
        Assert.Equal(1_000, summary.Checked + summary.OverBudget);
        Assert.True(summary.Elapsed < TimeSpan.FromSeconds(5), summary.ToString());
    }
}
