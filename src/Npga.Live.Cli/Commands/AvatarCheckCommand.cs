using System.CommandLine;
using Npga.Live.Avatar;
using Npga.Live.AvatarBuilder;
using Npga.Live.Media;

namespace Npga.Live.Cli.Commands;

/// <summary>
/// <c>npga avatar check --avatar DIR --photo IMG [--side-by-side out.png]</c>: renders a one-shot avatar at neutral from its
/// photo's camera and prints the PSNR against the photo inside the face region (see <see cref="PhotoFidelity"/>).
/// </summary>
internal static class AvatarCheckCommand
{
    public static Command Create()
    {
        var avatar = new Option<string>("--avatar") { Description = "One-shot avatar package", Required = true };
        var photo = new Option<string>("--photo") { Description = "The photo it was built from", Required = true };
        var sbs = new Option<string?>("--side-by-side") { Description = "Write photo | render | difference×4 round the head as PNG" };
        var cmd = new Command("check", "Face-region PSNR of a one-shot avatar against its photo") { avatar, photo, sbs };
        cmd.SetAction((ParseResult r, CancellationToken ct) =>
        {
            try
            {
                var result = PhotoFidelity.Measure(AvatarPackage.Load(r.GetValue(avatar)!), ImageFile.Read(r.GetValue(photo)!));
                Console.WriteLine($"face-region PSNR {result.FacePsnr:F2} dB over {result.FacePixels} pixels");
                if (r.GetValue(sbs) is { } path) ImageFile.WritePng(result.SideBySide, path);
                return Task.FromResult(0);
            }
            catch (Exception e) when (e is AvatarFormatException or MediaException or InvalidDataException or IOException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return Task.FromResult(2);
            }
        });
        return cmd;
    }
}
