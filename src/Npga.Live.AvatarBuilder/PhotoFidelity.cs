using System.Text.Json;
using Npga.Live.Avatar;
using Npga.Live.Core.Gaussians;
using Npga.Live.Core.Imaging;
using Npga.Live.Pipeline;
using Npga.Live.Tracking;

namespace Npga.Live.AvatarBuilder;

/// <summary>The result of <see cref="PhotoFidelity.Measure"/>.</summary>
/// <param name="FacePsnr">PSNR (dB, peak 255) between render and photo over the face region.</param>
/// <param name="FacePixels">Pixels in the face region.</param>
/// <param name="SideBySide">Photo crop | render crop | absolute difference ×4 with the face outline, round the head; each panel labelled.</param>
public sealed record PhotoFidelityResult(double FacePsnr, int FacePixels, RgbImage SideBySide);

/// <summary>
/// How well a one-shot avatar reproduces its photo: the avatar at neutral, rendered from the photo's camera (stored by the
/// builder in the manifest's <c>source.photo_camera</c>) at the photo's size, against the photo inside the face region —
/// the tracked face oval (MediaPipe's silhouette landmarks) of the photo.
/// </summary>
public static class PhotoFidelity
{
    /// <summary>Measures <paramref name="package"/> against <paramref name="photo"/>.</summary>
    /// <exception cref="InvalidDataException">The manifest holds no photo camera, or no face is found in the photo.</exception>
    public static PhotoFidelityResult Measure(AvatarPackage package, RgbImage photo)
    {
        var extra = package.Manifest.Source.Extra;
        if (extra is null || !extra.TryGetValue("photo_camera", out var pc))
            throw new InvalidDataException($"{package.Directory}: the manifest has no source.photo_camera (not a one-shot avatar)");
        var cam = new Camera(pc.GetProperty("width").GetInt32(), pc.GetProperty("height").GetInt32(), pc.GetProperty("fx").GetDouble(), pc.GetProperty("fy").GetDouble(),
            pc.GetProperty("cx").GetDouble(), pc.GetProperty("cy").GetDouble(), Doubles(pc.GetProperty("R")), Doubles(pc.GetProperty("t")));
        if (cam.Width != photo.Width || cam.Height != photo.Height)
            throw new InvalidDataException($"the photo is {photo.Width}x{photo.Height}; the avatar was built from a {cam.Width}x{cam.Height} photo");
        using var tracker = new FaceTracker(new TrackerOptions { Smoothing = false, ExpressionModel = "" });
        var t = tracker.Track(photo, 0, 0);
        if (!t.Face || t.LandmarksPx is null) throw new InvalidDataException("no face found in the photo");
        var poly = OneShotAvatarBuilder.FaceOval.Select(i => ((double)t.LandmarksPx[3 * i], (double)t.LandmarksPx[3 * i + 1])).ToArray();

        using var renderer = new AvatarFrameRenderer(package, cam.Width, cam.Height, useCnn: true);
        var render = new RgbImage(cam.Width, cam.Height);
        renderer.Render(new float[package.Manifest.ExpressionModel.K], [], [], cam, render);

        double se = 0; int n = 0;
        double minX = poly.Min(p => p.Item1), maxX = poly.Max(p => p.Item1), minY = poly.Min(p => p.Item2), maxY = poly.Max(p => p.Item2);
        for (int y = Math.Max(0, (int)minY); y < Math.Min(photo.Height, (int)maxY + 1); y++)
            for (int x = Math.Max(0, (int)minX); x < Math.Min(photo.Width, (int)maxX + 1); x++)
            {
                if (!OneShotAvatarBuilder.Inside(poly, x + 0.5, y + 0.5)) continue;
                int o = (y * photo.Width + x) * 3;
                for (int c = 0; c < 3; c++) { double d = photo.Pixels[o + c] - render.Pixels[o + c]; se += d * d; }
                n++;
            }
        double psnr = n == 0 ? 0 : 10 * Math.Log10(255.0 * 255.0 / (se / (3.0 * n)));

        // Side by side round the head: 1.6 face heights square.
        double faceH = maxY - minY, side = 1.6 * faceH;
        int x0 = (int)Math.Clamp((minX + maxX) / 2 - side / 2, 0, Math.Max(0, photo.Width - side)), y0 = (int)Math.Clamp((minY + maxY) / 2 - side / 2, 0, Math.Max(0, photo.Height - side));
        int s = (int)Math.Min(side, Math.Min(photo.Width - x0, photo.Height - y0));
        var sbs = new RgbImage(3 * s, s);
        for (int y = 0; y < s; y++)
            for (int x = 0; x < s; x++)
            {
                int o = ((y0 + y) * photo.Width + x0 + x) * 3;
                for (int c = 0; c < 3; c++)
                {
                    byte a = photo.Pixels[o + c], b = render.Pixels[o + c];
                    sbs.Pixels[(y * 3 * s + x) * 3 + c] = a;
                    sbs.Pixels[(y * 3 * s + s + x) * 3 + c] = b;
                    sbs.Pixels[(y * 3 * s + 2 * s + x) * 3 + c] = (byte)Math.Min(255, 4 * Math.Abs(a - b));
                }
            }
        for (int i = 1; i < poly.Length + 1; i++)
            Canvas.Line(sbs, 2 * s + poly[i - 1].Item1 - x0, poly[i - 1].Item2 - y0, 2 * s + poly[i % poly.Length].Item1 - x0, poly[i % poly.Length].Item2 - y0, 255, 230, 0);
        int label = Math.Max(8, s / 24);
        Canvas.Text(sbs, "photo", label / 2, 1.5 * label, label, 255, 255, 255);
        Canvas.Text(sbs, "render", s + label / 2, 1.5 * label, label, 255, 255, 255);
        Canvas.Text(sbs, $"|diff| x4, face {psnr:F1} dB", 2 * s + label / 2, 1.5 * label, label, 255, 255, 255);
        return new PhotoFidelityResult(psnr, n, sbs);
    }

    private static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();
}
