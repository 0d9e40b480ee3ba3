using System.Globalization;
using Npga.Live.Avatar.Deform;
using Npga.Live.Avatar.Tests;
using Xunit.Abstractions;

namespace Npga.Live.Training.Tests;

/// <summary>
/// The bridge test of issue 7: the PyTorch forward (scripts/training: F, G and the CNN evaluated from the package's ONNX files,
/// NPGA eq. 6, the differentiable rasteriser: the dense reference and the fused training kernels) and the C# runtime (`npga render`) render the same fixture package with the same
/// camera and code; their 8-bit images must agree within 45 dB PSNR.
/// </summary>
public sealed class RasterizerParityTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Fixtures.TempDir("npga-train-parity");

    public void Dispose() => Directory.Delete(_dir, true);

    [Theory]
    [InlineData(64, 64, false, false, "dense")] // splatting alone: 2000 Gaussians, SH degree 3, neutral code
    [InlineData(64, 64, true, true, "dense")]   // F, G (all attributes) and the CNN with latents, a random code
    [InlineData(80, 48, true, true, "dense")]   // non-square, partial edge tiles, resized default camera
    [InlineData(64, 64, false, false, "fused")] // the same with the fused training kernels (scripts/training/kernels)
    [InlineData(80, 48, true, true, "fused")]
    public void TorchForwardMatchesCSharpRenderer(int width, int height, bool cnn, bool randomCode, string rasterizer)
    {
        var pkg = Fixtures.Make(Path.Combine(_dir, "pkg"), "--n", "2000", "--sh-degree", "3", "--seed", "5");
        var args = new List<string> { "--avatar", pkg, "--width", width.ToString(CultureInfo.InvariantCulture),
            "--height", height.ToString(CultureInfo.InvariantCulture), "--min-psnr", "45", "--rasterizer", rasterizer };
        if (!cnn) args.Add("--no-cnn");
        if (randomCode)
        {
            var rng = new Random(3);
            var codes = Path.Combine(_dir, "codes.json");
            File.WriteAllText(codes, "[" + string.Join(",", Enumerable.Range(0, Fixtures.K).Select(_ => (rng.NextDouble() * 4 - 2).ToString("R", CultureInfo.InvariantCulture))) + "]");
            args.AddRange(["--expr", codes]);
        }
        var r = PythonTool.Run(PythonTool.Script("scripts/training/bridge.py"), args, TimeSpan.FromSeconds(120));
        output.WriteLine(r.Stdout + r.Stderr);
        var rep = r.Ok("bridge.py").Report;
        var psnr = (double)rep["psnr_db"]!; // 99 = identical 8-bit images
        Assert.True(psnr >= 45, $"PyTorch forward vs C# renderer: {psnr:F2} dB");
        Assert.True((int)rep["lit_pixels"]! > width * height / 5, "the fixture should cover a good part of the image");
    }

    /// <summary>
    /// The eyeballs (the manifest's eyes block: AvatarEyes in C#, eyes.EyeRig.offsets in PyTorch) turn the same Gaussians by
    /// the same rotations: the two renders agree within 45 dB with the gaze code given, and the gaze changes the picture.
    /// </summary>
    [Fact]
    public void TorchForwardMatchesCSharpRenderer_WithEyeballs()
    {
        var pkg = Fixtures.Make(Path.Combine(_dir, "eyes"), "--n", "2000", "--sh-degree", "1", "--seed", "5", "--no-cnn", "--eyes");
        var rng = new Random(3);
        var z = Enumerable.Range(0, Fixtures.K).Select(_ => rng.NextDouble() * 4 - 2).ToList();
        string Render(string name, double[] gaze)
        {
            var codes = Path.Combine(_dir, name + ".json");
            File.WriteAllText(codes, "[" + string.Join(",", z.Concat(gaze).Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "]");
            var outDir = Path.Combine(_dir, name);
            var r = PythonTool.Run(PythonTool.Script("scripts/training/bridge.py"), ["--avatar", pkg, "--width", "96", "--height", "96",
                "--min-psnr", "45", "--no-cnn", "--expr", codes, "--out-dir", outDir], TimeSpan.FromSeconds(120));
            output.WriteLine(r.Stdout + r.Stderr);
            var psnr = (double)r.Ok("bridge.py").Report["psnr_db"]!;
            Assert.True(psnr >= 45, $"PyTorch forward vs C# renderer with gaze {string.Join(", ", gaze)}: {psnr:F2} dB");
            return Path.Combine(outDir, "csharp.png");
        }

        var turned = Media.ImageFile.Read(Render("turned", [3.0, -2.0, -3.0, 1.5]));
        var ahead = Media.ImageFile.Read(Render("ahead", [0, 0, 0, 0]));
        var changed = 0;
        for (var i = 0; i < turned.Pixels.Length; i++)
            if (Math.Abs(turned.Pixels[i] - ahead.Pixels[i]) > 2) changed++;
        Assert.True(changed > 100, $"the gaze changed {changed} pixel values: the eyeballs did not turn");
    }
    /// <summary>
    /// The upper lids (the manifest's lids block: AvatarLids in C#, lids.LidRig in PyTorch): with codes that shut the right
    /// eye and open both wide, the caps turn, the eyeballs fade and F is withheld from both alike: within 45 dB.
    /// </summary>
    [Fact]
    public void TorchForwardMatchesCSharpRenderer_WithLids()
    {
        var pkg = Fixtures.Make(Path.Combine(_dir, "lids"), "--n", "2000", "--sh-degree", "1", "--seed", "5", "--no-cnn", "--eyes", "--lids");
        var lid = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(pkg, "avatar.json")))!["lids"]!["eyes"]![0]!;
        var b = lid["gap_b_mm"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        double a = lid["gap_a_mm"]!.GetValue<double>(), shut = lid["shut_mm"]!.GetValue<double>(), open = lid["open_mm"]!.GetValue<double>();
        var bb = b.Sum(v => v * v);
        foreach (var (name, gap) in new[] { ("shut", shut), ("wide", open + 3) })
        {
            var z = b.Select(v => (gap - a) / bb * v).Concat([1.0, -0.5, 0, 0]);
            var codes = Path.Combine(_dir, name + ".json");
            File.WriteAllText(codes, "[" + string.Join(",", z.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "]");
            var r = PythonTool.Run(PythonTool.Script("scripts/training/bridge.py"), ["--avatar", pkg, "--width", "96", "--height", "96",
                "--min-psnr", "45", "--no-cnn", "--expr", codes, "--out-dir", Path.Combine(_dir, name)], TimeSpan.FromSeconds(120));
            output.WriteLine(r.Stdout + r.Stderr);
            var psnr = (double)r.Ok("bridge.py").Report["psnr_db"]!;
            Assert.True(psnr >= 45, $"PyTorch forward vs C# renderer, the right eye {name}: {psnr:F2} dB");
        }
    }
}
