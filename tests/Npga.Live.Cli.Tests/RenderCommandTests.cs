using Npga.Live.Avatar.Tests;
using Npga.Live.Core;
using Npga.Live.Core.Imaging;
using Npga.Live.Media;
using Xunit.Abstractions;

namespace Npga.Live.Cli.Tests;

/// <summary>`npga render` end to end on a fixture package (random Gaussians, small networks; not a face).</summary>
public sealed class RenderCommandTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);
    private readonly string _dir = Directory.CreateTempSubdirectory("npga-render-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Tmp(string name) => Path.Combine(_dir, name);

    private string Fixture(string name, params string[] extra) => Fixtures.Make(Tmp(name), ["--n", "800", .. extra]);

    [Fact]
    public void Neutral_Expr_AndTurntable_WritePngsOfTheRequestedSize()
    {
        var avatar = Fixture("a");
        var r = CliRunner.Run(Limit, "render", "--avatar", avatar, "--neutral", "--width", "160", "--height", "120", "--out", Tmp("n.png"));
        Assert.True(r.ExitCode == 0, r.Stderr);
        var img = ImageFile.Read(Tmp("n.png"));
        Assert.Equal((160, 120), (img.Width, img.Height));
        Assert.Contains(img.Pixels, b => b > 30); // not blank
        File.WriteAllText(Tmp("codes.json"), "{\"z_exp\": [" + string.Join(",", Enumerable.Repeat("0.5", 15)) + "], \"expression_model\": \"mp468-pca-v1\"}");
        r = CliRunner.Run(Limit, "render", "--avatar", avatar, "--expr", Tmp("codes.json"), "--yaw", "30", "--pitch", "10", "--width", "160", "--height", "120", "--out", Tmp("e.png"));
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.NotEqual(img.Pixels, ImageFile.Read(Tmp("e.png")).Pixels);
        r = CliRunner.Run(Limit, "render", "--avatar", avatar, "--turntable", "--views", "6", "--width", "64", "--height", "64", "--out", Tmp("t.png"));
        Assert.True(r.ExitCode == 0, r.Stderr);
        var strip = ImageFile.Read(Tmp("t.png"));
        Assert.Equal((6 * 64, 64), (strip.Width, strip.Height));
    }

    [Fact]
    public void RendererIlgpu_DrawsTheCpuRenderersPicture_AndIlgpuCudaWithoutADeviceIsAClearError()
    {
        var avatar = Fixture("a");
        string[] common = ["render", "--avatar", avatar, "--yaw", "20", "--width", "80", "--height", "64", "--no-cnn"];
        var r = CliRunner.Run(Limit, [.. common, "--renderer", "cpu", "--out", Tmp("cpu.png")]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        r = CliRunner.Run(Limit, [.. common, "--renderer", "ilgpu", "--out", Tmp("ilgpu.png")]);
        output.WriteLine(r.Stderr.Trim());
        Assert.True(r.ExitCode == 0, r.Stderr);
        bool cuda = Npga.Live.Rendering.GaussianRenderers.CudaAvailable;
        Assert.Equal(!cuda, r.Stderr.Contains("CPU accelerator"));
        var a = ImageFile.Read(Tmp("cpu.png")).Pixels;
        var b = ImageFile.Read(Tmp("ilgpu.png")).Pixels;
        Assert.Equal(a.Length, b.Length);
        int worst = 0;
        for (int i = 0; i < a.Length; i++) worst = Math.Max(worst, Math.Abs(a[i] - b[i]));
        output.WriteLine($"largest 8-bit difference {worst}");
        Assert.True(worst <= 1, $"largest 8-bit difference {worst}");
        Assert.Contains(a, v => v > 30); // not blank

        r = CliRunner.Run(Limit, [.. common, "--renderer", "ilgpu-cuda", "--out", Tmp("cuda.png")]);
        if (cuda) { Assert.True(r.ExitCode == 0, r.Stderr); return; }
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("error: no CUDA device found", r.Stderr.Trim());
        Assert.False(File.Exists(Tmp("cuda.png")));
    }

    [Theory]
    [InlineData("mona-lisa", false)] // no CNN
    [InlineData("default", true)]    // the trained light CNN: also timed fused against ORT
    public void BenchRender_PrintsItsStages_WithOrWithoutACnn(string id, bool lightCnn)
    {
        var r = CliRunner.Run(Limit, "bench", "render", "--avatar", Path.Combine(RepoPaths.Models, "avatars", id), "--width", "96", "--height", "64",
            "--runs", "1", "--frames", "2");
        output.WriteLine(r.Stdout + r.Stderr);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("rasterize", r.Stdout);
        Assert.Contains("fps", r.Stdout);
        Assert.Equal(lightCnn, r.Stdout.Contains("fused, "));
    }

    [Fact]
    public void TrackFrame_DrivesTheAvatar_AndANoFaceFrameIsAClearError()
    {
        var avatar = Fixture("a");
        var z = string.Join(",", Enumerable.Repeat("0.1", 15));
        File.WriteAllLines(Tmp("t.jsonl"),
        [
            "{\"frame\":0,\"face\":true,\"z_exp\":[" + z + "],\"rotation\":[1,0,0,0,1,0,0,0,1],\"expression_model\":\"mp468-pca-v1\"}",
            "{\"frame\":1,\"face\":false,\"z_exp\":null,\"rotation\":null,\"expression_model\":\"mp468-pca-v1\"}",
        ]);
        var r = CliRunner.Run(Limit, "render", "--avatar", avatar, "--track", Tmp("t.jsonl"), "--frame", "0", "--width", "64", "--height", "64", "--out", Tmp("f0.png"));
        Assert.True(r.ExitCode == 0, r.Stderr);
        r = CliRunner.Run(Limit, "render", "--avatar", avatar, "--track", Tmp("t.jsonl"), "--frame", "1", "--width", "64", "--height", "64", "--out", Tmp("f1.png"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("frame 1 has no face", r.Stderr);
    }

    [Fact]
    public void TrackFrame_TurnsTheHead_RelativeToTheTracksRest()
    {
        // Every frame sits tilted 20° (pitch) to the camera and holds still: relative to its own rest the head has not
        // turned, so frame 5 renders as the code alone does. Frame 19, turned 10° further, does not.
        var avatar = Fixture("a");
        var z = string.Join(",", Enumerable.Repeat("0.1", 15));
        static string Pitch(double deg)
        {
            double c = Math.Cos(deg * Math.PI / 180), s = Math.Sin(deg * Math.PI / 180);
            return string.Join(",", new[] { 1, 0, 0, 0, c, -s, 0, s, c }.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        }
        File.WriteAllLines(Tmp("tilted.jsonl"), Enumerable.Range(0, 20).Select(i =>
            "{\"frame\":" + i + ",\"face\":true,\"z_exp\":[" + z + "],\"rotation\":[" + Pitch(i == 19 ? 30 : 20) + "],\"expression_model\":\"mp468-pca-v1\"}"));
        File.WriteAllText(Tmp("code.json"), "{\"z_exp\": [" + z + "], \"expression_model\": \"mp468-pca-v1\"}");
        string[] size = ["--width", "64", "--height", "64", "--no-cnn"];
        Assert.Equal(0, CliRunner.Run(Limit, ["render", "--avatar", avatar, "--track", Tmp("tilted.jsonl"), "--frame", "5", .. size, "--out", Tmp("t5.png")]).ExitCode);
        Assert.Equal(0, CliRunner.Run(Limit, ["render", "--avatar", avatar, "--track", Tmp("tilted.jsonl"), "--frame", "19", .. size, "--out", Tmp("t19.png")]).ExitCode);
        Assert.Equal(0, CliRunner.Run(Limit, ["render", "--avatar", avatar, "--expr", Tmp("code.json"), .. size, "--out", Tmp("code.png")]).ExitCode);
        var (t5, t19, code) = (ImageFile.Read(Tmp("t5.png")), ImageFile.Read(Tmp("t19.png")), ImageFile.Read(Tmp("code.png")));
        static (int Max, double Mean) Diff(RgbImage a, RgbImage b)
        {
            var d = a.Span.ToArray().Zip(b.Span.ToArray(), (x, y) => Math.Abs(x - y)).ToArray();
            return (d.Max(), d.Average());
        }
        Assert.True(Diff(code, t5).Max <= 1, $"frame 5 against the code alone: {Diff(code, t5)}"); // R·R₀ᵀ is the identity up to rounding
        Assert.True(Diff(code, t19).Mean > 1, $"frame 19 (turned 10° from rest) against the code alone: {Diff(code, t19)}");
    }

    [Theory]
    [InlineData("not-an-avatar")]
    [InlineData("truncated-ply")]
    [InlineData("wrong-expression-model")]
    [InlineData("wrong-code-length")]
    public void BadInput_IsAClearErrorWithExitCode2(string kind)
    {
        var avatar = kind == "not-an-avatar" ? Directory.CreateDirectory(Tmp("empty")).FullName : Fixture("a");
        var args = new List<string> { "render", "--avatar", avatar, "--width", "64", "--height", "64", "--out", Tmp("x.png") };
        switch (kind)
        {
            case "truncated-ply":
                var ply = Path.Combine(avatar, "canonical.ply");
                var bytes = File.ReadAllBytes(ply);
                File.WriteAllBytes(ply, bytes[..(bytes.Length - 1000)]);
                break;
            case "wrong-expression-model":
                File.WriteAllText(Tmp("c.json"), "{\"z_exp\": [0,0,0], \"expression_model\": \"other-model\"}");
                args.AddRange(["--expr", Tmp("c.json")]);
                break;
            case "wrong-code-length":
                File.WriteAllText(Tmp("c.json"), "[0, 0, 0]");
                args.AddRange(["--expr", Tmp("c.json")]);
                break;
        }
        var r = CliRunner.Run(Limit, [.. args]);
        output.WriteLine($"{kind}: exit {r.ExitCode}: {r.Stderr.Trim()}");
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("error:", r.Stderr.Trim());
        Assert.DoesNotContain("Unhandled exception", r.Stderr);
        Assert.False(File.Exists(Tmp("x.png")));
    }
}
