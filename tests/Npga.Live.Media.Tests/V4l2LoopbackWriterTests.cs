using Npga.Live.Core.Imaging;
using Xunit.Abstractions;

namespace Npga.Live.Media.Tests;

/// <summary>
/// V4l2LoopbackWriter and CameraReader. Without a v4l2loopback device (a container, no module loaded) the chain is tested
/// through an injected sink (<c>filesink</c> of the raw frames the device would get) and the device tests skip.
/// </summary>
public sealed class V4l2LoopbackWriterTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("npga-v4l2-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static RgbImage Grey(int w, int h, byte v)
    {
        var img = new RgbImage(w, h);
        img.Span.Fill(v);
        return img;
    }

    [Theory]
    [InlineData("YUY2", 2.0)]
    [InlineData("I420", 1.5)]
    public void Frames_ReachTheSink_InTheDevicesFormatAndSize(string format, double bytesPerPixel)
    {
        const int w = 64, h = 48, n = 6;
        var file = Path.Combine(_dir, $"frames.{format}");
        using (var writer = V4l2LoopbackWriter.Open("/dev/video-test", w, h, 30,
                   new V4l2LoopbackWriterOptions { Format = format, Sink = $"filesink location={file} sync=false" }))
        {
            Assert.Equal(format, writer.Format);
            for (int i = 0; i < n; i++)
            {
                writer.Write(Grey(w, h, 200));
                Thread.Sleep(40); // slower than the chain: nothing is dropped
            }
            Thread.Sleep(300);
            Assert.Equal(n, writer.FramesWritten);
            Assert.Equal(0, writer.FramesDropped);
        }
        var bytes = File.ReadAllBytes(file);
        int frameBytes = (int)(w * h * bytesPerPixel);
        output.WriteLine($"{format}: {bytes.Length} bytes = {bytes.Length / (double)frameBytes} frames of {frameBytes}");
        Assert.Equal((n + 1) * frameBytes, bytes.Length); // the black start frame, then the n frames

        // Luma of grey 200 (BT.601 limited range): 16 + 200·219/255 ≈ 188; of the black start frame: 16. Chroma: 128.
        var first = bytes.AsSpan(0, frameBytes);
        var last = bytes.AsSpan(n * frameBytes, frameBytes);
        int lumaIndex = format == "YUY2" ? 2 * (w * (h / 2) + w / 2) : w * (h / 2) + w / 2;
        int chromaIndex = format == "YUY2" ? lumaIndex + 1 : w * h + (w / 2) * (h / 4);
        Assert.InRange(first[lumaIndex], 14, 18);
        Assert.InRange(last[lumaIndex], 184, 192);
        Assert.InRange(last[chromaIndex], 124, 132);
    }

    [Fact]
    public void A_WriterThatFallsBehind_DropsInsteadOfQueueing()
    {
        const int w = 640, h = 480;
        // A sink that takes a frame every 100 ms (identity sleep-time, µs) and writes as fast as it can: never blocks.
        using var writer = V4l2LoopbackWriter.Open("/dev/video-test", w, h, 30,
            new V4l2LoopbackWriterOptions { Sink = "identity sleep-time=100000 ! fakesink sync=false" });
        var frame = Grey(w, h, 90);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 30; i++) writer.Write(frame);
        output.WriteLine($"30 writes in {clock.ElapsedMilliseconds} ms, {writer.FramesDropped} dropped");
        Assert.True(clock.ElapsedMilliseconds < 2000, "Write blocked behind a slow sink");
        Assert.True(writer.FramesDropped > 0, "nothing was dropped although the sink was far behind");
    }

    [Fact]
    public void AFrameOfAnotherSize_IsRefused()
    {
        using var writer = V4l2LoopbackWriter.Open("/dev/video-test", 32, 32, 30, new V4l2LoopbackWriterOptions { Sink = "fakesink" });
        Assert.Throws<ArgumentException>(() => writer.Write(Grey(16, 16, 0)));
    }

    [Theory]
    [InlineData(33, 32, 30, "YUY2")]
    [InlineData(32, 32, 0, "YUY2")]
    [InlineData(32, 32, 30, "RGB")]
    public void BadSettings_AreArgumentErrors(int w, int h, double fps, string format)
        => Assert.ThrowsAny<ArgumentException>(() => V4l2LoopbackWriter.Open("/dev/video-test", w, h, fps, new V4l2LoopbackWriterOptions { Format = format, Sink = "fakesink" }));

    [Fact]
    public void AMissingDevice_SaysSo()
    {
        var e = Assert.Throws<MediaException>(() => V4l2LoopbackWriter.Open("/dev/video-npga-missing", 64, 64, 30));
        output.WriteLine(e.Message);
        Assert.Contains(V4l2LoopbackWriter.SinkAvailable ? "does not exist" : "v4l2sink", e.Message);
    }

    [Fact]
    public void AFileThatIsNoDevice_IsNotAVideoOutput()
    {
        if (!V4l2LoopbackWriter.SinkAvailable)
        {
            output.WriteLine("SKIPPED: no v4l2sink element");
            return;
        }
        var plain = Path.Combine(_dir, "not-a-device");
        File.WriteAllText(plain, "x");
        var e = Assert.Throws<MediaException>(() => V4l2LoopbackWriter.Open(plain, 64, 64, 30));
        output.WriteLine(e.Message);
        Assert.Contains("cannot write to", e.Message);
    }

    [Fact]
    public void AMissingCamera_SaysSo()
    {
        var e = Assert.Throws<MediaException>(() => CameraReader.Open("/dev/video-npga-missing"));
        output.WriteLine(e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void ARealLoopbackDevice_TakesFrames()
    {
        var devices = V4l2LoopbackWriter.FindLoopbackDevices();
        if (devices.Count == 0 || !V4l2LoopbackWriter.SinkAvailable)
        {
            output.WriteLine("SKIPPED: no v4l2loopback device (sudo modprobe v4l2loopback devices=1 video_nr=10 exclusive_caps=1) or no v4l2sink");
            return;
        }
        using var writer = V4l2LoopbackWriter.Open(devices[0], 320, 240, 30);
        for (int i = 0; i < 10; i++)
        {
            writer.Write(Grey(320, 240, (byte)(20 * i)));
            Thread.Sleep(33);
        }
        Assert.Equal(10, writer.FramesWritten);
        output.WriteLine($"{devices[0]}: 10 frames written, {writer.FramesDropped} dropped");
    }
}
