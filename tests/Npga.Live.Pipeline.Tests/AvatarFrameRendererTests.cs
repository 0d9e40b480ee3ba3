using Npga.Live.Core.Imaging;

namespace Npga.Live.Pipeline.Tests;

public class AvatarFrameRendererTests
{
    private static readonly double[] Identity = [1, 0, 0, 0, 1, 0, 0, 0, 1];

    [Fact]
    public void FrontView_ShowsTheHeadFrameAxesWhereTheyBelong()
    {
        using var scene = new AxesScene();
        using var r = new AvatarFrameRenderer(scene.Package, 128, 128);
        var img = new RgbImage(128, 128);
        r.Render(new float[15], [], [], r.BaseCamera, img);
        var red = AxesScene.Centroid(img, 0)!.Value; var green = AxesScene.Centroid(img, 1)!.Value; var blue = AxesScene.Centroid(img, 2)!.Value;
        Assert.True(red.X > 64 + 5, $"+x (the face's left) appears on the image's right: red at {red}");
        Assert.True(green.Y < 64 - 5, $"+y appears up: green at {green}");
        Assert.InRange(blue.X, 60, 68); // +z points at the camera: at the centre
        Assert.InRange(blue.Y, 60, 68);
    }

    [Fact]
    public void Orbit90_MovesTheCameraToThePlusXSide()
    {
        using var scene = new AxesScene();
        using var r = new AvatarFrameRenderer(scene.Package, 128, 128);
        var img = new RgbImage(128, 128);
        r.Render(new float[15], [], [], r.BaseCamera.Orbited(90, 0), img);
        var red = AxesScene.Centroid(img, 0)!.Value; var blue = AxesScene.Centroid(img, 2)!.Value;
        Assert.InRange(red.X, 60, 68);                 // +x now faces the camera
        Assert.True(blue.X < 64 - 5, $"+z appears on the left seen from +x: blue at {blue}");
        r.Render(new float[15], [], [], r.BaseCamera.Orbited(0, 60), img);
        var green = AxesScene.Centroid(img, 1)!.Value;
        Assert.True(green.Y < 64 && Math.Abs(green.Y - 64) < 0.6 * Math.Abs(red.X - 64) + 30, $"seen from above, +y is foreshortened: green at {green}");
    }

    [Fact]
    public void HeadRotation_TurnsTheHeadNotTheCamera()
    {
        using var scene = new AxesScene();
        using var r = new AvatarFrameRenderer(scene.Package, 128, 128);
        var img = new RgbImage(128, 128);
        // Head turned 90° about +y: its +z (blue) swings to world +x, which the front camera sees on the right.
        double[] ry90 = [0, 0, 1, 0, 1, 0, -1, 0, 0];
        r.Render(new float[15], ry90, [0, 0, 0], r.BaseCamera, img);
        var blue = AxesScene.Centroid(img, 2)!.Value;
        Assert.True(blue.X > 64 + 5, $"blue at {blue}");
        // A head translation moves it in the image: 5 cm up.
        r.Render(new float[15], Identity, [0, 0.05, 0], r.BaseCamera, img);
        var blueUp = AxesScene.Centroid(img, 2)!.Value;
        Assert.True(blueUp.Y < 64 - 5, $"blue at {blueUp}");
    }

    [Theory]
    [InlineData(1.0, 10.0)]
    [InlineData(10.0, 10.0)]
    [InlineData(40.0, 10.0)]
    [InlineData(170.0, 5.0)]
    public void LimitTurn_CompressesTheAngle_AboutTheSameAxis(double degrees, double range)
    {
        var axis = new[] { 0.3, -0.8, 0.52 };
        double n = Math.Sqrt(axis.Sum(a => a * a)), h = degrees * Math.PI / 360;
        var r = Npga.Live.Avatar.Rotation.MatrixFromQuaternion(Math.Cos(h), Math.Sin(h) * axis[0] / n, Math.Sin(h) * axis[1] / n, Math.Sin(h) * axis[2] / n);
        var limited = AvatarFrameRenderer.LimitTurn(r, range);
        Assert.True(Npga.Live.Avatar.Rotation.IsRotation(limited, 1e-9), "a rotation comes out");
        var (w, x, y, z) = Npga.Live.Avatar.Rotation.QuaternionFromMatrix(limited);
        if (w < 0) (w, x, y, z) = (-w, -x, -y, -z);
        double s = Math.Sqrt(x * x + y * y + z * z), angle = 2 * Math.Atan2(s, w) * 180 / Math.PI;
        Assert.Equal(range * Math.Tanh(degrees / range), angle, 6);
        Assert.True(angle <= range + 1e-9 && angle <= degrees + 1e-9, $"{degrees} deg -> {angle} deg, range {range}");
        Assert.Equal(axis[0] / n, x / s, 9); // the same axis
        Assert.Equal(axis[1] / n, y / s, 9);
        Assert.Equal(axis[2] / n, z / s, 9);
        Assert.Equal(Identity, AvatarFrameRenderer.LimitTurn(Identity, range));
    }

    [Fact]
    public void Cnn_RunsWhenThePackageHasOne_AndChangesTheImage()
    {
        using var scene = new AxesScene(cnn: true);
        using var withCnn = new AvatarFrameRenderer(scene.Package, 96, 64);
        using var plain = new AvatarFrameRenderer(scene.Package, 96, 64, useCnn: false);
        Assert.True(withCnn.UsesCnn);
        Assert.False(plain.UsesCnn);
        var a = new RgbImage(96, 64); var b = new RgbImage(96, 64);
        withCnn.Render(new float[15], [], [], withCnn.BaseCamera, a);
        plain.Render(new float[15], [], [], plain.BaseCamera, b);
        Assert.True(withCnn.LastTimings.CnnMs > 0);
        Assert.NotEqual(a.Pixels, b.Pixels);
        Assert.Throws<ArgumentException>(() => withCnn.Render(new float[14], [], [], withCnn.BaseCamera, a));
    }

    [Fact]
    public void Switching_the_cnn_off_gives_the_frame_of_a_renderer_built_without_it_and_on_again_the_refined_one()
    {
        using var scene = new AxesScene(cnn: true);
        using var r = new AvatarFrameRenderer(scene.Package, 96, 64);
        using var plain = new AvatarFrameRenderer(scene.Package, 96, 64, useCnn: false);
        r.Background = plain.Background = [0.2f, 0.5f, 0.9f];
        var refined = new RgbImage(96, 64); var off = new RgbImage(96, 64); var expected = new RgbImage(96, 64); var onAgain = new RgbImage(96, 64);
        r.Render(new float[15], [], [], r.BaseCamera, refined);
        r.RefineEnabled = false;
        Assert.False(r.UsesCnn);
        Assert.True(r.HasCnn);
        r.Render(new float[15], [], [], r.BaseCamera, off);
        Assert.Equal(0, r.LastTimings.CnnMs);
        Assert.Equal(0, r.Target.LatentChannels);
        plain.Render(new float[15], [], [], plain.BaseCamera, expected);
        Assert.Equal(expected.Pixels, off.Pixels);
        r.RefineEnabled = true;
        r.Render(new float[15], [], [], r.BaseCamera, onAgain);
        Assert.Equal(refined.Pixels, onAgain.Pixels);
        Assert.True(r.Target.LatentChannels > 0);
    }
}
