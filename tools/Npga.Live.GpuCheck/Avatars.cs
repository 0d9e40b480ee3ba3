using Npga.Live.Avatar;
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
    /// saved with the package's networks into a temporary folder (F, G and the CNN take any N) and loaded from there.
    /// </summary>
    public static AvatarPackage Load(string dir, bool dry)
    {
        var package = AvatarPackage.Load(dir);
        if (!dry || package.Canonical.Count <= DryGaussians) return package;
        var thin = Thin(package.Canonical, DryGaussians);
        var tmp = Path.Combine(Path.GetTempPath(), $"npga-gpu-dry-{Environment.ProcessId}", Path.GetFileName(dir));
        AvatarPackage.Save(tmp, package.Manifest, thin, dir);
        return AvatarPackage.Load(tmp);
    }

    /// <summary>Deletes the thinned copies this process made (dry runs).</summary>
    public static void CleanUp()
    {
        var tmp = Path.Combine(Path.GetTempPath(), $"npga-gpu-dry-{Environment.ProcessId}");
        try { if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Every k-th Gaussian of <paramref name="cloud"/>, k = ⌈N / <paramref name="target"/>⌉.</summary>
    public static GaussianCloud Thin(GaussianCloud cloud, int target)
    {
        int k = (cloud.Count + target - 1) / target, n = (cloud.Count + k - 1) / k;
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
