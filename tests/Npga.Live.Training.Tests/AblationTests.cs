using System.Text;
using Npga.Live.Avatar;
using Xunit.Abstractions;

namespace Npga.Live.Training.Tests;

/// <summary>The ablation switches of scripts/train_avatar produce complete packages of the right structure (a few steps each).</summary>
[Collection(TrainedClipCollection.Name)]
public sealed class AblationTests(TrainedClip clip, ITestOutputHelper output)
{
    [Theory]
    [InlineData("features-laplacian", new[] { "--no-features", "--no-laplacian" })]
    [InlineData("cnn-vanilla", new[] { "--no-cnn", "--density-control", "vanilla", "--opacity-reset-every", "4" })]
    public void SwitchesProducePackages(string name, string[] switches)
    {
        if (clip.Absent(output)) return;
        var dir = clip.OutWithData(name);
        var r = PythonTool.Run(PythonTool.Script("scripts/train_avatar"),
            ["--video", clip.Video, "--out", dir, .. TrainedClip.DataArgs, "--steps", "6", "--densify-from", "3", "--densify-every", "3",
             "--f-freeze", "3", "--parity-frames", "1", .. switches], TimeSpan.FromSeconds(300));
        output.WriteLine(r.Stdout + r.Stderr);
        r.Ok("train_avatar " + string.Join(' ', switches));
        Assert.Contains("data: cached", r.Stdout);

        var m = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "avatar.json")))!.AsObject();
        var ab = m["training"]!["ablations"]!.AsObject();
        var noCnn = switches.Contains("--no-cnn");
        Assert.Equal(!switches.Contains("--no-features"), (bool)ab["features"]!);
        Assert.Equal(!switches.Contains("--no-laplacian"), (bool)ab["laplacian"]!);
        Assert.Equal(!noCnn, (bool)ab["cnn"]!);
        Assert.Equal(switches.Contains("vanilla") ? "vanilla" : "npga", (string)ab["density_control"]!);
        Assert.Equal(!noCnn, File.Exists(Path.Combine(dir, "cnn.onnx")));
        Assert.Equal(noCnn ? 0 : 4, (int)m["latent_dim"]!);
        var header = PlyHeader(Path.Combine(dir, "canonical.ply"));
        Assert.Equal(!noCnn, header.Contains("property float latent_0"));
        Assert.Contains("property float feat_7", header);
        Assert.True((double)m["metrics"]!["runtime_parity"]!["psnr_db_min"]! >= 45);

        var package = AvatarPackage.Load(dir, "mp468-pca-v1");
        Assert.True(package.HasG);
        Assert.Equal(!noCnn, package.HasCnn);
    }

    private static string PlyHeader(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var text = Encoding.ASCII.GetString(bytes, 0, Math.Min(bytes.Length, 4096));
        return text[..(text.IndexOf("end_header", StringComparison.Ordinal) + 10)];
    }
}
