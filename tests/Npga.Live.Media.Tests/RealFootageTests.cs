using Npga.Live.Core;
using Npga.Live.Media.Tests.Support;

namespace Npga.Live.Media.Tests;

/// <summary>The shared real clips (../shared/data/driving, see its README); skipped when the folder is absent.</summary>
public class RealFootageTests
{
    [SharedDataFact(Timeout = 60_000)]
    public Task D0_has_78_frames_of_512x512_at_25_fps() => Bounded.Run(50, () =>
    {
        using var reader = VideoReader.Open(Path.Combine(RepoPaths.SharedData!, "driving", "d0.mp4"));
        Assert.Equal((512, 512), (reader.Width, reader.Height));
        Assert.Equal(25.0, reader.FrameRate, 3);
        Assert.Equal(78, reader.FrameCountEstimate);
        var previous = TimeSpan.MinValue;
        long n = 0;
        foreach (var frame in reader.ReadAll())
        {
            Assert.Equal((512, 512), (frame.Image.Width, frame.Image.Height));
            Assert.True(frame.Time > previous);
            previous = frame.Time;
            n++;
        }
        Assert.Equal(78, n);
    });
}
