using System.Text.Json.Nodes;
using Npga.Live.Avatar.Tests;
using Npga.Live.Core;

namespace Npga.Live.Training.Tests;

/// <summary>
/// One tiny training run on a real clip (../shared/data/driving/d6.mp4), shared by the end-to-end and ablation tests: 64×64,
/// 40 frames (every 10th of the first 400), 500 initial Gaussians, 30 steps with density control from step 10, F unfrozen at
/// step 15, eyeballs turning with the tracked gaze and lids closing with the code (the shipped recipe's <see cref="Rigs"/>), export, and the C# runtime's parity
/// on 2 held-out frames. Absent data: <see cref="Video"/> is null.
/// </summary>
public sealed class TrainedClip : IDisposable
{
    public static readonly string[] DataArgs =
    [
        "--size", "64", "--max-frames", "40", "--frame-stride", "10", "--gaussians", "500", "--sh-degree", "1",
        "--g-hidden", "32", "--cnn-hidden", "8", "--threads", "2", "--log-every", "5",
    ];

    /// <summary>The shipped recipe's eyeballs and lids (a resumed run passes them again).</summary>
    public static readonly string[] Rigs = ["--eyes", "--lids", "--blink-weight", "8"];

    public TrainedClip()
    {
        var shared = RepoPaths.SharedData;
        var video = shared is null ? null : Path.Combine(shared, "driving", "d6.mp4");
        if (video is null || !File.Exists(video)) return;
        Video = video;
        Dir = Fixtures.TempDir("npga-train-e2e");
        Package = Path.Combine(Dir, "main");
        Main = PythonTool.Run(PythonTool.Script("scripts/train_avatar"),
            ["--video", video, "--out", Package, .. DataArgs, "--steps", "30", "--densify-from", "10", "--densify-every", "10",
             "--f-freeze", "15", "--parity-frames", "2", "--seg-check-frames", "2", .. Rigs],
            TimeSpan.FromSeconds(300));
    }

    /// <summary>The clip, or null when ../shared/data is absent.</summary>
    public string? Video { get; }

    /// <summary>True when ../shared/data is absent (<see cref="Video"/> null), after saying so in the test's output: the test then returns, skipped.</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(false, nameof(Video))]
    public bool Absent(Xunit.Abstractions.ITestOutputHelper output)
    {
        if (Video is not null) return false;
        output.WriteLine("SKIPPED: ../shared/data absent");
        return true;
    }

    public string Dir { get; } = "";

    /// <summary>The package the main run wrote (its work/ folder holds the prepared data).</summary>
    public string Package { get; } = "";

    public PythonTool.Result? Main { get; }

    public JsonObject Manifest => JsonNode.Parse(File.ReadAllText(Path.Combine(Package, "avatar.json")))!.AsObject();

    /// <summary>A new output folder holding a copy of the main run's prepared data (so a run skips data preparation).</summary>
    public string OutWithData(string name)
    {
        var outDir = Path.Combine(Dir, name);
        Copy(Path.Combine(Package, "work", "data"), Path.Combine(outDir, "work", "data"));
        return outDir;
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }

    public void Dispose()
    {
        if (Dir.Length > 0 && Directory.Exists(Dir)) Directory.Delete(Dir, true);
    }
}

[CollectionDefinition(Name)]
public sealed class TrainedClipCollection : ICollectionFixture<TrainedClip>
{
    public const string Name = "trained clip";
}
