using System.Diagnostics;
using System.Text.Json;
using Npga.Live.Core;
using Npga.Live.Core.Imaging;
using Npga.Live.Media;
using Xunit.Abstractions;
using static Npga.Live.Cli.Tests.ReenactTestKit;

namespace Npga.Live.Cli.Tests;

/// <summary>`npga reenact` end to end: every frame out at the input's rate, the report, a faceless stretch, Ctrl-C.</summary>
public sealed class ReenactCommandTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);
    private readonly string _dir = Directory.CreateTempSubdirectory("npga-reenact-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Tmp(string name) => Path.Combine(_dir, name);

    [Fact]
    public void RealClip_SideBySide_HasTheInputsFramesRateAndDuration_AndTheReport()
    {
        var clip = SharedClip("d0.mp4", output);
        if (clip is null) return;
        var r = CliRunner.Run(Limit, "reenact", "--avatar", FixtureAvatar, "--driving", clip, "--out", Tmp("o.mp4"),
            "--side-by-side", "--report", Tmp("r.json"), "--width", "128", "--height", "128");
        output.WriteLine(r.Stderr);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("reenacted 78 of 78 frame(s)", r.Stderr);

        using var input = VideoReader.Open(clip);
        using var result = VideoReader.Open(Tmp("o.mp4"));
        Assert.Equal((128 + 128, 128), (result.Width, result.Height)); // 512x512 driver at 128 high: a 128-wide panel
        Assert.Equal(input.FrameRate, result.FrameRate, 3);
        Assert.Equal(input.Duration!.Value.TotalSeconds, result.Duration!.Value.TotalSeconds, 2);
        var frames = result.ReadAll().ToList();
        Assert.Equal(78, frames.Count);
        // The driver is on the left: the green-screen background shows there, not on the avatar's black side.
        var f = frames[10].Image;
        int o = (5 * f.Width + 5) * 3;
        Assert.True(f.Pixels[o + 1] > f.Pixels[o] + 30, "green screen top-left");

        var rep = ReadJson(Tmp("r.json"));
        Assert.Equal(78, rep.GetProperty("frames_in").GetInt32());
        Assert.Equal(78, rep.GetProperty("frames_out").GetInt32());
        Assert.Equal(78, rep.GetProperty("faces_found").GetInt32());
        Assert.Equal(0, rep.GetProperty("frames_without_face").GetInt32());
        Assert.True(rep.GetProperty("fps").GetDouble() > 0);
        var stages = rep.GetProperty("stage_ms");
        foreach (var s in new[] { "decode", "track", "deform", "render", "refine", "encode", "measure" })
            Assert.True(stages.GetProperty(s).ValueKind == JsonValueKind.Number, s);
        Assert.True(stages.GetProperty("track").GetDouble() > 0);
        Assert.True(stages.GetProperty("render").GetDouble() > 0);
        // The fixture is not a face, so re-tracking finds none: the correlations are there, and null.
        foreach (var k in new[] { "mouth_correlation", "eye_correlation", "brow_correlation", "mouth_correlation_ci95", "eye_correlation_ci95", "brow_correlation_ci95", "fidelity_frames" })
            Assert.True(rep.TryGetProperty(k, out _), k);
        Assert.Equal(78, rep.GetProperty("fidelity_driver_faces").GetInt32());
    }

    [Fact]
    public void LongStretchWithoutAFace_EasesToNeutral_Holds_AndIsCounted()
    {
        var clip = SharedClip("d3.mp4", output);
        if (clip is null) return;
        // 25 face frames, 3 s (75 frames) of grey, 25 face frames again, at 25 fps. The avatar turns its head as the driver
        // turns away from their rest pose (the first 15 frames), so the face frames are d3's frames 120–134 (yaw ≈ 0°) and
        // then 250–259 and 260–284, where the driver has turned about 15–23° to the side.
        var real = ReadAll(clip).Select(f => f.Image).ToList();
        var grey = Solid(real[0].Width, real[0].Height, 128);
        var frames = real.Skip(120).Take(15).Concat(real.Skip(250).Take(10)).Concat(Enumerable.Repeat(grey, 75)).Concat(real.Skip(260).Take(25));
        var driving = WriteClip(Tmp("gap.mp4"), frames, 25);

        var r = CliRunner.Run(Limit, "reenact", "--avatar", FixtureAvatar, "--driving", driving, "--out", Tmp("o.mp4"),
            "--report", Tmp("r.json"), "--width", "128", "--height", "128");
        output.WriteLine(r.Stderr);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var rep = ReadJson(Tmp("r.json"));
        Assert.Equal(125, rep.GetProperty("frames_out").GetInt32());
        int noFace = rep.GetProperty("frames_without_face").GetInt32();
        Assert.InRange(noFace, 75, 80);
        Assert.Equal(125 - noFace, rep.GetProperty("faces_found").GetInt32());

        // The neutral avatar through the same pipeline and codec: a driver that never shows a face.
        var n = CliRunner.Run(Limit, "reenact", "--avatar", FixtureAvatar, "--driving", WriteClip(Tmp("grey.mp4"), Enumerable.Repeat(grey, 10), 25),
            "--out", Tmp("neutral.mp4"), "--width", "128", "--height", "128");
        Assert.True(n.ExitCode == 0, n.Stderr);
        var neutral = ReadAll(Tmp("neutral.mp4"))[9].Image;
        var outFrames = ReadAll(Tmp("o.mp4")).Select(f => f.Image).ToList();
        Assert.Equal(125, outFrames.Count);
        // 8x8 block means: what is left of the codec's error on the fixture's speckled Gaussians mostly averages out.
        double tracked = BlockMeanDiff(outFrames[20], neutral);   // the driver's turn (about 19° of yaw) and expression
        double justLost = BlockMeanDiff(outFrames[27], neutral);  // 2 frames (80 ms) after the loss: mostly the last state still
        double late = BlockMeanDiff(outFrames[95], neutral);      // 2.8 s after: neutral
        double back = BlockMeanDiff(outFrames[110], neutral);     // the face is back
        double hold = MeanAbsDiff(outFrames[90], outFrames[99]);
        output.WriteLine($"block-mean |frame − neutral|: tracked {tracked:F2}, just lost {justLost:F2}, 2.8 s later {late:F2}, face back {back:F2}; frames 90 vs 99: {hold:F2}");
        Assert.True(late < 0.6, $"the avatar is neutral after 2.8 s: {late:F2}");
        Assert.True(hold < 0.5, $"and holds: {hold:F2}");
        Assert.True(tracked > 3 * late + 1, $"the tracked frames differ from neutral: {tracked:F2}");
        Assert.True(justLost > 0.5 * tracked, $"it eases rather than snaps: {justLost:F2}");
        Assert.True(back > 3 * late + 1, $"the face is followed again when it returns: {back:F2}");
    }
    [Fact]
    public void CtrlC_StopsCleanly_AndLeavesAPlayableFileOfWhatWasDone()
    {
        // 1500 small grey frames: several seconds of work, so the interrupt lands mid-run.
        var driving = WriteClip(Tmp("long.mp4"), Enumerable.Repeat(Solid(64, 64, 90), 1500), 30);
        bool sent = false;
        var clock = Stopwatch.StartNew();
        TimeSpan sentAt = default;
        var (code, stderr) = RunWatched(Limit, (p, line) =>
        {
            // The first progress line (after 2 s) says the run is under way.
            if (sent || !line.StartsWith("reenact:", StringComparison.Ordinal)) return;
            sent = true;
            sentAt = clock.Elapsed;
            Interrupt(p.Id);
        }, "reenact", "--avatar", FixtureAvatar, "--driving", driving, "--out", Tmp("o.mp4"), "--width", "128", "--height", "128", "--report", Tmp("r.json"));
        output.WriteLine($"SIGINT at {sentAt.TotalSeconds:F1} s, exit {code} at {clock.Elapsed.TotalSeconds:F1} s\n{stderr}");
        if (!sent)
        {
            output.WriteLine("SKIPPED: the run finished before its first progress line; nothing to interrupt");
            return;
        }
        Assert.Equal(130, code);
        Assert.Contains("interrupted", stderr);
        Assert.Contains("plays", stderr);
        Assert.DoesNotContain("Unhandled", stderr);
        var frames = ReadAll(Tmp("o.mp4"));
        Assert.InRange(frames.Count, 1, 1499);
        var rep = ReadJson(Tmp("r.json"));
        Assert.True(rep.GetProperty("cancelled").GetBoolean());
        Assert.Equal(frames.Count, rep.GetProperty("frames_out").GetInt32());
        Assert.Equal(rep.GetProperty("frames_in").GetInt32(), rep.GetProperty("frames_out").GetInt32()); // what was read was written
    }

    [Fact]
    public void MonaLisa_FollowsTheDriversMouth_WithTheRealPrior()
    {
        var clip = SharedClip("d3.mp4", output);
        var prior = Path.Combine(RepoPaths.Models, "deformation", "mp468-prior-v1");
        var photo = RepoPaths.SharedData is { } d ? Path.Combine(d, "photos", "s9.jpg") : null;
        if (clip is null || photo is null) return;
        if (!Directory.Exists(prior)) { output.WriteLine($"SKIPPED: the deformation prior {prior} is absent"); return; }
        var avatar = Tmp("s9");
        var c = CliRunner.Run(Limit, "avatar", "create", "--photo", photo, "--out", avatar);
        Assert.True(c.ExitCode == 0, c.Stderr);
        var r = CliRunner.Run(Limit, "reenact", "--avatar", avatar, "--driving", clip, "--out", Tmp("o.mp4"), "--report", Tmp("r.json"), "--width", "256", "--height", "256");
        output.WriteLine(r.Stderr);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var rep = ReadJson(Tmp("r.json"));
        Assert.True(rep.GetProperty("fidelity_frames").GetInt32() > 200, "the avatar's face is re-tracked in most frames");
        Assert.Equal(JsonValueKind.Number, rep.GetProperty("mouth_correlation").ValueKind);
        double mouth = rep.GetProperty("mouth_correlation").GetDouble();
        Assert.True(mouth >= 0.6, $"mouth correlation {mouth:F3}");
        // Its 95% bootstrap interval: two numbers round the figure.
        var ci = rep.GetProperty("mouth_correlation_ci95");
        Assert.Equal(2, ci.GetArrayLength());
        double lo = ci[0].GetDouble(), hi = ci[1].GetDouble();
        Assert.True(lo <= mouth && mouth <= hi && hi <= 1 && lo < hi, $"mouth {mouth:F3} interval [{lo:F3}, {hi:F3}]");
    }
}
