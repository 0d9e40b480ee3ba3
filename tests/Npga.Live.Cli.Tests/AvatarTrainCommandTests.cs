using Npga.Live.Core.Imaging;
using Npga.Live.Media;
using Xunit.Abstractions;

namespace Npga.Live.Cli.Tests;

/// <summary>
/// `npga avatar train` refuses clips that cannot make an avatar before any training starts: an unreadable file, a missing
/// one, a clip shorter than 10 s, one with no face, and one where the face is lost most of the time (real footage for
/// 4 s of a 12 s clip). Nothing is written at --out. And the whole flow on d3 (11.8 s, the shortest clip that qualifies)
/// with a few steps: a package, the C# evaluation of its held-out frames and the picture of them; run again, it resumes
/// from the checkpoint.
/// </summary>
public sealed class AvatarTrainCommandTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(240);
    private readonly string _dir = Directory.CreateTempSubdirectory("npga-train-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Tmp(string name) => Path.Combine(_dir, name);

    [Theory]
    [InlineData("unreadable", "not a readable video")]
    [InlineData("missing", "no such file")]
    [InlineData("short", "training needs at least 10 s")]
    [InlineData("no-face", "no face was found in any of")]
    [InlineData("face-mostly-lost", "training needs it in at least 60%")]
    public void UnusableClip_IsRefusedBeforeTraining(string kind, string message)
    {
        string video = Tmp(kind + ".mp4");
        switch (kind)
        {
            case "unreadable":
                File.WriteAllText(video, "this is not a video");
                break;
            case "missing":
                break;
            case "short":
                ReenactTestKit.WriteClip(video, Enumerable.Range(0, 50).Select(_ => ReenactTestKit.Solid(64, 64, 90)), 25);
                break;
            case "no-face":
                var rng = new Random(1);
                ReenactTestKit.WriteClip(video, Enumerable.Range(0, 300).Select(_ => ReenactTestKit.Noise(96, 96, rng)), 25);
                break;
            case "face-mostly-lost":
                var clip = ReenactTestKit.SharedClip("d6.mp4", output);
                if (clip is null) return;
                // 4 s of a real face, then 8 s of grey: the face is in a third of the clip
                var face = ReenactTestKit.ReadAll(clip).Take(120).Select(f => f.Image).ToList();
                var grey = ReenactTestKit.Solid(face[0].Width, face[0].Height, 127);
                ReenactTestKit.WriteClip(video, face.Concat(Enumerable.Repeat(grey, 240)), 30);
                break;
        }
        var outDir = Tmp("avatar-" + kind);
        var r = CliRunner.Run(Limit, "avatar", "train", "--video", video, "--out", outDir);
        output.WriteLine(r.Stderr);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error:", r.Stderr);
        Assert.Contains(message, r.Stderr);
        Assert.False(Directory.Exists(outDir), "nothing may be written for a refused clip");
    }

    [Fact]
    public void ARealClip_TrainsEvaluatesAndResumes()
    {
        var clip = ReenactTestKit.SharedClip("d3.mp4", output);
        if (clip is null) return;
        var outDir = Tmp("d3");
        var r = CliRunner.Run(TimeSpan.FromMinutes(10), "avatar", "train", "--video", clip, "--out", outDir, "--steps", "20", "--name", "test");
        output.WriteLine(r.Stdout + r.Stderr);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("sampled frames", r.Stderr); // the preflight's report
        foreach (var f in new[] { "avatar.json", "canonical.ply", "F.onnx", "G.onnx", "cnn.onnx", "side_by_side.png", "work/eval.json", "work/checkpoint.pt" })
            Assert.True(File.Exists(Path.Combine(outDir, f)), $"{f} missing");
        Assert.Contains("inside the head mask: PSNR mean", r.Stdout); // npga eval's report on the held-out frames
        var picture = ImageFile.Read(Path.Combine(outDir, "side_by_side.png"));
        Assert.Equal((2 * 512, 4 * 512), (picture.Width, picture.Height));

        var again = CliRunner.Run(TimeSpan.FromMinutes(10), "avatar", "train", "--video", clip, "--out", outDir, "--steps", "20", "--name", "test");
        output.WriteLine(again.Stderr);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Contains("resuming from", again.Stderr);
    }
}
