using Npga.Live.Core.Imaging;
using Npga.Live.Tracking.Crop;
using Npga.Live.Tracking.Geometry;

namespace Npga.Live.Tracking.Tests;

public class GeometryTests
{
    [Fact]
    public void CropToImage_MapsCropCentreToRectCentre_AndAxesAlongTheAngle()
    {
        var rect = new RotatedRect(100, 50, 64, Math.PI / 2);
        var m = rect.CropToImage(32);
        var (x, y) = m.Apply(16, 16);
        Assert.Equal(100, x, 9);
        Assert.Equal(50, y, 9);
        // +u in the crop goes along (cos a, sin a) = (0, 1) in the image, 2 image px per crop px.
        var (dx, dy) = m.ApplyLinear(1, 0);
        Assert.Equal(0, dx, 9);
        Assert.Equal(2, dy, 9);
        Assert.Equal(2, m.Scale, 9);
    }

    [Fact]
    public void Affine_InverseUndoesTheMap()
    {
        var m = new RotatedRect(12.5, -3, 40, 0.7).CropToImage(192);
        var inv = m.Inverse();
        var (x, y) = m.Apply(17, 123);
        var (u, v) = inv.Apply(x, y);
        Assert.Equal(17, u, 9);
        Assert.Equal(123, v, 9);
    }

    [Fact]
    public void Enclosing_OfARotatedSquare_RecoversItsCentreAndSide()
    {
        double a = 0.4, c = Math.Cos(a), s = Math.Sin(a);
        var pts = new List<float>();
        foreach (var (u, v) in new[] { (-10.0, -10.0), (10.0, -10.0), (10.0, 10.0), (-10.0, 10.0), (0.0, 3.0) })
        {
            pts.Add((float)(50 + c * u - s * v));
            pts.Add((float)(70 + s * u + c * v));
        }
        var r = RotatedRect.Enclosing(pts.ToArray(), a, 1.5);
        Assert.Equal(50, r.CenterX, 3);
        Assert.Equal(70, r.CenterY, 3);
        Assert.Equal(30, r.Size, 3);
    }

    [Fact]
    public void Warp_IdentityMapReproducesPixels_AndOutsideIsBlack()
    {
        var img = new RgbImage(7, 5);
        var rnd = new Random(1);
        rnd.NextBytes(img.Span);
        var identity = new Affine2(1, 0, 0, 1, 0, 0);
        var dst = new float[7 * 7 * 3];
        ImageWarp.WarpBilinear(img, identity, 7, 1, 0, dst);
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 7; x++)
                for (int ch = 0; ch < 3; ch++)
                    Assert.Equal(img.Pixels[y * 21 + x * 3 + ch], dst[(y * 7 + x) * 3 + ch], 3);
        // rows 5 and 6 lie below the image: black after gain/bias.
        Assert.All(dst.AsSpan(5 * 7 * 3).ToArray(), v => Assert.Equal(0, v));
    }

    [Fact]
    public void Warp_Rotation90_TransposesAPattern()
    {
        var img = new RgbImage(4, 4);
        img.Pixels[(0 * 4 + 3) * 3] = 255; // red at (x=3, y=0)
        // Rect covering the image, +x axis pointing down the image (angle 90°).
        var m = new RotatedRect(2, 2, 4, Math.PI / 2).CropToImage(4);
        var dst = new float[4 * 4 * 3];
        ImageWarp.WarpBilinear(img, m, 4, 1, 0, dst);
        // Crop (u, v) samples image centre + (u-2+.5)·(0,1) + (v-2+.5)·(-1,0): image (x=3, y=0) comes from u=0, v=0.
        Assert.Equal(255, dst[0], 3);
        Assert.Equal(0, dst[3], 3);
    }

    [Fact]
    public void Similarity_RecoversAKnownTransform()
    {
        var rnd = new Random(3);
        var x = new float[60 * 3];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rnd.NextDouble() - 0.5);
        var truth = new SimilarityTransform { S = 230 };
        truth.SetRotationFromQuaternion(0.9, 0.2, -0.3, 0.1);
        truth.T[0] = 10; truth.T[1] = -20; truth.T[2] = 5;
        var y = new float[x.Length];
        truth.Apply(x, y);
        var fit = new SimilarityTransform();
        fit.Fit(x, y, Enumerable.Range(0, 60).ToArray());
        Assert.Equal(230, fit.S, 2);
        for (int i = 0; i < 9; i++) Assert.Equal(truth.R[i], fit.R[i], 4);
        for (int i = 0; i < 3; i++) Assert.Equal(truth.T[i], fit.T[i], 2);
    }
}
