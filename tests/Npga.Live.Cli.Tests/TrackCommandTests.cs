using System.Text.Json;
using Npga.Live.Core;
using Npga.Live.Core.Imaging;
using Npga.Live.Media;
using Xunit.Abstractions;

namespace Npga.Live.Cli.Tests;

/// <summary>`npga track` end to end, on real footage and on every kind of bad input named in the tracker issue.</summary>
public sealed class TrackCommandTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);
    private readonly string _dir = Directory.CreateTempSubdirectory("npga-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Tmp(string name) => Path.Combine(_dir, name);

    private static List<JsonElement> ReadLines(string path)
        => File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    [Fact]
    public void RealClip_WritesTheContractFields_AndAnOverlay()
    {
        var clip = RepoPaths.SharedData is { } d ? Path.Combine(d, "driving", "d0.mp4") : null;
        if (clip is null || !File.Exists(clip)) { output.WriteLine("SKIPPED: ../shared/data is absent"); return; }
        var r = CliRunner.Run(Limit, "track", "--input", clip, "--out", Tmp("t.jsonl"), "--overlay", Tmp("o.mp4"));
        Assert.True(r.ExitCode == 0, r.Stderr);
        var lines = ReadLines(Tmp("t.jsonl"));
        Assert.Equal(78, lines.Count);
        var first = lines[0];
        foreach (var key in new[] { "frame", "time_s", "face", "confidence", "landmarks_px", "rotation", "translation", "scale", "z_exp", "expression_model" })
            Assert.True(first.TryGetProperty(key, out _), $"missing field {key}");
        Assert.True(first.GetProperty("face").GetBoolean());
        Assert.Equal(468, first.GetProperty("landmarks_px").GetArrayLength());
        Assert.Equal(3, first.GetProperty("landmarks_px")[0].GetArrayLength());
        Assert.Equal(9, first.GetProperty("rotation").GetArrayLength());
        Assert.Equal(3, first.GetProperty("translation").GetArrayLength());
        Assert.True(first.GetProperty("z_exp").GetArrayLength() >= 4);
        using var overlay = VideoReader.Open(Tmp("o.mp4"));
        Assert.Equal(512, overlay.Width);
        Assert.Equal(78, overlay.ReadAll().Count());
    }

    [Fact]
    public void GreyAndNoiseVideos_SayNoFaceOnEveryFrame()
    {
        var rnd = new Random(2);
        foreach (var kind in new[] { "grey", "noise" })
        {
            var path = Tmp(kind + ".mp4");
            using (var w = VideoWriter.Create(path, 160, 120, 25))
            {
                for (int i = 0; i < 30; i++)
                {
                    var img = new RgbImage(160, 120);
                    if (kind == "grey") img.Span.Fill(127); else rnd.NextBytes(img.Span);
                    w.Write(img);
                }
                w.Complete();
            }
            var r = CliRunner.Run(Limit, "track", "--input", path, "--out", Tmp(kind + ".jsonl"));
            Assert.True(r.ExitCode == 0, r.Stderr);
            var lines = ReadLines(Tmp(kind + ".jsonl"));
            Assert.Equal(30, lines.Count);
            Assert.All(lines, l =>
            {
                Assert.False(l.GetProperty("face").GetBoolean());
                Assert.Equal(JsonValueKind.Null, l.GetProperty("z_exp").ValueKind);
            });
        }
    }

    [Fact]
    public void ImageWithNoFace_AndA1x1Image_GiveNoFaceResults()
    {
        var grad = new RgbImage(300, 200);
        for (int y = 0; y < 200; y++) for (int x = 0; x < 300; x++) { var o = (y * 300 + x) * 3; grad.Pixels[o] = (byte)x; grad.Pixels[o + 1] = (byte)y; grad.Pixels[o + 2] = 90; }
        ImageFile.WritePng(grad, Tmp("noface.png"));
        ImageFile.WritePng(new RgbImage(1, 1), Tmp("one.png"));
        foreach (var name in new[] { "noface.png", "one.png" })
        {
            var r = CliRunner.Run(Limit, "track", "--input", Tmp(name), "--out", Tmp(name + ".jsonl"), "--overlay", Tmp(name + ".overlay.png"));
            Assert.True(r.ExitCode == 0, r.Stderr);
            var line = Assert.Single(ReadLines(Tmp(name + ".jsonl")));
            Assert.False(line.GetProperty("face").GetBoolean());
            Assert.True(File.Exists(Tmp(name + ".overlay.png")));
        }
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("text-named-mp4")]
    [InlineData("truncated")]
    [InlineData("zero-length")]
    [InlineData("random-bytes")]
    [InlineData("huge-image")]
    public void UnreadableInput_IsAClearErrorWithANonZeroExit(string kind)
    {
        string path = kind switch
        {
            "missing" => Tmp("nope.mp4"),
            "text-named-mp4" => Write("text.mp4", "this is not a video\n"u8.ToArray()),
            "truncated" => Truncated(),
            "zero-length" => Write("empty.mp4", []),
            "random-bytes" => Write("random.mp4", RandomBytes(200_000)),
            "huge-image" => Write("huge.png", TestFiles.PngHeaderOnly(20000, 20000)),
            _ => throw new ArgumentException(kind),
        };
        var r = CliRunner.Run(Limit, "track", "--input", path, "--out", Tmp(kind + ".jsonl"));
        output.WriteLine($"{kind}: exit {r.ExitCode}: {r.Stderr.Trim()}");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("error", r.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(Path.GetFileName(path), r.Stderr);
        Assert.DoesNotContain("Unhandled exception", r.Stderr);
    }

    private string Write(string name, byte[] bytes)
    {
        File.WriteAllBytes(Tmp(name), bytes);
        return Tmp(name);
    }

    private static byte[] RandomBytes(int n)
    {
        var b = new byte[n];
        new Random(9).NextBytes(b);
        return b;
    }

    private string Truncated()
    {
        var full = Tmp("full.mp4");
        using (var w = VideoWriter.Create(full, 128, 96, 25))
        {
            var rnd = new Random(4);
            for (int i = 0; i < 50; i++) { var img = new RgbImage(128, 96); rnd.NextBytes(img.Span); w.Write(img); }
            w.Complete();
        }
        var bytes = File.ReadAllBytes(full);
        return Write("truncated.mp4", bytes[..(bytes.Length / 3)]);
    }
}
