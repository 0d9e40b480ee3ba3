using System.Diagnostics;
using Npga.Live.Core.Imaging;
using Npga.Live.Media.Tests.Support;

namespace Npga.Live.Media.Tests;

/// <summary>VideoReader on media made by gst-launch-1.0, checked against gst-launch's own decoding.</summary>
public class VideoReaderTests
{
    [Fact(Timeout = 60_000)]
    public Task Reads_h264_mp4_size_rate_duration_frames_and_colour() => Bounded.Run(50, () =>
    {
        using var reader = VideoReader.Open(TestMedia.H264Mp4);
        Assert.Equal((160, 120), (reader.Width, reader.Height));
        Assert.Equal(30.0, reader.FrameRate, 3);
        Assert.NotNull(reader.Duration);
        Assert.Equal(1.0, reader.Duration.Value.TotalSeconds, 2);
        Assert.Equal(30, reader.FrameCountEstimate);

        var frames = reader.ReadAll().ToList();
        Assert.Equal(30, frames.Count);
        Assert.Equal(30, reader.FramesRead);
        for (int i = 0; i < frames.Count; i++)
        {
            Assert.Equal(i, frames[i].Index);
            Assert.Equal((160, 120), (frames[i].Image.Width, frames[i].Image.Height));
            if (i > 0) Assert.True(frames[i].Time > frames[i - 1].Time, $"timestamps must increase (frame {i})");
        }
        // Solid (0x33, 0x66, 0x99) survives H.264 4:2:0 within a few levels.
        var px = frames[15].Image.Span;
        for (int p = 0; p < 160 * 120; p += 997)
        {
            Assert.InRange(px[3 * p], 0x33 - 6, 0x33 + 6);
            Assert.InRange(px[3 * p + 1], 0x66 - 6, 0x66 + 6);
            Assert.InRange(px[3 * p + 2], 0x99 - 6, 0x99 + 6);
        }
        Assert.False(reader.TryRead(out _));
        Assert.False(reader.TryRead(out _)); // stays at the end
    });

    [Fact(Timeout = 60_000)]
    public Task Odd_width_frames_equal_gst_launch_decoding_byte_for_byte() => Bounded.Run(50, () =>
    {
        // gst-launch writes GStreamer's RGB buffers as they are: rows padded to 4 bytes (113*3 = 339 -> 340).
        var reference = GstLaunch.DecodeToRawRgb(TestMedia.OddWebm);
        const int w = 113, h = 67, stride = 340;
        Assert.Equal(20 * stride * h, reference.Length);

        using var reader = VideoReader.Open(TestMedia.OddWebm);
        Assert.Equal((w, h), (reader.Width, reader.Height));
        Assert.Equal(25.0, reader.FrameRate, 3);
        int n = 0;
        foreach (var frame in reader.ReadAll())
        {
            for (int y = 0; y < h; y++)
            {
                var expected = reference.AsSpan(n * stride * h + y * stride, w * 3);
                Assert.True(expected.SequenceEqual(frame.Image.Row(y)), $"frame {n} row {y} differs");
            }
            Assert.Equal(TimeSpan.FromMilliseconds(40 * n), frame.Time);
            n++;
        }
        Assert.Equal(20, n);
    });

    [Fact(Timeout = 60_000)]
    public Task Smpte_mp4_frames_equal_gst_launch_decoding() => Bounded.Run(50, () =>
    {
        var reference = GstLaunch.DecodeToRawRgb(TestMedia.SmpteMp4);
        using var reader = VideoReader.Open(TestMedia.SmpteMp4);
        int size = 320 * 240 * 3, n = 0;
        foreach (var frame in reader.ReadAll())
        {
            Assert.True(reference.AsSpan(n * size, size).SequenceEqual(frame.Image.Span), $"frame {n} differs");
            n++;
        }
        Assert.Equal(60, n);
        Assert.Equal(reference.Length, n * size);
    });

    [Fact(Timeout = 60_000)]
    public Task Scaled_frames_equal_gst_launch_videoscale_bilinear2() => Bounded.Run(50, () =>
    {
        // The avatar trainer decodes its frames with this gst-launch pipeline (scripts/training/data.py); the evaluation reads
        // them through VideoReaderOptions.ScaleWidth/ScaleHeight and must get the same bytes (down and up).
        foreach (var (w, h) in new[] { (128, 96), (400, 300) })
        {
            var raw = Path.Combine(TestMedia.Dir, $"scaled-{Guid.NewGuid():N}.rgb");
            GstLaunch.Run("filesrc", $"location={TestMedia.SmpteMp4}", "!", "decodebin", "!", "videoconvert", "!", "videoscale", "method=bilinear2", "!",
                $"video/x-raw,format=RGB,width={w},height={h}", "!", "filesink", $"location={raw}");
            var reference = File.ReadAllBytes(raw);
            File.Delete(raw);
            using var reader = VideoReader.Open(TestMedia.SmpteMp4, new VideoReaderOptions { ScaleWidth = w, ScaleHeight = h });
            Assert.Equal((w, h), (reader.Width, reader.Height));
            int size = w * h * 3, n = 0;
            foreach (var frame in reader.ReadAll())
            {
                Assert.Equal((w, h), (frame.Image.Width, frame.Image.Height));
                Assert.True(reference.AsSpan(n * size, size).SequenceEqual(frame.Image.Span), $"{w}x{h}: frame {n} differs");
                n++;
            }
            Assert.Equal(60, n);
            Assert.Equal(reference.Length, n * size);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => VideoReader.Open(TestMedia.SmpteMp4, new VideoReaderOptions { ScaleWidth = 0 }));
    });

    [Fact(Timeout = 60_000)]
    public Task Video_with_an_audio_track_reads_all_video_frames() => Bounded.Run(50, () =>
    {
        using var reader = VideoReader.Open(TestMedia.AudioVideoMp4);
        Assert.Equal((160, 120), (reader.Width, reader.Height));
        Assert.Equal(30, reader.ReadAll().Count());
    });

    [Fact(Timeout = 60_000)]
    public Task Still_image_is_one_frame_with_unknown_rate() => Bounded.Run(50, () =>
    {
        using var reader = VideoReader.Open(TestMedia.Jpeg);
        Assert.Equal((200, 150), (reader.Width, reader.Height));
        Assert.Equal(0.0, reader.FrameRate);
        Assert.Null(reader.FrameCountEstimate);
        Assert.True(reader.TryRead(out var frame));
        Assert.Equal(TimeSpan.Zero, frame.Time);
        Assert.False(reader.TryRead(out _));
    });

    [Fact(Timeout = 60_000)]
    public Task Video_over_the_pixel_limit_is_refused_before_decoding() => Bounded.Run(50, () =>
    {
        var path = TestMedia.SmpteMp4; // 320x240 = 76800 pixels
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<MediaException>(() => VideoReader.Open(path, new VideoReaderOptions { MaxPixels = 50_000 }));
        Assert.Contains("320x240", e.Message);
        Assert.Contains("video/x-h264", e.Message); // refused on the decoder's input caps, not its output
        Assert.Contains(path, e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"refusal took {clock.Elapsed}");
        using var ok = VideoReader.Open(path, new VideoReaderOptions { MaxPixels = 76_800 });
        Assert.Equal(320, ok.Width);
    });

    [Fact(Timeout = 60_000)]
    public Task Path_with_spaces_quotes_and_non_ascii_characters() => Bounded.Run(50, () =>
    {
        var dir = Path.Combine(TestMedia.Dir, "a dir with \"quotes\" & spaces");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "vidéo ünï !.mp4");
        File.Copy(TestMedia.H264Mp4, path);
        using var reader = VideoReader.Open(path);
        Assert.Equal(30, reader.ReadAll().Count());
    });

    [Fact(Timeout = 60_000)]
    public Task Dispose_is_idempotent_and_reading_after_it_throws() => Bounded.Run(50, () =>
    {
        var reader = VideoReader.Open(TestMedia.H264Mp4);
        Assert.True(reader.TryRead(out _));
        reader.Dispose();
        reader.Dispose();
        Assert.Throws<ObjectDisposedException>(() => reader.TryRead(out _));
    });

    [Fact(Timeout = 60_000)]
    public Task Abandoning_a_reader_mid_stream_releases_it() => Bounded.Run(50, () =>
    {
        for (int i = 0; i < 20; i++)
        {
            using var reader = VideoReader.Open(TestMedia.SmpteMp4);
            Assert.True(reader.TryRead(out _));
        }
    });

    [Fact(Timeout = 60_000)]
    public Task Frames_are_independent_images() => Bounded.Run(50, () =>
    {
        using var reader = VideoReader.Open(TestMedia.SmpteMp4);
        var frames = reader.ReadAll().Take(3).ToList();
        Assert.NotSame(frames[0].Image.Pixels, frames[1].Image.Pixels);
        Assert.IsType<RgbImage>(frames[2].Image);
    });
}
