using Npga.Live.Avatar;
using Npga.Live.Core;
using Npga.Live.Core.Imaging;
using Npga.Live.Media;
using Npga.Live.Pipeline;
using Npga.Live.Pipeline.Live;
using Npga.Live.Tracking;
using Npga.Live.Tracking.Expression;
using Npga.Live.Tracking.Landmarks;
using Xunit.Abstractions;

namespace Npga.Live.AvatarBuilder.Tests;

/// <summary>The shipped one-shot example (models/avatars/mona-lisa, the Mona Lisa): fidelity to its painting and expression transfer.</summary>
public class MonaLisaAvatarTests(ITestOutputHelper output)
{
    private static string DefaultDir => Path.Combine(RepoPaths.Models, "avatars", "mona-lisa");

    [Fact]
    public void IsShipped_AndNamesItsSourceAndLicence()
    {
        var p = AvatarPackage.Load(DefaultDir, "mp468-pca-v1");
        Assert.Contains("Mona Lisa", p.Manifest.Name);
        Assert.Contains("s9.jpg", p.Manifest.Source.Files);
        Assert.Contains("public domain", p.Manifest.Source.Licence, StringComparison.OrdinalIgnoreCase);
        Assert.NotNull(p.Manifest.RestCode);
        Assert.InRange(p.Canonical.Count, 15_000, 60_000);
    }

    [Fact]
    public void ReproducesThePaintingInTheFaceRegion()
    {
        var photo = RepoPaths.SharedData is { } d ? Path.Combine(d, "photos", "s9.jpg") : null;
        if (photo is null || !File.Exists(photo)) { output.WriteLine("SKIPPED: ../shared/data is absent"); return; }
        var r = PhotoFidelity.Measure(AvatarPackage.Load(DefaultDir), ImageFile.Read(photo));
        output.WriteLine($"face-region PSNR {r.FacePsnr:F2} dB over {r.FacePixels} px");
        Assert.True(r.FacePsnr >= 24, $"face-region PSNR {r.FacePsnr:F2} dB");
    }

    [Fact]
    public void OpenMouthPreset_ReadsAsOpenToTheTracker()
    {
        // The live page's "open mouth" preset (a code from real tracks) rendered at 512x512 from the default camera and
        // tracked (landmarks only): the inner-lip distance read off the render must be a fair share of the expression
        // model's own opening for that code. With a dark red mouth interior the tracker took the gap between the
        // painting's pale lips for the lips and read a quarter of it; with the near-black interior about 0.4.
        var package = AvatarPackage.Load(DefaultDir);
        var id = package.Manifest.ExpressionModel.Id;
        var presets = ExpressionPresets.Load(Path.Combine(RepoPaths.Models, "expression", id, "presets.json"));
        var weights = new float[ExpressionPresets.Count];
        weights[presets.Names.ToList().IndexOf("open mouth")] = 1;
        var z = new float[presets.K];
        presets.Blend(weights, z);
        var image = new RgbImage(512, 512);
        using (var renderer = new AvatarFrameRenderer(package, 512, 512))
            renderer.Render(z, [], [], renderer.BaseCamera, image);
        using var tracker = new FaceTracker(ExpressionTransfer.ReTrackerOptions());
        var track = tracker.Track(image, 0, 0);
        Assert.True(track.Face, "the avatar's face should be found in the render");
        float read = FaceMeasures.From(track.LandmarksPx!).MouthOpen;
        var shape = new float[FaceLandmarks.Count * 3];
        ExpressionModel.LoadById(RepoPaths.Models, id).Shape(z, shape);
        float own = FaceMeasures.From(shape).MouthOpen;
        output.WriteLine($"open mouth: re-tracked inner-lip distance {read:F3} of the eye-corner distance, the expression model's {own:F3}");
        Assert.True(read >= 0.35 * own, $"the opened mouth reads {read:F3}, the model opens {own:F3}");
    }

    [Fact(Timeout = 300_000)]
    public async Task DrivenByD6_OpensItsMouthWithTheDriver()
    {
        var clip = RepoPaths.SharedData is { } d ? Path.Combine(d, "driving", "d6.mp4") : null;
        if (clip is null || !File.Exists(clip)) { output.WriteLine("SKIPPED: ../shared/data is absent"); return; }
        await Task.Yield();
        using var reader = VideoReader.Open(clip);
        // The whole clip at 512x512, the size the live server streams (subsampling frames or a smaller render lowers the
        // re-tracker's precision and with it the measure: every 2nd frame at 384x384 gave 0.72 where the whole clip at 512x512
        // gave 0.83, both with the smoothed re-tracker of then).
        var r = ExpressionTransfer.Measure(AvatarPackage.Load(DefaultDir), reader.ReadAll(), 512, 512);
        output.WriteLine($"{r.Frames} frames, avatar re-tracked in {r.AvatarFaces}: mouth {r.MouthCorrelation:F3}, eyes {r.EyeCorrelation:F3}, brows {r.BrowCorrelation:F3}");
        Assert.True(r.AvatarFaces >= 0.95 * r.Frames, "the avatar's face should be found in the renders");
        Assert.True(r.MouthCorrelation >= 0.8, $"mouth correlation {r.MouthCorrelation:F3}");
        Assert.True(r.BrowCorrelation >= 0.5, $"brow correlation {r.BrowCorrelation:F3}");
    }
}
