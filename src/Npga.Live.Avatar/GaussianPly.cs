using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Npga.Live.Core.Gaussians;

namespace Npga.Live.Avatar;

/// <summary>
/// Reads and writes <c>canonical.ply</c>: Gaussians as a binary little-endian PLY with one vertex per Gaussian and
/// the property names of the 3DGS reference code (Kerbl et al. 2023, <c>GaussianModel.save_ply</c>), extended by
/// NPGA's per-Gaussian feature f and latent h (NPGA eq. 3). Every property is a 32-bit float, in exactly this order:
/// <c>x y z</c> (μ, metres), [<c>nx ny nz</c>: the zeros 3DGS writes; accepted and ignored on reading, never written],
/// <c>f_dc_0..2</c> (SH coefficient 0, R G B), <c>f_rest_0..M−1</c> with M = 3·((d+1)²−1) (channel-major as in 3DGS:
/// f_rest index = c·((d+1)²−1) + (k−1) for channel c and SH coefficient k ≥ 1), <c>opacity</c> (logit),
/// <c>scale_0..2</c> (log standard deviations), <c>rot_0..3</c> (quaternion w, x, y, z), <c>feat_0..D−1</c>,
/// <c>latent_0..L−1</c>. In memory the SH are <see cref="GaussianCloud.Sh"/>'s [N, (d+1)², 3] (coefficient-major,
/// RGB innermost); the reader and writer convert.
/// </summary>
public static class GaussianPly
{
    /// <summary>The file name inside an avatar package: <c>canonical.ply</c>.</summary>
    public const string FileName = "canonical.ply";

    private const int MaxHeaderBytes = 1 << 16;
    private const int ChunkVertices = 4096;

    /// <summary>
    /// The vertex property names of a cloud with SH degree <paramref name="shDegree"/>, <paramref name="featureDim"/>
    /// features and <paramref name="latentDim"/> latents, in file order (without normals); 3 + 3(d+1)² + 8 + D + L names.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">SH degree outside 0..3 or a negative dimension.</exception>
    public static IReadOnlyList<string> PropertyNames(int shDegree, int featureDim, int latentDim) =>
        Names(shDegree, featureDim, latentDim, normals: false);

    /// <summary>
    /// Reads a PLY into a new cloud. The SH degree, feature and latent dimensions come from the header's
    /// <c>f_rest_*</c>, <c>feat_*</c> and <c>latent_*</c> counts (an avatar package then compares them with its manifest).
    /// </summary>
    /// <param name="path">The PLY file.</param>
    /// <returns>The Gaussians: <see cref="GaussianCloud.Means"/> [N,3], <see cref="GaussianCloud.Rotations"/> [N,4], ..., in the PLY's frame and units.</returns>
    /// <exception cref="AvatarFormatException">The file is missing or unreadable; not a PLY; ASCII or big-endian; elements
    /// other than <c>vertex</c>; a list or non-float property; property names or order other than the layout above;
    /// an f_rest count that is no SH degree 0..3; fewer (or more) data bytes than N vertices need; a NaN or infinite value
    /// (the message names the vertex and the property). The message starts with the path.</exception>
    public static GaussianCloud Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("GaussianPly needs a little-endian machine");
        if (!File.Exists(path))
            throw new AvatarFormatException(path, Directory.Exists(path) ? "is a directory, not a PLY file" : "PLY file is missing");
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            var header = ReadHeader(stream, path);
            return ReadBody(stream, path, header);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AvatarFormatException(path, $"cannot be read: {e.Message}", e);
        }
    }

    /// <summary>
    /// Writes <paramref name="cloud"/> as a binary little-endian PLY in the layout above (no normals), replacing any file
    /// at <paramref name="path"/> (written beside it first, then moved into place).
    /// </summary>
    /// <exception cref="ArgumentException">The cloud holds a NaN or infinite value (the message names the array and index).</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(string path, GaussianCloud cloud)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(cloud);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("GaussianPly needs a little-endian machine");
        CheckFinite(cloud);
        var names = Names(cloud.ShDegree, cloud.FeatureDim, cloud.LatentDim, normals: false);
        var header = new StringBuilder();
        header.Append("ply\nformat binary_little_endian 1.0\n");
        header.Append(CultureInfo.InvariantCulture, $"element vertex {cloud.Count}\n");
        foreach (var name in names) header.Append("property float ").Append(name).Append('\n');
        header.Append("end_header\n");

        var tmp = path + ".tmp";
        using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            stream.Write(Encoding.ASCII.GetBytes(header.ToString()));
            var p = names.Length;
            var rows = new float[Math.Min(ChunkVertices, Math.Max(1, cloud.Count)) * p];
            for (var start = 0; start < cloud.Count; start += ChunkVertices)
            {
                var count = Math.Min(ChunkVertices, cloud.Count - start);
                for (var v = 0; v < count; v++) Gather(cloud, start + v, rows.AsSpan(v * p, p));
                stream.Write(MemoryMarshal.AsBytes(rows.AsSpan(0, count * p)));
            }
        }
        File.Move(tmp, path, overwrite: true);
    }

    private sealed record Header(int Count, string[] Names, bool Normals, int ShDegree, int FeatureDim, int LatentDim, long DataOffset);

    private static Header ReadHeader(FileStream stream, string path)
    {
        var buffer = new byte[(int)Math.Min(MaxHeaderBytes, stream.Length)];
        var got = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        var end = FindEndHeader(buffer.AsSpan(0, got));
        if (got < 4 || Encoding.ASCII.GetString(buffer, 0, Math.Min(got, 4)) is not ("ply\n" or "ply\r"))
            throw new AvatarFormatException(path, "is not a PLY file (it does not start with the line 'ply')");
        if (end < 0)
            throw new AvatarFormatException(path, $"PLY header has no 'end_header' line within its first {buffer.Length} bytes (truncated or not a PLY)");

        var lines = Encoding.ASCII.GetString(buffer, 0, end).Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        var count = -1;
        string? format = null;
        var names = new List<string>();
        for (var li = 1; li < lines.Length; li++)
        {
            var line = lines[li];
            if (line.Trim() == "end_header") break;
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 0 || f[0] is "comment" or "obj_info") continue;
            switch (f[0])
            {
                case "format":
                    format = f.Length > 1 ? f[1] : "";
                    if (format == "ascii")
                        throw new AvatarFormatException(path, "is an ASCII PLY; npga-avatar/1 requires 'format binary_little_endian 1.0'");
                    if (format != "binary_little_endian" || f.Length != 3 || f[2] != "1.0")
                        throw new AvatarFormatException(path, $"PLY format line is '{line}'; npga-avatar/1 requires 'format binary_little_endian 1.0'");
                    break;
                case "element":
                    if (f.Length != 3) throw new AvatarFormatException(path, $"malformed PLY element line '{line}'");
                    if (count >= 0 || f[1] != "vertex")
                        throw new AvatarFormatException(path, $"has a PLY element '{f[1]}'; npga-avatar/1 holds one element, 'vertex' (one per Gaussian)");
                    if (!int.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out count))
                        throw new AvatarFormatException(path, $"vertex count '{f[2]}' is not a non-negative integer");
                    break;
                case "property":
                    if (count < 0) throw new AvatarFormatException(path, $"PLY property before any element: '{line}'");
                    if (f.Length >= 2 && f[1] == "list")
                        throw new AvatarFormatException(path, $"has a list property ('{line}'); npga-avatar/1 vertex properties are all float");
                    if (f.Length != 3) throw new AvatarFormatException(path, $"malformed PLY property line '{line}'");
                    if (f[1] is not ("float" or "float32"))
                        throw new AvatarFormatException(path, $"property '{f[2]}' is {f[1]}; npga-avatar/1 stores every property as float (32-bit)");
                    names.Add(f[2]);
                    break;
                default:
                    throw new AvatarFormatException(path, $"unknown PLY header line '{line}'");
            }
        }
        if (format is null) throw new AvatarFormatException(path, "PLY header has no format line");
        if (count < 0) throw new AvatarFormatException(path, "PLY header has no 'element vertex' line");

        var normals = names.Count >= 6 && names[3] == "nx" && names[4] == "ny" && names[5] == "nz";
        var rest = names.Count(n => n.StartsWith("f_rest_", StringComparison.Ordinal));
        var features = names.Count(n => n.StartsWith("feat_", StringComparison.Ordinal));
        var latents = names.Count(n => n.StartsWith("latent_", StringComparison.Ordinal));
        var degree = -1;
        for (var d = 0; d <= 3; d++)
            if (rest == 3 * ((d + 1) * (d + 1) - 1)) degree = d;
        if (degree < 0)
            throw new AvatarFormatException(path,
                $"has {rest} f_rest_* properties; 3·((d+1)²−1) for SH degree d = 0..3 is 0, 9, 24 or 45");

        var expected = Names(degree, features, latents, normals);
        for (var i = 0; i < Math.Max(expected.Length, names.Count); i++)
        {
            var actual = i < names.Count ? names[i] : null;
            var want = i < expected.Length ? expected[i] : null;
            if (actual == want) continue;
            var problem = (actual, want) switch
            {
                (null, _) => $"vertex properties end after {names.Count}; property {i} should be '{want}'",
                (_, null) => $"has an extra vertex property '{actual}' (property {i}) after '{expected[^1]}'",
                _ => $"vertex property {i} is '{actual}', expected '{want}'",
            };
            throw new AvatarFormatException(path,
                $"{problem}. npga-avatar/1 wants, all float and in this order: {Describe(degree, features, latents)} " +
                "(3DGS's nx ny nz after z are accepted)");
        }
        return new Header(count, names.ToArray(), normals, degree, features, latents, end);
    }

    private static GaussianCloud ReadBody(FileStream stream, string path, Header h)
    {
        var p = h.Names.Length;
        var rowBytes = (long)p * sizeof(float);
        var need = h.Count * rowBytes;
        var have = stream.Length - h.DataOffset;
        if (have < need)
            throw new AvatarFormatException(path,
                $"is truncated: the header promises {h.Count} vertices × {p} floats = {need} bytes of data, but only {have} bytes follow the header " +
                $"({have / rowBytes} whole vertices)");
        if (have > need)
            throw new AvatarFormatException(path, $"has {have - need} bytes after the last of its {h.Count} vertices (a second element, or a wrong vertex count)");

        var cloud = new GaussianCloud(h.Count, h.ShDegree, h.FeatureDim, h.LatentDim);
        stream.Position = h.DataOffset;
        var rows = new float[Math.Min(ChunkVertices, Math.Max(1, h.Count)) * p];
        for (var start = 0; start < h.Count; start += ChunkVertices)
        {
            var count = Math.Min(ChunkVertices, h.Count - start);
            var bytes = MemoryMarshal.AsBytes(rows.AsSpan(0, count * p));
            stream.ReadExactly(bytes);
            for (var v = 0; v < count; v++)
            {
                var row = rows.AsSpan(v * p, p);
                for (var j = 0; j < p; j++)
                {
                    if (float.IsFinite(row[j]) || (h.Normals && j is >= 3 and < 6)) continue;
                    throw new AvatarFormatException(path, $"vertex {start + v}, property '{h.Names[j]}' is {row[j].ToString(CultureInfo.InvariantCulture)}");
                }
                Scatter(row, h.Normals, cloud, start + v);
            }
        }
        return cloud;
    }

    /// <summary>One PLY row (file order) into Gaussian <paramref name="i"/> of the cloud.</summary>
    private static void Scatter(ReadOnlySpan<float> row, bool normals, GaussianCloud c, int i)
    {
        var coeffs = c.ShCoefficients;
        row[..3].CopyTo(c.Means.AsSpan(3 * i, 3));
        var o = normals ? 6 : 3;
        var sh = c.Sh.AsSpan(i * coeffs * 3, coeffs * 3);
        for (var ch = 0; ch < 3; ch++) sh[ch] = row[o + ch];
        o += 3;
        for (var ch = 0; ch < 3; ch++)
        for (var k = 1; k < coeffs; k++)
            sh[3 * k + ch] = row[o + ch * (coeffs - 1) + (k - 1)];
        o += 3 * (coeffs - 1);
        c.OpacityLogits[i] = row[o++];
        row.Slice(o, 3).CopyTo(c.LogScales.AsSpan(3 * i, 3));
        o += 3;
        row.Slice(o, 4).CopyTo(c.Rotations.AsSpan(4 * i, 4));
        o += 4;
        row.Slice(o, c.FeatureDim).CopyTo(c.Features.AsSpan(i * c.FeatureDim, c.FeatureDim));
        o += c.FeatureDim;
        row.Slice(o, c.LatentDim).CopyTo(c.Latents.AsSpan(i * c.LatentDim, c.LatentDim));
    }

    /// <summary>Gaussian <paramref name="i"/> of the cloud as one PLY row (file order, no normals).</summary>
    private static void Gather(GaussianCloud c, int i, Span<float> row)
    {
        var coeffs = c.ShCoefficients;
        c.Means.AsSpan(3 * i, 3).CopyTo(row);
        var o = 3;
        var sh = c.Sh.AsSpan(i * coeffs * 3, coeffs * 3);
        for (var ch = 0; ch < 3; ch++) row[o + ch] = sh[ch];
        o += 3;
        for (var ch = 0; ch < 3; ch++)
        for (var k = 1; k < coeffs; k++)
            row[o + ch * (coeffs - 1) + (k - 1)] = sh[3 * k + ch];
        o += 3 * (coeffs - 1);
        row[o++] = c.OpacityLogits[i];
        c.LogScales.AsSpan(3 * i, 3).CopyTo(row[o..]);
        o += 3;
        c.Rotations.AsSpan(4 * i, 4).CopyTo(row[o..]);
        o += 4;
        c.Features.AsSpan(i * c.FeatureDim, c.FeatureDim).CopyTo(row[o..]);
        o += c.FeatureDim;
        c.Latents.AsSpan(i * c.LatentDim, c.LatentDim).CopyTo(row[o..]);
    }

    private static void CheckFinite(GaussianCloud c)
    {
        static void Check(float[] a, string name)
        {
            for (var i = 0; i < a.Length; i++)
                if (!float.IsFinite(a[i])) throw new ArgumentException($"{name}[{i}] is {a[i]}; a PLY of Gaussians holds finite values only", "cloud");
        }
        Check(c.Means, nameof(c.Means));
        Check(c.Rotations, nameof(c.Rotations));
        Check(c.LogScales, nameof(c.LogScales));
        Check(c.OpacityLogits, nameof(c.OpacityLogits));
        Check(c.Sh, nameof(c.Sh));
        Check(c.Features, nameof(c.Features));
        Check(c.Latents, nameof(c.Latents));
    }

    private static string[] Names(int shDegree, int featureDim, int latentDim, bool normals)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shDegree);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(shDegree, 3);
        ArgumentOutOfRangeException.ThrowIfNegative(featureDim);
        ArgumentOutOfRangeException.ThrowIfNegative(latentDim);
        var names = new List<string> { "x", "y", "z" };
        if (normals) names.AddRange(["nx", "ny", "nz"]);
        for (var i = 0; i < 3; i++) names.Add($"f_dc_{i}");
        for (var i = 0; i < 3 * ((shDegree + 1) * (shDegree + 1) - 1); i++) names.Add($"f_rest_{i}");
        names.Add("opacity");
        for (var i = 0; i < 3; i++) names.Add($"scale_{i}");
        for (var i = 0; i < 4; i++) names.Add($"rot_{i}");
        for (var i = 0; i < featureDim; i++) names.Add($"feat_{i}");
        for (var i = 0; i < latentDim; i++) names.Add($"latent_{i}");
        return names.ToArray();
    }

    private static string Describe(int shDegree, int featureDim, int latentDim)
    {
        var rest = 3 * ((shDegree + 1) * (shDegree + 1) - 1);
        var s = "x y z f_dc_0..2";
        if (rest > 0) s += $" f_rest_0..{rest - 1}";
        s += " opacity scale_0..2 rot_0..3";
        if (featureDim > 0) s += $" feat_0..{featureDim - 1}";
        if (latentDim > 0) s += $" latent_0..{latentDim - 1}";
        return s;
    }

    /// <summary>Byte offset just past the "end_header" line, or −1.</summary>
    private static int FindEndHeader(ReadOnlySpan<byte> bytes)
    {
        ReadOnlySpan<byte> marker = "end_header"u8;
        var from = 0;
        while (true)
        {
            var at = bytes[from..].IndexOf(marker);
            if (at < 0) return -1;
            at += from;
            var lineStart = at == 0 || bytes[at - 1] == (byte)'\n';
            var after = at + marker.Length;
            if (lineStart && after < bytes.Length)
            {
                if (bytes[after] == (byte)'\n') return after + 1;
                if (bytes[after] == (byte)'\r' && after + 1 < bytes.Length && bytes[after + 1] == (byte)'\n') return after + 2;
            }
            from = at + 1;
        }
    }
}
