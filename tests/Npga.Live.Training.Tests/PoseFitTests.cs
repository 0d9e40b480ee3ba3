using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Npga.Live.Training.Tests;

/// <summary>
/// <c>--fit-poses-at</c> (scripts/training/posefit.py): partway through, the train frames' head poses are fitted to the frames
/// once, the corrections recorded in the manifest and kept in the checkpoint, so a resumed run trains on the corrected cameras
/// without fitting again.
/// </summary>
[Collection(TrainedClipCollection.Name)]
public sealed class PoseFitTests(TrainedClip clip, ITestOutputHelper output)
{
    [Fact]
    public void FitsTheTrainPosesOnce_RecordsThem_AndAResumedRunKeepsThem()
    {
        if (clip.Absent(output)) return;
        var dir = clip.OutWithData("posefit");
        string[] fit = ["--fit-poses-at", "0.5", "--fit-poses-every", "8", "--fit-poses-iters", "3"];
        var r = PythonTool.Run(PythonTool.Script("scripts/train_avatar"),
            ["--video", clip.Video, "--out", dir, .. TrainedClip.DataArgs, "--steps", "8", "--densify-from", "100", "--parity-frames", "0",
             .. fit, .. TrainedClip.Rigs], TimeSpan.FromSeconds(300));
        output.WriteLine(r.Stdout + r.Stderr);
        r.Ok("train_avatar --fit-poses-at");
        Assert.Contains("head poses fitted to 4 train frames", r.Stdout); // 32 train frames of the 40, every 8th
        var record = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "avatar.json")))!["training"]!["pose_fit"]!.AsObject();
        Assert.Equal(4, (int)record["fitted_frames"]!);
        Assert.True((double)record["turn_deg_median"]! > 0 && (double)record["shift_mm_median"]! > 0, record.ToJsonString());

        var resumed = PythonTool.Run(PythonTool.Script("scripts/train_avatar"),
            ["--video", clip.Video, "--out", dir, .. TrainedClip.DataArgs, "--steps", "10", "--densify-from", "100", "--parity-frames", "0",
             "--resume", .. fit, .. TrainedClip.Rigs], TimeSpan.FromSeconds(300));
        output.WriteLine(resumed.Stdout + resumed.Stderr);
        resumed.Ok("train_avatar --resume");
        Assert.Contains("at step 8", resumed.Stdout);
        Assert.DoesNotContain("head poses fitted", resumed.Stdout); // the checkpoint's corrections are applied, not fitted again
        var again = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "avatar.json")))!["training"]!["pose_fit"]!.AsObject();
        Assert.Equal(record.ToJsonString(), again.ToJsonString());
    }
}
