using Npga.Live.Avatar;
using Npga.Live.Avatar.Deform;
using Npga.Live.Core.Gaussians;

namespace Npga.Live.GpuCheck;

/// <summary>The avatar packages under a folder (every sub-folder with an avatar.json), by name.</summary>
internal static class Avatars
{
    /// <summary>Gaussians kept per avatar in a dry run (ILGPU's CPU accelerator takes seconds per frame of a whole avatar).</summary>
    public const int DryGaussians = 1200;

    /// <summary>The package folders, sorted by name.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist or holds no package.</exception>
    public static string[] Folders(string dir)
    {
        var found = Directory.GetDirectories(dir)
            .Where(d => File.Exists(Path.Combine(d, AvatarManifest.FileName)))
            .OrderBy(d => d, StringComparer.Ordinal)
            .ToArray();
        return found.Length > 0 ? found : throw new DirectoryNotFoundException($"no avatar packages (folders with {AvatarManifest.FileName}) under {dir}");
    }

    /// <summary>
    /// Loads a package; in a dry run, a thinned copy instead: every k-th Gaussian, about <see cref="DryGaussians"/> of them,
    /// saved with the package's networks into a temporary folder (F, G and the CNN take any N) and loaded from there; the
    /// eyes' and lids' member lists keep the members kept, renumbered.
    /// </summary>
    public static AvatarPackage Load(string dir, bool dry)
    {
        var package = AvatarPackage.Load(dir);
        if (!dry || package.Canonical.Count <= DryGaussians) return package;
        int k = Stride(package.Canonical.Count, DryGaussians);
        var thin = Thin(package.Canonical, k);
        var m = package.Manifest;
        var manifest = m with
        {
            Eyes = m.Eyes is { } eyes ? eyes with { Eyes = [.. eyes.Eyes.Select(e => Kept(e, k))] } : null,
            Lids = m.Lids is { } lids ? lids with { Eyes = [.. lids.Eyes.Select(l => l with { Cap = Kept(l.Cap, k) })] } : null,
        };
        var tmp = Path.Combine(Path.GetTempPath(), $"npga-gpu-dry-{Environment.ProcessId}", Path.GetFileName(dir));
        AvatarPackage.Save(tmp, manifest, thin, dir);
        return AvatarPackage.Load(tmp);
    }

    /// <summary>The eyeball's members that <see cref="Thin"/> keeps (index i with i mod k = 0), renumbered i / k, with their weights.</summary>
    private static AvatarEyeball Kept(AvatarEyeball eye, int k)
    {
        var keep = Enumerable.Range(0, eye.Members.Length).Where(j => eye.Members[j] % k == 0).ToArray();
        return eye with { Members = [.. keep.Select(j => eye.Members[j] / k)], Weights = [.. keep.Select(j => eye.Weights[j])] };
    }

    private static int[] Kept(int[] indices, int k) => [.. indices.Where(i => i % k == 0).Select(i => i / k)];

    /// <summary>k = ⌈N / <paramref name="target"/>⌉: the stride that keeps about <paramref name="target"/> of <paramref name="count"/> Gaussians.</summary>
    private static int Stride(int count, int target) => (count + target - 1) / target;

    /// <summary>Deletes the thinned copies this process made (dry runs).</summary>
    public static void CleanUp()
    {
        var tmp = Path.Combine(Path.GetTempPath(), $"npga-gpu-dry-{Environment.ProcessId}");
        try { if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Every <paramref name="k"/>-th Gaussian of <paramref name="cloud"/> (index i with i mod k = 0 becomes i / k).</summary>
    public static GaussianCloud Thin(GaussianCloud cloud, int k)
    {
        int n = (cloud.Count + k - 1) / k;
        var o = new GaussianCloud(n, cloud.ShDegree, cloud.FeatureDim, cloud.LatentDim);
        int sh = cloud.ShCoefficients * 3;
        for (int j = 0; j < n; j++)
        {
            int i = j * k;
            Array.Copy(cloud.Means, 3 * i, o.Means, 3 * j, 3);
            Array.Copy(cloud.Rotations, 4 * i, o.Rotations, 4 * j, 4);
            Array.Copy(cloud.LogScales, 3 * i, o.LogScales, 3 * j, 3);
            o.OpacityLogits[j] = cloud.OpacityLogits[i];
            Array.Copy(cloud.Sh, sh * i, o.Sh, sh * j, sh);
            Array.Copy(cloud.Features, cloud.FeatureDim * i, o.Features, cloud.FeatureDim * j, cloud.FeatureDim);
            Array.Copy(cloud.Latents, cloud.LatentDim * i, o.Latents, cloud.LatentDim * j, cloud.LatentDim);
        }
        return o;
    }

    /// <summary>The package's background as floats.</summary>
    public static float[] Background(AvatarPackage p) =>
        [(float)p.Manifest.Background[0], (float)p.Manifest.Background[1], (float)p.Manifest.Background[2]];
}
