using Npga.Live.Tracking.Filtering;

namespace Npga.Live.Tracking.Tests;

public class OneEuroFilterTests
{
    [Fact]
    public void StillSignal_LosesMostOfItsJitter()
    {
        var f = new OneEuroFilter(1, minCutoff: 1.5, beta: 10);
        var rnd = new Random(7);
        double rawVar = 0, outVar = 0;
        int n = 0;
        for (int i = 0; i < 300; i++)
        {
            float noise = (float)((rnd.NextDouble() - 0.5) * 2); // ±1 px jitter on a 200 px face
            var v = new[] { 100f + noise };
            f.Filter(v, i / 30.0, 200);
            if (i < 30) continue;
            rawVar += noise * noise;
            outVar += (v[0] - 100) * (v[0] - 100);
            n++;
        }
        Assert.True(outVar / n < rawVar / n / 4, $"jitter variance {outVar / n:F4} vs raw {rawVar / n:F4}");
    }

    [Fact]
    public void FastMouthOpening_IsFollowedWithLittleLag()
    {
        // Inner-lip landmark moving 40 px in 4 frames (a fast opening at 30 fps) on a 200 px face.
        var f = new OneEuroFilter(1, minCutoff: 1.5, beta: 10);
        float last = 0;
        for (int i = 0; i < 40; i++)
        {
            float target = i < 20 ? 0 : Math.Min(40, (i - 19) * 10f);
            var v = new[] { target };
            f.Filter(v, i / 30.0, 200);
            last = v[0];
            if (i == 25) Assert.True(v[0] > 36, $"2 frames after the motion ended the filter is at {v[0]:F1} of 40 px");
        }
        Assert.Equal(40, last, 0);
    }
}
