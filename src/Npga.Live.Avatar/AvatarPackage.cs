using Npga.Live.Core.Gaussians;
using Npga.Live.Onnx;

namespace Npga.Live.Avatar;

/// <summary>Full paths of a loaded package's network files, each checked against the contract; null where absent.</summary>
/// <param name="F">Deformation prior F (NPGA eq. 4): mu [N,3], feat [N,D], z_exp [1,K] → d_mu [N,3].</param>
/// <param name="G">Detail network G (NPGA eq. 5): same inputs → d_mu [N,3], d_rot [N,4], d_scale [N,3], d_opacity [N,1], d_sh [N,3(d+1)²], d_latent [N,L] (when L &gt; 0).</param>
/// <param name="Cnn">Screen-space CNN (NPGA eq. 7): image [1,3+L,H,W] → rgb [1,3,H,W].</param>
/// <param name="FPre">F's export-time first part: mu, feat → h0 [N,H] (z-independent pre-activation of layer 1, bias included).</param>
/// <param name="FPost">F's second part: h0 [N,H], z_exp [1,K] → d_mu [N,3].</param>
/// <param name="GPre">G's first part: mu, feat → h0 [N,H].</param>
/// <param name="GPost">G's second part: h0 [N,H], z_exp [1,K] → G's outputs.</param>
public sealed record AvatarNetworkFiles(string F, string? G, string? Cnn, string? FPre, string? FPost, string? GPre, string? GPost);

/// <summary>
/// An avatar package of format <c>npga-avatar/1</c> (docs/architecture.md): a directory holding <c>avatar.json</c>
/// (<see cref="AvatarManifest"/>), <c>canonical.ply</c> (the canonical Gaussians A_c, NPGA eq. 3, read by
/// <see cref="GaussianPly"/>) and the ONNX networks F, G and the CNN (and the optional export-time splits of F and G).
/// <see cref="Load"/> checks all of it: the manifest, the PLY against the manifest, and every network file by loading it
/// into ONNX Runtime and comparing its inputs and outputs with the contract. Immutable once loaded.
/// </summary>
public sealed class AvatarPackage
{
    private AvatarPackage(string directory, AvatarManifest manifest, GaussianCloud canonical, AvatarNetworkFiles networks)
    {
        Directory = directory;
        Manifest = manifest;
        Canonical = canonical;
        Networks = networks;
    }

    /// <summary>The package directory (full path).</summary>
    public string Directory { get; }

    /// <summary>The manifest.</summary>
    public AvatarManifest Manifest { get; }

    /// <summary>
    /// The canonical Gaussians A_c (N = <see cref="GaussianCloud.Count"/>; means in metres, canonical head frame).
    /// Shared, not copied: treat as read-only.
    /// </summary>
    public GaussianCloud Canonical { get; }

    /// <summary>The network files, full paths, each validated.</summary>
    public AvatarNetworkFiles Networks { get; }

    /// <summary>Whether the package has the detail network G.</summary>
    public bool HasG => Networks.G is not null;

    /// <summary>Whether the package has the screen-space CNN.</summary>
    public bool HasCnn => Networks.Cnn is not null;

    /// <summary>
    /// Loads and validates the package in <paramref name="directory"/>.
    /// </summary>
    /// <param name="directory">The package directory.</param>
    /// <param name="expectedExpressionModelId">The expression model whose codes the caller will drive the avatar with (e.g.
    /// <c>mp468-pca-v1</c>); null to accept any.</param>
    /// <returns>The manifest, the canonical cloud and the network paths.</returns>
    /// <exception cref="AvatarFormatException">Anything wrong with the package, and a package driven by another expression model
    /// ("avatar X is driven by codes of Y, not Z"); the message names the file and the problem (ORT's own message for an
    /// ONNX file ORT cannot load).</exception>
    /// <exception cref="DllNotFoundException">ONNX Runtime's native library does not load (<see cref="OrtRuntime.Shared"/>).</exception>
    public static AvatarPackage Load(string directory, string? expectedExpressionModelId = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var dir = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(dir))
            throw new AvatarFormatException(dir, File.Exists(dir)
                ? "is a file; an npga-avatar/1 package is a directory"
                : "avatar package directory is missing");

        var manifestPath = Path.Combine(dir, AvatarManifest.FileName);
        var manifest = AvatarManifest.Read(manifestPath);
        if (expectedExpressionModelId is not null && manifest.ExpressionModel.Id != expectedExpressionModelId)
            throw new AvatarFormatException(manifestPath,
                $"avatar {manifest.Name} is driven by codes of {manifest.ExpressionModel.Id}, not {expectedExpressionModelId}");

        var plyPath = Path.Combine(dir, GaussianPly.FileName);
        var cloud = GaussianPly.Read(plyPath);
        if (cloud.Count == 0) throw new AvatarFormatException(plyPath, "holds no Gaussians (element vertex 0)");
        if (cloud.ShDegree != manifest.ShDegree)
            throw new AvatarFormatException(plyPath,
                $"has {3 * (cloud.ShCoefficients - 1)} f_rest_* properties, i.e. SH degree {cloud.ShDegree}, but avatar.json says sh_degree {manifest.ShDegree}");
        if (cloud.FeatureDim != manifest.FeatureDim)
            throw new AvatarFormatException(plyPath,
                $"has {cloud.FeatureDim} feat_* properties but avatar.json says feature_dim {manifest.FeatureDim}");
        if (cloud.LatentDim != manifest.LatentDim)
            throw new AvatarFormatException(plyPath,
                $"has {cloud.LatentDim} latent_* properties but avatar.json says latent_dim {manifest.LatentDim}");

        manifest.Eyes?.ValidateMembers(manifestPath, cloud.Count);
        manifest.Lids?.ValidateMembers(manifestPath, cloud.Count, manifest.Eyes!);
        var networks = CheckNetworks(dir, manifest, cloud.Count);
        return new AvatarPackage(dir, manifest, cloud, networks);
    }

    /// <summary>
    /// Writes a package: <c>canonical.ply</c> from <paramref name="canonical"/>, <c>avatar.json</c> from
    /// <paramref name="manifest"/>, and copies every network the manifest names from <paramref name="networksFrom"/>
    /// (when given and not <paramref name="directory"/> itself). Creates the directory. Does not check the networks;
    /// <see cref="Load"/> the result to do so.
    /// </summary>
    /// <param name="directory">The package directory to write.</param>
    /// <param name="manifest">The manifest; its sh_degree, feature_dim and latent_dim must match <paramref name="canonical"/>.</param>
    /// <param name="canonical">The canonical Gaussians A_c.</param>
    /// <param name="networksFrom">Directory holding the network files the manifest names; null when they are already in <paramref name="directory"/>.</param>
    /// <exception cref="ArgumentException">The manifest is invalid or does not fit the cloud, or the cloud holds non-finite values.</exception>
    /// <exception cref="FileNotFoundException">A network file the manifest names is not in the source directory.</exception>
    /// <exception cref="IOException">Writing failed.</exception>
    public static void Save(string directory, AvatarManifest manifest, GaussianCloud canonical, string? networksFrom = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(canonical);
        var dir = Path.GetFullPath(directory);
        try
        {
            manifest.Validate(Path.Combine(dir, AvatarManifest.FileName));
        }
        catch (AvatarFormatException e)
        {
            throw new ArgumentException($"invalid manifest: {e.Problem}", nameof(manifest), e);
        }
        if (canonical.ShDegree != manifest.ShDegree || canonical.FeatureDim != manifest.FeatureDim || canonical.LatentDim != manifest.LatentDim)
            throw new ArgumentException(
                $"the cloud has SH degree {canonical.ShDegree}, {canonical.FeatureDim} features and {canonical.LatentDim} latents; the manifest says " +
                $"sh_degree {manifest.ShDegree}, feature_dim {manifest.FeatureDim}, latent_dim {manifest.LatentDim}", nameof(canonical));
        if (canonical.Count == 0) throw new ArgumentException("the cloud holds no Gaussians", nameof(canonical));

        System.IO.Directory.CreateDirectory(dir);
        if (networksFrom is not null)
        {
            var from = Path.GetFullPath(networksFrom);
            foreach (var name in manifest.Networks.AllFiles())
            {
                var src = Path.Combine(from, name);
                var dst = Path.Combine(dir, name);
                if (!File.Exists(src)) throw new FileNotFoundException($"network file {name} named by the manifest is not in {from}", src);
                if (!string.Equals(Path.GetFullPath(src), dst, StringComparison.Ordinal)) File.Copy(src, dst, overwrite: true);
            }
        }
        GaussianPly.Write(Path.Combine(dir, GaussianPly.FileName), canonical);
        var manifestPath = Path.Combine(dir, AvatarManifest.FileName);
        File.WriteAllText(manifestPath + ".tmp", manifest.ToJson());
        File.Move(manifestPath + ".tmp", manifestPath, overwrite: true);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Manifest.Name} ({Canonical.Count} Gaussians, SH {Manifest.ShDegree}, D {Manifest.FeatureDim}, L {Manifest.LatentDim}, " +
        $"{Manifest.ExpressionModel.Id} K={Manifest.ExpressionModel.K}{(Manifest.Gaze is { } gz ? $" + gaze {gz.Dim}" : "")}{(Manifest.Eyes is not null ? ", eyeballs" : "")}{(Manifest.Lids is not null ? ", lids" : "")}; F{(HasG ? ", G" : "")}{(HasCnn ? ", cnn" : "")})";

    private static AvatarNetworkFiles CheckNetworks(string dir, AvatarManifest m, int n)
    {
        var net = m.Networks;
        int d = m.FeatureDim, k = m.ExpressionModel.K, l = m.LatentDim, kg = m.GCodeDim;
        var fIn = NetworkContract.FInputs(n, d, k);
        var fOut = NetworkContract.FOutputs(n);
        var gOut = NetworkContract.GOutputs(n, m.ShDegree, l);

        var f = CheckOne(dir, net.F, "networks.F", "F (deformation prior, NPGA eq. 4)", fIn, fOut, out _);
        string? fPre = null, fPost = null, g = null, gPre = null, gPost = null, cnn = null;
        if (net.FSplit is { } fs)
            (fPre, fPost) = CheckSplit(dir, fs, "F_split", "F", fOut, n, d, k);
        if (net.G is not null)
        {
            g = CheckOne(dir, net.G, "networks.G", "G (detail network, NPGA eq. 5)", NetworkContract.FInputs(n, d, kg), gOut, out _);
            if (net.GSplit is { } gs)
                (gPre, gPost) = CheckSplit(dir, gs, "G_split", "G", gOut, n, d, kg);
        }
        if (net.Cnn is not null)
            cnn = CheckOne(dir, net.Cnn, "networks.cnn", "cnn (screen-space refinement, NPGA eq. 7)",
                NetworkContract.CnnInputs(l), NetworkContract.CnnOutputs(), out _);
        return new AvatarNetworkFiles(f, g, cnn, fPre, fPost, gPre, gPost);
    }

    private static (string Pre, string Post) CheckSplit(string dir, string[] files, string field, string whole,
        ContractTensor[] outputs, int n, int d, int k)
    {
        var pre = CheckOne(dir, files[0], $"networks.{field}[0]", $"{whole}_pre (first part of {whole} split at export)",
            NetworkContract.PreInputs(n, d), NetworkContract.PreOutputs(n), out var preSession);
        var hidden = preSession.Outputs.First(o => o.Name == "h0").Shape[1];
        var post = CheckOne(dir, files[1], $"networks.{field}[1]", $"{whole}_post (second part of {whole} split at export; h0 from {files[0]})",
            NetworkContract.PostInputs(n, hidden, k), outputs, out _);
        return (pre, post);
    }

    /// <summary>Existence, readability, loadability by ORT, and the contract; returns the full path.</summary>
    private static string CheckOne(string dir, string name, string field, string role, ContractTensor[] inputs, ContractTensor[] outputs,
        out OrtSessionInfo session)
    {
        var path = Path.Combine(dir, name);
        if (System.IO.Directory.Exists(path))
            throw new AvatarFormatException(path, $"{role}, named by {field} in avatar.json, cannot be read: it is a directory, not an ONNX file");
        if (!File.Exists(path))
            throw new AvatarFormatException(path, $"{role}, named by {field} in avatar.json, is missing");
        try
        {
            using var probe = File.OpenRead(path);
            _ = probe.ReadByte();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AvatarFormatException(path, $"{role} cannot be read: {e.Message}", e);
        }

        OrtSession s;
        try
        {
            s = new OrtSession(path, new OrtSessionOptions { IntraOpThreads = 1 });
        }
        catch (OrtException e)
        {
            throw new AvatarFormatException(path, $"{role} is not a model ONNX Runtime can load; ORT says: {e.OrtMessage}", e);
        }
        using (s)
        {
            var signature = NetworkContract.Signature(inputs, outputs);
            NetworkContract.Check(path, role, "input", s.Inputs, inputs, signature);
            NetworkContract.Check(path, role, "output", s.Outputs, outputs, signature);
            session = new OrtSessionInfo(s.Inputs, s.Outputs);
        }
        return path;
    }

    private sealed record OrtSessionInfo(IReadOnlyList<OrtNodeInfo> Inputs, IReadOnlyList<OrtNodeInfo> Outputs);
}
