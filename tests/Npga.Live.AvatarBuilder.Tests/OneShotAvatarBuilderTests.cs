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
        if (WebcamAvatar() is not var (_, package)) { output.WriteLine("SKIPPED: ../shared/data is absent"); return; }
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

    /// <summary>
    /// Seen from behind, a webcam frame's one-shot avatar shows hair in the photo's hair colour with a texture, not a flat
    /// disc: over the middle of the upper head (the top 40% of the drawn rows, the middle 60% of each), the median colour lies
    /// within 0.1 of the photo's hair and the luminance varies (σ above 0.01). Builder version 4 painted the back one colour
    /// (σ 0.005 from the edges' blur alone); version 5 draws streaks from the rim's colours (σ 0.018).
    /// </summary>
    [Fact]
    public void WebcamFrame_BackOfTheHead_IsTexturedInThePhotosHairColour()
    {
        if (WebcamAvatar() is not var (photo, package)) { output.WriteLine("SKIPPED: ../shared/data is absent"); return; }
        // d9's last frame (512x480): the hair over the top of the head lies in rows 40-80, columns 180-300.
        var hair = OneShotAvatarBuilder.Median([.. Enumerable.Range(40, 40).SelectMany(y => Enumerable.Range(180, 120).Select(x => Pixel(photo, x, y)))]);
        using var renderer = new Npga.Live.Pipeline.AvatarFrameRenderer(package, 384, 384);
        var img = new RgbImage(384, 384);
        renderer.Render(new float[package.Manifest.ExpressionModel.K], [], [], renderer.BaseCamera.Orbited(180, 0), img);
        var rows = Enumerable.Range(0, img.Height).Where(y => Enumerable.Range(0, img.Width).Any(x => Drawn(x, y))).ToArray();
        var back = new List<(double R, double G, double B)>();
        for (int y = rows[0]; y < rows[0] + 0.4 * (rows[^1] - rows[0]); y++)
        {
            var xs = Enumerable.Range(0, img.Width).Where(x => Drawn(x, y)).ToArray();
            if (xs.Length < 2) continue;
            int w = xs[^1] - xs[0];
            for (int x = xs[0] + w / 5; x <= xs[^1] - w / 5; x++) back.Add(Pixel(img, x, y));
        }
        var median = OneShotAvatarBuilder.Median(back);
        var lum = back.Select(c => 0.299 * c.R + 0.587 * c.G + 0.114 * c.B).ToArray();
        double mean = lum.Average(), sigma = Math.Sqrt(lum.Average(l => (l - mean) * (l - mean)));
        double distance = OneShotAvatarBuilder.ColourDistance(median, hair);
        output.WriteLine($"photo's hair {hair}, back of the head {median} (distance {distance:F3}), luminance σ {sigma:F4} over {back.Count} px");
        Assert.True(back.Count > 2000, $"{back.Count} pixels");
        Assert.True(distance < 0.1, $"back of the head {median} against the photo's hair {hair}");
        Assert.True(sigma > 0.01, $"flat back of the head: luminance σ {sigma:F4}");

        bool Drawn(int x, int y) { var c = Pixel(img, x, y); return c.R + c.G + c.B > 30 / 255.0; }
    }

    /// <summary>d9's last frame and its one-shot avatar (written and loaded back), or null without ../shared/data.</summary>
    private (RgbImage Photo, AvatarPackage Package)? WebcamAvatar()
    {
        var video = RepoPaths.SharedData is { } d ? Path.Combine(d, "driving", "d9.mp4") : null;
        if (video is null || !File.Exists(video)) return null;
        RgbImage? last = null;
        using (var reader = VideoReader.Open(video))
            foreach (var f in reader.ReadAll()) last = f.Image;
        using var builder = new OneShotAvatarBuilder(Prior());
        var result = builder.Build(last!, "d9", Source("d9.mp4"));
        var dir = Path.Combine(_dir, "d9");
        builder.Write(result, dir);
        return (last!, AvatarPackage.Load(dir, "mp468-pca-v1"));
    }

    private static (double R, double G, double B) Pixel(RgbImage img, int x, int y)
    {
        int i = 3 * (y * img.Width + x);
        return (img.Pixels[i] / 255.0, img.Pixels[i + 1] / 255.0, img.Pixels[i + 2] / 255.0);
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
