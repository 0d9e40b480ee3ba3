using System.Text.Json;
using System.Text.Json.Nodes;
using Npga.Live.Avatar.Tests;
using Npga.Live.Core.Imaging;
using Npga.Live.Media;
using Xunit.Abstractions;

namespace Npga.Live.Cli.Tests;

/// <summary>
/// `npga eval` end to end on real footage (../shared/data/driving/d6.mp4) with a fixture package (random Gaussians, small
/// networks: not a face, so the scores are low but must be finite), and its bad inputs.
/// </summary>
public sealed class EvalCommandTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(240);
    private readonly string _dir = Directory.CreateTempSubdirectory("npga-eval-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Tmp(string name) => Path.Combine(_dir, name);

    /// <summary>A fixture package whose training size (default camera) is 160×160, to keep the test quick.</summary>
    private string SmallAvatar()
    {
        var dir = Fixtures.Make(Tmp("avatar"), "--n", "800", "--seed", "3");
        var path = Path.Combine(dir, "avatar.json");
        var m = JsonNode.Parse(File.ReadAllText(path))!;
        var cam = m["default_camera"]!;
        cam["width"] = 160; cam["height"] = 160; cam["fx"] = 320.0; cam["fy"] = 320.0; cam["cx"] = 80.0; cam["cy"] = 80.0;
        File.WriteAllText(path, m.ToJsonString());
        return dir;
    }

    [Fact]
    public void RealFrames_AreScored_WithFiniteMetrics_AJsonReport_AndASideBySideVideo()
    {
        var clip = ReenactTestKit.SharedClip("d6.mp4", output);
        if (clip is null) return;
        var avatar = SmallAvatar();
        var r = CliRunner.Run(Limit, "eval", "--avatar", avatar, "--video", clip, "--from-frame", "100", "--to-frame", "104",
            "--json", Tmp("r.json"), "--side-by-side", Tmp("sbs.mp4"), "--picture", Tmp("p.png"), "--per-frame");
        output.WriteLine(r.Stdout);
        output.WriteLine(r.Stderr);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("frames 100..104 at 160x160", r.Stdout);
        Assert.Contains("5 of 5 frame(s) scored, 0 skipped (no face)", r.Stdout);
        Assert.Contains("frame 102: head PSNR", r.Stderr);

        using var doc = JsonDocument.Parse(File.ReadAllText(Tmp("r.json")));
        var j = doc.RootElement;
        Assert.Equal(5, j.GetProperty("frames_evaluated").GetInt32());
        Assert.Equal(0, j.GetProperty("frames_skipped_no_face").GetInt32());
        Assert.Equal(0, j.GetProperty("track_from").GetInt64());
        foreach (var name in new[] { "psnr_head_db", "ssim_head", "psnr_image_db" })
            foreach (var stat in new[] { "mean", "median" })
                Assert.True(double.IsFinite(j.GetProperty(name).GetProperty(stat).GetDouble()), $"{name}.{stat}");
        Assert.InRange(j.GetProperty("ssim_head").GetProperty("mean").GetDouble(), -1, 1);
        var pnp = j.GetProperty("pose_refinement");
        double before = pnp.GetProperty("landmark_px_error_tracker").GetDouble(), after = pnp.GetProperty("landmark_px_error_refined").GetDouble();
        Assert.True(after < before && after < 15, $"PnP landmark error {before} -> {after} px");
        var frames = j.GetProperty("frames");
        Assert.Equal(5, frames.GetArrayLength());
        Assert.Equal(100, frames[0].GetProperty("frame").GetInt64());
        Assert.Equal(9, frames[0].GetProperty("R").GetArrayLength());
        Assert.True(frames[0].GetProperty("head_pixels").GetInt32() > 1000);

        using var video = VideoReader.Open(Tmp("sbs.mp4"));
        Assert.Equal((320, 160), (video.Width, video.Height));
        Assert.Equal(5, video.ReadAll().Count());
        var picture = ImageFile.Read(Tmp("p.png")); // frames 100, 101, 103, 104, each a row: real | rendered
        Assert.Equal((320, 4 * 160), (picture.Width, picture.Height));
    }

    [Theory]
    [InlineData("unreadable-video", "cannot read video")]
    [InlineData("missing-video", "file not found")]
    [InlineData("not-an-avatar", "not a usable avatar package")]
    [InlineData("range-after-the-end", "outside")]
    [InlineData("range-reversed", "before --from-frame")]
    [InlineData("no-face", "no face in any frame")]
    public void BadInput_IsAClearErrorWithExitCode2(string kind, string message)
    {
        string avatar = kind == "not-an-avatar" ? Directory.CreateDirectory(Tmp("empty")).FullName : SmallAvatar();
        string video;
        string from = "0", to = "2";
        switch (kind)
        {
            case "unreadable-video":
                video = Tmp("junk.mp4");
                File.WriteAllText(video, "this is not a video");
                break;
            case "missing-video":
                video = Tmp("absent.mp4");
                break;
            case "no-face":
                video = Tmp("grey.mp4");
                using (var w = VideoWriter.Create(video, 160, 120, 25))
                {
                    var grey = new RgbImage(160, 120);
                    grey.Span.Fill(127);
                    for (int i = 0; i < 6; i++) w.Write(grey);
                    w.Complete();
                }
                break;
            default:
                video = Tmp("short.mp4");
                using (var w = VideoWriter.Create(video, 64, 64, 25))
                {
                    for (int i = 0; i < 4; i++) w.Write(new RgbImage(64, 64));
                    w.Complete();
                }
                if (kind == "range-after-the-end") (from, to) = ("50", "60");
                if (kind == "range-reversed") (from, to) = ("3", "1");
                break;
        }
        var r = CliRunner.Run(Limit, "eval", "--avatar", avatar, "--video", video, "--from-frame", from, "--to-frame", to);
        output.WriteLine(r.Stderr);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error:", r.Stderr);
        Assert.Contains(message, r.Stderr);
    }

    [Fact]
    public void RangeEndingJustAfterTheVideo_IsCaughtAfterDecoding()
    {
        // The container's frame-count estimate lets one frame past the end through; the frames read then tell.
        var video = Tmp("four.mp4");
        using (var w = VideoWriter.Create(video, 64, 64, 25))
        {
            for (int i = 0; i < 4; i++) w.Write(new RgbImage(64, 64));
            w.Complete();
        }
        var avatar = SmallAvatar();
        foreach (var (from, to) in new[] { ("1", "4"), ("4", "4") })
        {
            var r = CliRunner.Run(Limit, "eval", "--avatar", avatar, "--video", video, "--from-frame", from, "--to-frame", to);
            output.WriteLine(r.Stderr);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("the video has 4 frame(s) (0..3)", r.Stderr);
            Assert.Contains("outside", r.Stderr);
        }
    }
}
