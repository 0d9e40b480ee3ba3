using System.Globalization;
using System.Text.Json.Nodes;
using Npga.Live.Avatar;
using Npga.Live.Core;
using Xunit.Abstractions;

namespace Npga.Live.Cli.Tests;

/// <summary>
/// The shipped trained avatars (models/avatars/default from d6, d9, d14; `npga avatar train` on 2 CPU cores): complete
/// packages that credit their clip and record their training and held-out scores, small enough to ship, and scored again
/// by the C# side (`npga eval`, independent of the trainer) within 0.5 dB of the trainer's own held-out PSNR; and the default
/// driven by another person (cross-reenactment by d3) opens and closes its mouth with the driver's.
/// </summary>
public sealed class TrainedAvatarsTests(ITestOutputHelper output)
{
    public static TheoryData<string, string> Shipped => new() { { "default", "d6.mp4" }, { "d9", "d9.mp4" }, { "d14", "d14.mp4" } };

    private static string Dir(string id) => Path.Combine(RepoPaths.Models, "avatars", id);

    private static JsonNode Manifest(string id) => JsonNode.Parse(File.ReadAllText(Path.Combine(Dir(id), "avatar.json")))!;

    [Theory]
    [MemberData(nameof(Shipped))]
    public void IsATrainedPackage_ThatCreditsItsClip_AndRecordsItsScores(string id, string clip)
    {
        var package = AvatarPackage.Load(Dir(id), "mp468-pca-v1");
        Assert.True(package.HasG && package.HasCnn, "a trained avatar carries F, G and the CNN");
        var m = Manifest(id);
        Assert.Contains(clip, m["source"]!["files"]!.AsArray().Select(f => (string?)f));
        Assert.Contains("LivePortrait", (string?)m["source"]!["credit"]);
        Assert.Contains("MIT", (string?)m["source"]!["licence"]);
        var heldOut = m["metrics"]!["held_out"]!;
        Assert.InRange((double)heldOut["psnr_head_db"]!, 10, 60);
        Assert.True((int)heldOut["frames"]! >= 100, "scored on the held-out last 20% of the clip");
        Assert.True((double)m["training"]!["seconds"]! <= 3600, "trained within the hour");
        Assert.True((double)m["metrics"]!["runtime_parity"]!["psnr_db_min"]! >= 45, "the C# runtime renders it as trained");
        long bytes = Directory.GetFiles(Dir(id)).Sum(f => new FileInfo(f).Length);
        output.WriteLine($"{id}: {package.Canonical.Count} Gaussians, {bytes / 1e6:F1} MB, held-out PSNR {(double)heldOut["psnr_head_db"]!:F2} dB");
        Assert.True(bytes <= 50_000_000, $"{id} is {bytes / 1e6:F1} MB");
        Assert.False(Directory.Exists(Path.Combine(Dir(id), "work")), "training data and checkpoints stay out of the shipped package");
    }

    [Fact]
    public void DefaultAvatar_ScoredByTheCSharpEvaluator_AgreesWithTheTrainer()
    {
        var clip = ReenactTestKit.SharedClip("d6.mp4", output);
        if (clip is null) return;
        var m = Manifest("default");
        var range = m["training"]!["held_out_frames"]!.AsArray();
        double trainer = (double)m["metrics"]!["held_out"]!["psnr_head_db"]!;
        var json = Path.Combine(Directory.CreateTempSubdirectory("npga-eval-default-").FullName, "eval.json");
        var r = CliRunner.Run(TimeSpan.FromMinutes(8), "eval", "--avatar", Dir("default"), "--video", clip,
            "--from-frame", ((long)range[0]!).ToString(CultureInfo.InvariantCulture), "--to-frame", ((long)range[1]!).ToString(CultureInfo.InvariantCulture),
            "--json", json);
        output.WriteLine(r.Stdout + r.Stderr);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var e = JsonNode.Parse(File.ReadAllText(json))!;
        double csharp = (double)e["psnr_head_db"]!["mean"]!;
        Assert.True(Math.Abs(csharp - trainer) <= 0.5, $"npga eval {csharp:F2} dB, the trainer {trainer:F2} dB");
        Directory.Delete(Path.GetDirectoryName(json)!, true);
    }

    [Fact]
    public void DefaultAvatar_DrivenByAnotherPerson_FollowsTheirMouth()
    {
        var clip = ReenactTestKit.SharedClip("d3.mp4", output);
        if (clip is null) return;
        var dir = Directory.CreateTempSubdirectory("npga-reenact-default-").FullName;
        try
        {
            var r = CliRunner.Run(TimeSpan.FromMinutes(8), "reenact", "--avatar", Dir("default"), "--driving", clip, "--out", Path.Combine(dir, "o.mp4"),
                "--report", Path.Combine(dir, "r.json"), "--width", "256", "--height", "256");
            output.WriteLine(r.Stderr);
            Assert.True(r.ExitCode == 0, r.Stderr);
            var rep = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "r.json")))!;
            Assert.True((int)rep["fidelity_frames"]! > 200, "the avatar's face is re-tracked in most frames");
            double mouth = (double)rep["mouth_correlation"]!; // the re-tracked inner-lip distance against the driver's
            Assert.True(mouth >= 0.6, $"mouth correlation {mouth:F3}");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
