using Npga.Live.Avatar;
using Npga.Live.Avatar.Deform;
using Npga.Live.Core;
using Npga.Live.Core.Imaging;
using Npga.Live.Media;
using Xunit.Abstractions;

namespace Npga.Live.AvatarBuilder.Tests;

public sealed class OneShotAvatarBuilderTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("npga-oneshot-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static DeformationPrior Prior() => DeformationPrior.Load(Path.Combine(RepoPaths.Models, "deformation", "mp468-prior-v1"));

    private static string? Photo(string name) => RepoPaths.SharedData is { } d && File.Exists(Path.Combine(d, "photos", name)) ? Path.Combine(d, "photos", name) : null;

    private static AvatarSource Source(string file) => new() { Files = [file], Licence = "test" };

    [Fact]
    public void MonaLisa_BuildsFast_AndReproducesThePhotoInTheFaceRegion()
    {
        var path = Photo("s9.jpg");
        if (path is null) { output.WriteLine("SKIPPED: ../shared/data is absent"); return; }
        var photo = ImageFile.Read(path);
        using var builder = new OneShotAvatarBuilder(Prior());
        builder.Build(photo, "warm-up", Source("s9.jpg"));
        var result = builder.Build(photo, "Mona Lisa", Source("s9.jpg"));
        output.WriteLine($"{result.Canonical.Count} Gaussians in {result.Seconds:F2} s: {string.Join(", ", result.Parts.Select(kv => $"{kv.Key} {kv.Value}"))}");
        Assert.True(result.Seconds < 5, $"build took {result.Seconds:F2} s");
        Assert.InRange(result.Canonical.Count, 15_000, 60_000);
        Assert.All(new[] { "face", "eyes", "mouth", "teeth", "head", "back", "sides" }, k => Assert.True(result.Parts[k] > 0, k));
        var dir = Path.Combine(_dir, "s9");
        builder.Write(result, dir);
        var package = AvatarPackage.Load(dir, "mp468-pca-v1");
        var fidelity = PhotoFidelity.Measure(package, photo);
        output.WriteLine($"face-region PSNR {fidelity.FacePsnr:F2} dB over {fidelity.FacePixels} px");
        Assert.True(fidelity.FacePsnr >= 24, $"face-region PSNR {fidelity.FacePsnr:F2} dB");
        Assert.True(fidelity.FacePixels > 10_000);
    }

    /// <summary>
    /// A webcam frame's one-shot avatar turned 45° either way is a closed head: on each image row, between the leftmost and
    /// the rightmost drawn pixel, almost no background shows. Builder version 3 left the background visible between the
    /// cheek's edge and the proxy behind it and between the jaw and the neck (d9's last frame: 1.25% and 1.80% of those
    /// pixels; version 4: 0.03% and 0.10%).
    /// </summary>
    [Fact]
    public void WebcamFrame_TurnedHead_ShowsNoBackgroundInside()
    {
        var video = RepoPaths.SharedData is { } d ? Path.Combine(d, "driving", "d9.mp4") : null;
        if (video is null || !File.Exists(video)) { output.WriteLine("SKIPPED: ../shared/data is absent"); return; }
        RgbImage? last = null;
        using (var reader = VideoReader.Open(video))
            foreach (var f in reader.ReadAll()) last = f.Image;
        using var builder = new OneShotAvatarBuilder(Prior());
        var result = builder.Build(last!, "d9", Source("d9.mp4"));
        var dir = Path.Combine(_dir, "d9");
        builder.Write(result, dir);
        var package = AvatarPackage.Load(dir, "mp468-pca-v1");
        using var renderer = new Npga.Live.Pipeline.AvatarFrameRenderer(package, 384, 384);
        var img = new RgbImage(384, 384);
        foreach (double yaw in new[] { -45.0, 45.0 })
        {
            renderer.Render(new float[package.Manifest.ExpressionModel.K], [], [], renderer.BaseCamera.Orbited(yaw, 0), img);
            long holes = 0, span = 0;
            var px = img.Pixels;
            for (int y = 0; y < img.Height; y++)
            {
                int first = -1, lastX = -1;
                for (int x = 0; x < img.Width; x++)
                    if (Drawn(x, y)) { if (first < 0) first = x; lastX = x; }
                if (first < 0 || lastX == first) continue;
                for (int x = first; x <= lastX; x++) { span++; if (!Drawn(x, y)) holes++; }
            }
            double share = (double)holes / span;
            output.WriteLine($"yaw {yaw}: {holes} background pixels of {span} inside the head's rows ({100 * share:F2}%)");
            Assert.True(share < 0.005, $"yaw {yaw}: {100 * share:F2}% background inside the head");

            bool Drawn(int x, int y) { int i = 3 * (y * img.Width + x); return px[i] + px[i + 1] + px[i + 2] > 30; }
        }
    }

    [Fact]
    public void GreyScalePhoto_Builds_AndTheAvatarIsGrey()
    {
        var path = Photo("s9.jpg");
        if (path is null) { output.WriteLine("SKIPPED: ../shared/data is absent"); return; }
        var photo = ImageFile.Read(path);
        var px = photo.Span;
        for (int i = 0; i < px.Length; i += 3) { byte g = (byte)((px[i] * 77 + px[i + 1] * 150 + px[i + 2] * 29) >> 8); px[i] = px[i + 1] = px[i + 2] = g; }
        using var builder = new OneShotAvatarBuilder(Prior());
        var r = builder.Build(photo, "grey", Source("grey.png"));
        var sh = r.Canonical.Sh;
        for (int i = 0; i < r.Canonical.Count; i += 97)
            Assert.True(Math.Abs(sh[3 * i] - sh[3 * i + 1]) < 0.05 || i >= r.Parts["face"], "face colours should be grey");
    }

    [Fact]
    public void TwoFaces_TheLargestIsUsed()
    {
        var big = Photo("s9.jpg");
        var other = Photo("s5.jpg");
        if (big is null || other is null) { output.WriteLine("SKIPPED: ../shared/data is absent"); return; }
        var a = ImageFile.Read(big);   // 720x1280
        var b = ImageFile.Read(other); // 720x720, pasted at half size
        var canvas = new RgbImage(a.Width + 360, a.Height);
        for (int y = 0; y < a.Height; y++) a.Row(y).CopyTo(canvas.Row(y));
        for (int y = 0; y < 360; y++)
            for (int x = 0; x < 360; x++)
                for (int c = 0; c < 3; c++)
                    canvas.Pixels[((200 + y) * canvas.Width + a.Width + x) * 3 + c] = b.Pixels[((2 * y) * b.Width + 2 * x) * 3 + c];
        using var builder = new OneShotAvatarBuilder(Prior());
        var r = builder.Build(canvas, "two", Source("two.png"));
        Assert.Equal(2, r.FacesInPhoto);
        // The photo camera centres on the large face (left part of the canvas).
        Assert.True(r.Manifest.DefaultCamera.Cx > 0);
        var crop = r.Manifest.Source.Extra!["crop"].GetProperty("center")[0].GetDouble();
        Assert.True(crop < a.Width, $"crop centre x {crop}");
    }

    [Fact]
    public void NoFace_AndATinyFace_AreClearErrors()
    {
        using var builder = new OneShotAvatarBuilder(Prior());
        var grad = new RgbImage(400, 300);
        for (int i = 0; i < grad.Span.Length; i++) grad.Pixels[i] = (byte)(i % 251);
        var e = Assert.Throws<AvatarBuildException>(() => builder.Build(grad, "x", Source("x")));
        Assert.Contains("no face", e.Message);
        var path = Photo("s9.jpg");
        if (path is null) { output.WriteLine("SKIPPED (tiny face): ../shared/data is absent"); return; }
        var photo = ImageFile.Read(path);
        int f = 8, w = photo.Width / f, h = photo.Height / f;
        var tiny = new RgbImage(w, h);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) for (int c = 0; c < 3; c++) tiny.Pixels[(y * w + x) * 3 + c] = photo.Pixels[((y * f) * photo.Width + x * f) * 3 + c];
        var t = Assert.ThrowsAny<Exception>(() => builder.Build(tiny, "tiny", Source("tiny")));
        Assert.True(t is AvatarBuildException, t.ToString());
        output.WriteLine($"tiny face: {t.Message}");
        Assert.Matches("too small|no face", t.Message);
    }
}
