using Npga.Live.Core;
using Npga.Live.Pipeline.Live;
using Npga.Live.Pipeline.Reenact;
using Npga.Live.Server.Avatars;
using Npga.Live.Server.Sessions;
using Npga.Live.Tracking;
using Npga.Live.Tracking.Expression;

namespace Npga.Live.Server.Tests;

public class ControlsAndAssetsTests
{
    [Fact]
    public void Controls_clamp_the_view_and_normalise_the_pad()
    {
        var c = new LiveControls();
        c.SetView(200, -90);
        Assert.Equal((LiveControls.MaxYawDeg, -LiveControls.MaxPitchDeg), (c.Snapshot.YawDeg, c.Snapshot.PitchDeg));
        c.SetExpression([1, 1, 0, 2], 0.5);
        Assert.Equal([0.25f, 0.25f, 0f, 0.5f], c.Snapshot.PadWeights!);
        Assert.Equal(0.5, c.Snapshot.PadMix);
        c.SetExpression(null, 1);
        Assert.Null(c.Snapshot.PadWeights);
        Assert.Equal(0, c.Snapshot.PadMix);
        Assert.Throws<ArgumentException>(() => c.SetView(double.NaN, 0));
        Assert.Throws<ArgumentException>(() => c.SetExpression([1, 0, 0], 0.5));
        Assert.Throws<ArgumentException>(() => c.SetExpression([0, 0, 0, 0], 0.5));
        Assert.Throws<ArgumentException>(() => c.SetExpression([-1, 2, 0, 0], 0.5));
        Assert.Throws<ArgumentException>(() => c.SetExpression([1, 0, 0, 0], 1.5));
        Assert.Throws<ArgumentException>(() => c.RequestAvatar(" "));
    }

    [Fact]
    public void The_shipped_presets_fit_the_expression_model_and_blend_bilinearly()
    {
        var path = Path.Combine(RepoPaths.Models, "expression", TrackerOptions.DefaultExpressionModelId, "presets.json");
        var p = ExpressionPresets.Load(path);
        var model = ExpressionModel.Load(Path.Combine(RepoPaths.Models, "expression", TrackerOptions.DefaultExpressionModelId));
        Assert.Equal(model.Id, p.ExpressionModelId);
        Assert.Equal(model.K, p.K);
        Assert.Equal(["neutral", "smile", "open mouth", "surprise"], p.Names);
        var z = new float[p.K];
        p.Blend([1, 0, 0, 0], z);
        Assert.All(z, v => Assert.Equal(0f, v)); // the neutral corner is the model's neutral
        var open = new float[p.K];
        p.Blend([0, 0, 1, 0], open);
        Assert.True(open.Sum(v => v * v) > 1, "the open-mouth preset is (near) neutral");
        var half = new float[p.K];
        p.Blend([0.5f, 0, 0.5f, 0], half);
        for (int k = 0; k < p.K; k++) Assert.Equal(0.5f * open[k], half[k], 5);
    }

    [Fact]
    public void Damaged_presets_are_refused_with_the_file_named()
    {
        var tmp = Path.GetTempFileName();
        try
        {
            File.WriteAllText(tmp, "{\"expression_model\": \"x\", \"presets\": [{\"name\": \"a\", \"z\": [1]}]}");
            var e = Assert.Throws<InvalidDataException>(() => ExpressionPresets.Load(tmp));
            Assert.Contains(tmp, e.Message);
            File.WriteAllText(tmp, "not json");
            Assert.Throws<InvalidDataException>(() => ExpressionPresets.Load(tmp));
        }
        finally
        {
            File.Delete(tmp);
        }
        Assert.Throws<FileNotFoundException>(() => ExpressionPresets.Load("/nonexistent/presets.json"));
    }

    [Fact]
    public void The_catalog_offers_packages_of_the_trackers_model_and_names_what_it_skips()
    {
        var dir = Directory.CreateTempSubdirectory("npga-catalog-").FullName;
        try
        {
            var src = Path.Combine(RepoPaths.Models, "avatars", "mona-lisa");
            var ok = Directory.CreateDirectory(Path.Combine(dir, "mona")).FullName;
            foreach (var f in Directory.GetFiles(src)) File.Copy(f, Path.Combine(ok, Path.GetFileName(f)));
            Directory.CreateDirectory(Path.Combine(dir, "empty"));
            var bad = Directory.CreateDirectory(Path.Combine(dir, "broken")).FullName;
            File.WriteAllText(Path.Combine(bad, "avatar.json"), "{ not json");
            Directory.CreateDirectory(Path.Combine(dir, "has space"));
            var catalog = new AvatarCatalog(dir, TrackerOptions.DefaultExpressionModelId);
            Assert.Equal(["mona"], catalog.Entries.Select(e => e.Id));
            Assert.Contains("Leonardo", catalog.Entries[0].Credit);
            Assert.Contains(catalog.Skipped, s => s.StartsWith("broken:"));
            Assert.Contains(catalog.Skipped, s => s.StartsWith("empty:"));
            Assert.Equal(Npga.Live.Avatar.GaussianPly.Read(Path.Combine(src, "canonical.ply")).Count, catalog.Get("mona").Canonical.Count);
            Assert.Same(catalog.Get("mona"), catalog.Get("mona")); // loaded once, shared
            Assert.Throws<KeyNotFoundException>(() => catalog.Get("broken"));
            Assert.False(AvatarCatalog.IsValidId("../x"));
            Assert.False(AvatarCatalog.IsValidId(""));
            Assert.True(AvatarCatalog.IsValidId("girl_with-pearl2"));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Stun_and_turn_urls_become_rtc_ice_servers()
    {
        var list = SessionManager.BuildIceServers(new LiveOptions { StunServers = ["stun://stun.example.org:3478"], TurnServers = ["turn://user:p%40ss@turn.example.org:5349"] });
        Assert.Equal("stun:stun.example.org:3478", list[0].Urls[0]);
        Assert.Equal(("turn:turn.example.org:5349", "user", "p@ss"), (list[1].Urls[0], list[1].Username, list[1].Credential));
        Assert.Throws<FormatException>(() => SessionManager.BuildIceServers(new LiveOptions { TurnServers = ["turn://turn.example.org"] }));
        Assert.Throws<FormatException>(() => SessionManager.BuildIceServers(new LiveOptions { StunServers = ["http://x"] }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LiveOptions { MaxSessions = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new LiveOptions { MaxMessageBytes = 1000 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new LiveOptions { MaxRenderLoad = -0.1 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new LiveOptions { MaxRenderLoad = double.NaN }.Validate());
        new LiveOptions { MaxRenderLoad = 0 }.Validate(); // off
    }

    [Fact]
    public void The_render_load_is_the_render_time_of_the_window_over_its_length()
    {
        var window = new StageWindow();
        Assert.Null(window.RenderLoad(TimeSpan.FromSeconds(2)));
        // 10 frames of 40 + 50 + 10 ms (deform, render, refine) within 2 s: 1000 ms of 2000
        for (int i = 0; i < 10; i++) window.Add(new ReenactStageMs(0, 5, 40, 50, 10, 0, 0, 0), 3, 200);
        Assert.Equal(0.5, window.RenderLoad(TimeSpan.FromSeconds(2))!.Value, 3);
        Assert.Equal(0.25, window.RenderLoad(TimeSpan.FromSeconds(4))!.Value, 3);
        // a full ring inside the window is measured over the age of its oldest frame: 64 frames just now are far over 1
        for (int i = 0; i < StageWindow.Capacity; i++) window.Add(new ReenactStageMs(0, 5, 40, 50, 10, 0, 0, 0), 3, 200);
        Assert.True(window.RenderLoad(TimeSpan.FromSeconds(2)) > 1);
    }
}
