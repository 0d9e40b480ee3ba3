using System.CommandLine;
using System.Text.Json;
using Npga.Live.Avatar;
using Npga.Live.Avatar.Deform;
using Npga.Live.AvatarBuilder;
using Npga.Live.Core;
using Npga.Live.Media;
using Npga.Live.Onnx;

namespace Npga.Live.Cli.Commands;

/// <summary>
/// <c>npga avatar create --photo IMG --out DIR [--name NAME] [--licence TEXT] [--credit TEXT] [--prior DIR]</c>: a one-shot
/// avatar from one photo (see <see cref="OneShotAvatarBuilder"/>). Several faces: the largest is used and a note says so.
/// Exit codes: 0 written, 2 the photo cannot be used (unreadable, no face, face too small) or the output cannot be written.
/// Nothing is left at --out when it fails.
/// </summary>
internal static class AvatarCreateCommand
{
    public static Command Create()
    {
        var photo = new Option<string>("--photo") { Description = "Photo of a face (JPEG, PNG, …)", Required = true };
        var output = new Option<string>("--out") { Description = "Package folder to write (npga-avatar/1)", Required = true };
        var name = new Option<string?>("--name") { Description = "Avatar name (default: the photo's file name)" };
        var licence = new Option<string>("--licence") { Description = "Licence of the photo, recorded in the manifest", DefaultValueFactory = _ => "unknown" };
        var credit = new Option<string?>("--credit") { Description = "Credit line for the manifest (who or what is pictured, the source)" };
        var prior = new Option<string?>("--prior") { Description = "Deformation prior folder (default models/deformation/mp468-prior-v1)" };
        var cmd = new Command("create", "Build a one-shot avatar from one photo") { photo, output, name, licence, credit, prior };
        cmd.SetAction((ParseResult r, CancellationToken ct) => Task.FromResult(Run(r.GetValue(photo)!, r.GetValue(output)!, r.GetValue(name), r.GetValue(licence)!, r.GetValue(credit), r.GetValue(prior))));
        return cmd;
    }

    /// <summary>The project's default deformation prior.</summary>
    public static string DefaultPrior => Path.Combine(ContentRoot.Models, "deformation", "mp468-prior-v1");

    private static int Run(string photoPath, string outDir, string? name, string licence, string? credit, string? priorDir)
    {
        bool existed = Directory.Exists(outDir);
        try
        {
            var image = ImageFile.Read(photoPath);
            var prior = DeformationPrior.Load(priorDir ?? DefaultPrior);
            using var builder = new OneShotAvatarBuilder(prior);
            var extra = new Dictionary<string, JsonElement>();
            if (credit is not null) extra["credit"] = JsonSerializer.SerializeToElement(credit);
            var result = builder.Build(image, name ?? Path.GetFileNameWithoutExtension(photoPath), new AvatarSource { Files = [Path.GetFileName(photoPath)], Licence = licence, Extra = extra });
            builder.Write(result, outDir);
            Console.Error.WriteLine($"built {result.Manifest.Name}: {result.Canonical.Count} Gaussians ({string.Join(", ", result.Parts.Select(kv => $"{kv.Key} {kv.Value}"))}) in {result.Seconds:F2} s -> {outDir}"
                + (result.FacesInPhoto > 1 ? $"; the photo holds {result.FacesInPhoto} faces, the largest was used" : ""));
            return 0;
        }
        catch (Exception e) when (e is AvatarBuildException or MediaException or AvatarFormatException or IOException or UnauthorizedAccessException or OrtException or ArgumentException)
        {
            if (!existed && Directory.Exists(outDir)) Directory.Delete(outDir, true);
            Console.Error.WriteLine($"error: {photoPath}: {e.Message}");
            return 2;
        }
    }
}
