using System.Diagnostics;
using Npga.Live.Core;
using Npga.Live.Core.Imaging;
using Npga.Live.Pipeline.Live;

namespace Npga.Live.Server.Tests;

public class FrameCodeTests
{
    [Theory]
    [InlineData(640, 480, 0)]
    [InlineData(640, 480, 0xFFFF)]
    [InlineData(512, 512, 12345)]
    [InlineData(160, 120, 777)]
    public void Round_trips_at_any_size(int w, int h, int value)
    {
        var img = Noise(w, h, 1);
        FrameCode.Write(img, value);
        Assert.Equal(value, FrameCode.Read(img));
    }

    [Fact]
    public void Survives_blur_and_noise_and_a_change_of_size()
    {
        var src = Noise(640, 480, 2);
        FrameCode.Write(src, 0xBEEF);
        var dst = Noise(512, 512, 3);
        Assert.True(FrameCode.Copy(src, dst));
        // 5x5 box blur plus +-40 noise, as a lossy codec might leave it
        var blurred = new RgbImage(512, 512);
        var rng = new Random(4);
        for (int y = 0; y < 512; y++)
            for (int x = 0; x < 512; x++)
                for (int c = 0; c < 3; c++)
                {
                    int sum = 0, n = 0;
                    for (int dy = -2; dy <= 2; dy++)
                        for (int dx = -2; dx <= 2; dx++)
                        {
                            int yy = Math.Clamp(y + dy, 0, 511), xx = Math.Clamp(x + dx, 0, 511);
                            sum += dst.Row(yy)[3 * xx + c];
                            n++;
                        }
                    blurred.Row(y)[3 * x + c] = (byte)Math.Clamp(sum / n + rng.Next(-40, 41), 0, 255);
                }
        Assert.Equal(0xBEEF, FrameCode.Read(blurred));
    }

    [Fact]
    public void A_frame_without_a_code_or_with_a_flipped_bit_reads_as_none()
    {
        var img = new RgbImage(640, 480);
        Assert.Null(FrameCode.Read(img)); // all black: sync cell 0 is not white
        FrameCode.Write(img, 0x1234);
        int s = FrameCode.CellSize(640);
        for (int y = 480 - s; y < 480; y++) img.Row(y).Slice(3 * 4 * s, 3 * s).Fill(255); // force the third data bit to 1 (it is 0 in 0x1234)
        Assert.Null(FrameCode.Read(img)); // parity catches it
        Assert.False(FrameCode.Copy(new RgbImage(640, 480), img));
        Assert.Null(FrameCode.Read(new RgbImage(100, 100))); // too small for a code: none, no throw
        Assert.Throws<ArgumentException>(() => FrameCode.Write(new RgbImage(100, 100), 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => FrameCode.Write(new RgbImage(640, 480), 0x10000));
    }

    [Fact]
    public void The_page_and_the_server_agree_on_the_layout()
    {
        // web/frame-code.js has its own node tests (round trips, blur, noise, bad sync/parity, latency wrap-around);
        // here node draws a code with the page's code and the C# reader must read it, and the other way round.
        var root = RepoPaths.RequireRoot();
        var img = Noise(640, 480, 5);
        FrameCode.Write(img, 40961);
        var tmp = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(tmp, img.Span.ToArray());
            var script = """
                import { readFrameCode, drawFrameCode } from './web/frame-code.js';
                import { readFileSync, writeFileSync } from 'node:fs';
                const [path, w, h] = [process.argv[1], 640, 480];
                const rgb = readFileSync(path);
                const data = new Uint8ClampedArray(w * h * 4);
                for (let i = 0; i < w * h; i++) { data[4*i] = rgb[3*i]; data[4*i+1] = rgb[3*i+1]; data[4*i+2] = rgb[3*i+2]; data[4*i+3] = 255; }
                const read = readFrameCode({ width: w, height: h, data });
                const ctx = { fillStyle: '', fillRect(x, y, cw, ch) { const v = this.fillStyle === '#fff' || this.fillStyle === '#ffffff' || this.fillStyle === 'white' || this.fillStyle === 'rgb(255,255,255)' ? 255 : 0;
                  for (let yy = y; yy < y + ch; yy++) for (let xx = x; xx < x + cw; xx++) { const j = 3 * (yy * w + xx); rgb[j] = rgb[j+1] = rgb[j+2] = v; } } };
                drawFrameCode(ctx, w, h, 2024);
                writeFileSync(path, rgb);
                console.log(read);
                """;
            var psi = new ProcessStartInfo("node", ["--input-type=module", "-e", script, tmp]) { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEnd();
            var stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, stderr);
            Assert.Equal("40961", stdout.Trim());
            var drawn = new RgbImage(640, 480, File.ReadAllBytes(tmp));
            Assert.Equal(2024, FrameCode.Read(drawn));
        }
        finally
        {
            File.Delete(tmp);
        }
    }

    [Fact]
    public void The_page_scripts_pass_their_node_tests()
    {
        var psi = new ProcessStartInfo("node", ["--test", "tests/web/"]) { WorkingDirectory = RepoPaths.RequireRoot(), RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, output);
        Assert.Contains("# fail 0", output);
    }

    internal static RgbImage Noise(int w, int h, int seed)
    {
        var img = new RgbImage(w, h);
        new Random(seed).NextBytes(img.Span);
        return img;
    }
}
