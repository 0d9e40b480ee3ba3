using Npga.Live.Core.Imaging;
using Npga.Live.Media;
using Xunit.Abstractions;

namespace Npga.Live.Cli.Tests;

/// <summary>`npga avatar create` on photos it cannot use: a clear error, exit code 2, and nothing left at --out.</summary>
public sealed class AvatarCreateCommandTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);
    private readonly string _dir = Directory.CreateTempSubdirectory("npga-create-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Tmp(string name) => Path.Combine(_dir, name);

    [Theory]
    [InlineData("no-face")]
    [InlineData("huge")]
    [InlineData("corrupt")]
    [InlineData("not-an-image")]
    [InlineData("missing")]
    public void UnusablePhoto_IsAClearError_AndLeavesNothing(string kind)
    {
        string photo = Tmp(kind + (kind == "not-an-image" ? ".txt" : kind == "corrupt" ? ".jpg" : ".png"));
        switch (kind)
        {
            case "no-face":
                var img = new RgbImage(320, 240);
                for (int i = 0; i < img.Span.Length; i++) img.Pixels[i] = (byte)(i % 199);
                ImageFile.WritePng(img, photo);
                break;
            case "huge": File.WriteAllBytes(photo, TestFiles.PngHeaderOnly(10000, 10000)); break;
            case "corrupt": File.WriteAllBytes(photo, [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xFF, 0xDB, 0, 0x43, 0]); break;
            case "not-an-image": File.WriteAllText(photo, "hello, I am not a photo\n"); break;
        }
        var outDir = Tmp("avatar-" + kind);
        var r = CliRunner.Run(Limit, "avatar", "create", "--photo", photo, "--out", outDir);
        output.WriteLine($"{kind}: exit {r.ExitCode}: {r.Stderr.Trim()}");
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("error:", r.Stderr.Trim());
        Assert.DoesNotContain("Unhandled exception", r.Stderr);
        Assert.False(Directory.Exists(outDir));
    }
}
