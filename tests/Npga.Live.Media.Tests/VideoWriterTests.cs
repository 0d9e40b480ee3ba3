using System.Diagnostics;
using Npga.Live.Core.Imaging;
using Npga.Live.Media.Tests.Support;
using Xunit.Abstractions;

namespace Npga.Live.Media.Tests;

/// <summary>VideoWriter: round trips through VideoReader, finalisation on Dispose, and failures that surface.</summary>
public class VideoWriterTests(ITestOutputHelper output)
{
    /// <summary>Frame i: a flat colour that changes with i, plus a white square moving right.</summary>
    private static RgbImage Frame(int w, int h, int i)
    {
        var img = new RgbImage(w, h);
        var s = img.Span;
        for (int p = 0; p < w * h; p++)
        {
            s[3 * p] = (byte)(20 + 4 * i);
            s[3 * p + 1] = 128;
            s[3 * p + 2] = (byte)(230 - 4 * i);
        }
        for (int y = 0; y < Math.Min(8, h); y++)
        for (int x = i; x < Math.Min(i + 8, w); x++)
            img.Row(y).Slice(3 * x, 3).Fill(255);
        return img;
    }

    private static void AssertCentreColour(VideoFrame f, int i, int tolerance)
    {
        var img = f.Image;
        var px = img.Row(img.Height / 2).Slice(3 * (img.Width / 2), 3);
        Assert.InRange(px[0], 20 + 4 * i - tolerance, 20 + 4 * i + tolerance);
        Assert.InRange(px[1], 128 - tolerance, 128 + tolerance);
        Assert.InRange(px[2], 230 - 4 * i - tolerance, 230 - 4 * i + tolerance);
    }

    private void RoundTrip(string extension, int w, int h, double fps, int count, VideoCodec expectedCodec, int tolerance)
    {
        var path = TestMedia.NewPath(extension);
        var clock = Stopwatch.StartNew();
        using (var writer = VideoWriter.Create(path, w, h, fps))
        {
            Assert.Equal(expectedCodec, writer.Codec);
            for (int i = 0; i < count; i++) writer.Write(Frame(w, h, i));
            writer.Complete();
            Assert.Equal(count, writer.FramesWritten);
        }
        output.WriteLine($"{extension} {w}x{h}: wrote {count} frames in {clock.ElapsedMilliseconds} ms, {new FileInfo(path).Length} bytes");

        using var reader = VideoReader.Open(path);
        Assert.Equal((w, h), (reader.Width, reader.Height));
        Assert.Equal(fps, reader.FrameRate, 2);
        var frames = reader.ReadAll().ToList();
        Assert.Equal(count, frames.Count);
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(i / fps, frames[i].Time.TotalSeconds, 2); // the writer stamps frame i at i/fps
            AssertCentreColour(frames[i], i, tolerance);
        }
    }

    [Fact(Timeout = 90_000)]
    public Task Mp4_h264_round_trip() => Bounded.Run(80, () => RoundTrip(".mp4", 160, 120, 30, 45, VideoCodec.H264, 6));

    [Fact(Timeout = 90_000)]
    public Task Webm_vp8_round_trip_with_odd_size() => Bounded.Run(80, () => RoundTrip(".webm", 113, 67, 25, 30, VideoCodec.Vp8, 10));

    [Fact(Timeout = 90_000)]
    public Task Ntsc_rate_round_trip() => Bounded.Run(80, () => RoundTrip(".mkv", 64, 48, 29.97, 20, VideoCodec.H264, 6));

    [Fact(Timeout = 90_000)]
    public Task Dispose_without_Complete_leaves_a_playable_mp4() => Bounded.Run(80, () =>
    {
        var path = TestMedia.NewPath(".mp4");
        using (var writer = VideoWriter.Create(path, 96, 64, 25))
            for (int i = 0; i < 12; i++) writer.Write(Frame(96, 64, i));
        using var reader = VideoReader.Open(path);
        Assert.Equal(12, reader.ReadAll().Count());
    });

    [Fact(Timeout = 90_000)]
    public Task Dispose_after_an_exception_in_a_using_block_leaves_a_playable_mp4() => Bounded.Run(80, () =>
    {
        var path = TestMedia.NewPath(".mp4");
        Assert.Throws<InvalidOperationException>((Action)(() =>
        {
            using var writer = VideoWriter.Create(path, 96, 64, 25);
            for (int i = 0; i < 5; i++) writer.Write(Frame(96, 64, i));
            throw new InvalidOperationException("simulated Ctrl-C");
        }));
        using var reader = VideoReader.Open(path);
        Assert.Equal(5, reader.ReadAll().Count());
    });

    [Fact(Timeout = 30_000)]
    public Task Misuse_is_refused() => Bounded.Run(20, () =>
    {
        Assert.Throws<ArgumentException>(() => VideoWriter.Create(TestMedia.NewPath(".mp4"), 113, 67, 25)); // H.264 needs even sides
        Assert.Throws<ArgumentException>(() => VideoWriter.Create(TestMedia.NewPath(".avi"), 64, 48, 25));
        Assert.Throws<ArgumentException>(() => VideoWriter.Create(TestMedia.NewPath(".webm"), 64, 48, 25, VideoCodec.H264));
        Assert.Throws<ArgumentException>(() => VideoWriter.Create(TestMedia.NewPath(".mp4"), 64, 48, 25, VideoCodec.Vp8));
        Assert.Throws<ArgumentOutOfRangeException>(() => VideoWriter.Create(TestMedia.NewPath(".mp4"), 64, 48, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => VideoWriter.Create(TestMedia.NewPath(".mp4"), 0, 48, 25));

        using var writer = VideoWriter.Create(TestMedia.NewPath(".mp4"), 64, 48, 25);
        Assert.Throws<ArgumentException>(() => writer.Write(new RgbImage(48, 64)));
        writer.Write(Frame(64, 48, 0));
        writer.Complete();
        writer.Complete(); // idempotent
        Assert.Throws<InvalidOperationException>(() => writer.Write(Frame(64, 48, 1)));
    });

    [Fact(Timeout = 30_000)]
    public Task Completing_with_no_frames_throws_and_Dispose_does_not() => Bounded.Run(20, () =>
    {
        var writer = VideoWriter.Create(TestMedia.NewPath(".mp4"), 64, 48, 25);
        Assert.Throws<MediaException>(() => writer.Complete());
        writer.Dispose();
        VideoWriter.Create(TestMedia.NewPath(".webm"), 64, 48, 25).Dispose();
    });

    [Fact(Timeout = 30_000)]
    public Task Unwritable_path_fails_in_Create() => Bounded.Run(20, () =>
    {
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<MediaException>(() => VideoWriter.Create("/proc/npga-x.mp4", 64, 48, 25));
        output.WriteLine(e.Message);
        Assert.Contains("/proc/npga-x.mp4", e.Message);
        Assert.Contains("cannot be opened for writing", e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
        var missingDir = Assert.Throws<MediaException>(() => VideoWriter.Create(Path.Combine(TestMedia.Dir, "no-dir", "x.mp4"), 64, 48, 25));
        Assert.Contains("does not exist", missingDir.Message);
    });

    [Fact(Timeout = 60_000)]
    public Task Read_only_file_system_fails_in_Create() => Bounded.Run(50, () =>
    {
        // Root ignores permission bits, so a read-only mount stands in for a read-only directory.
        using var mount = TmpfsMount.TryCreate("ro,size=64k", output);
        if (mount is null) return;
        var path = Path.Combine(mount.Dir, "x.mp4");
        var e = Assert.Throws<MediaException>(() => VideoWriter.Create(path, 64, 48, 25));
        output.WriteLine(e.Message);
        Assert.Contains(path, e.Message);
    });

    [Fact(Timeout = 90_000)]
    public Task Full_disk_surfaces_as_MediaException_from_Write_or_Complete() => Bounded.Run(80, () =>
    {
        using var mount = TmpfsMount.TryCreate("size=200k", output);
        if (mount is null) return;
        var path = Path.Combine(mount.Dir, "full.mp4");
        var noise = new RgbImage(320, 240);
        var rng = new Random(1);
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<MediaException>(() =>
        {
            using var writer = VideoWriter.Create(path, 320, 240, 30);
            for (int i = 0; i < 300; i++)
            {
                rng.NextBytes(noise.Span); // incompressible: ~100 KB per frame
                writer.Write(noise);
            }
            writer.Complete();
        });
        output.WriteLine($"{clock.ElapsedMilliseconds} ms: {e.Message}");
        Assert.Contains(path, e.Message);
        Assert.Contains("disk is full", e.Message);
    });
}
