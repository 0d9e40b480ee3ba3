using System.Runtime.InteropServices;
using System.Text;
using Npga.Live.Core.Gaussians;

namespace Npga.Live.Avatar.Tests;

public sealed class GaussianPlyTests : IDisposable
{
    private readonly string _dir = Fixtures.TempDir("npga-ply-tests");

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static GaussianCloud RandomCloud(int n, int d, int f, int l, int seed)
    {
        var rng = new Random(seed);
        var c = new GaussianCloud(n, d, f, l);
        foreach (var a in new[] { c.Means, c.Rotations, c.LogScales, c.OpacityLogits, c.Sh, c.Features, c.Latents })
            for (var i = 0; i < a.Length; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
        return c;
    }

    private static string[] HeaderLines(string path) =>
        Fixtures.ReadPly(path).Header.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Theory]
    [InlineData(3, 8, 4)]
    [InlineData(0, 1, 0)]
    [InlineData(1, 8, 0)]
    [InlineData(2, 3, 16)]
    public void RoundTripIsExactWithThe3dgsHeader(int d, int f, int l)
    {
        var cloud = RandomCloud(257, d, f, l, seed: d * 10 + f);
        var path = Path.Combine(_dir, $"rt-{d}-{f}-{l}.ply");
        GaussianPly.Write(path, cloud);
        var back = GaussianPly.Read(path);

        Assert.Equal((cloud.Count, cloud.ShDegree, cloud.FeatureDim, cloud.LatentDim), (back.Count, back.ShDegree, back.FeatureDim, back.LatentDim));
        Assert.Equal(cloud.Means, back.Means);
        Assert.Equal(cloud.Rotations, back.Rotations);
        Assert.Equal(cloud.LogScales, back.LogScales);
        Assert.Equal(cloud.OpacityLogits, back.OpacityLogits);
        Assert.Equal(cloud.Sh, back.Sh);
        Assert.Equal(cloud.Features, back.Features);
        Assert.Equal(cloud.Latents, back.Latents);

        var rest = 3 * ((d + 1) * (d + 1) - 1);
        var expected = new List<string> { "ply", "format binary_little_endian 1.0", "element vertex 257" };
        expected.AddRange(new[] { "x", "y", "z", "f_dc_0", "f_dc_1", "f_dc_2" }.Select(n => "property float " + n));
        expected.AddRange(Enumerable.Range(0, rest).Select(i => $"property float f_rest_{i}"));
        expected.AddRange(new[] { "opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3" }.Select(n => "property float " + n));
        expected.AddRange(Enumerable.Range(0, f).Select(i => $"property float feat_{i}"));
        expected.AddRange(Enumerable.Range(0, l).Select(i => $"property float latent_{i}"));
        expected.Add("end_header");
        Assert.Equal(expected, HeaderLines(path));
        Assert.Equal(GaussianPly.PropertyNames(d, f, l), expected.Skip(3).SkipLast(1).Select(s => s["property float ".Length..]));
        Assert.Equal(Fixtures.ReadPly(path).Header.Length + 257L * 4 * (expected.Count - 4), new FileInfo(path).Length);
    }

    [Fact]
    public void ShIsStoredChannelMajorInTheFileAndCoefficientMajorInMemory()
    {
        var c = new GaussianCloud(2, 3, 1, 0);
        for (var i = 0; i < 2; i++)
        for (var k = 0; k < 16; k++)
        for (var ch = 0; ch < 3; ch++)
            c.Sh[(i * 16 + k) * 3 + ch] = 1000 * i + 10 * k + ch; // value encodes (Gaussian, coefficient, channel)
        var path = Path.Combine(_dir, "sh.ply");
        GaussianPly.Write(path, c);
        var data = MemoryMarshal.Cast<byte, float>(Fixtures.ReadPly(path).Data).ToArray();
        var p = 3 + 48 + 8 + 1;
        Assert.Equal(2 * p, data.Length);
        for (var i = 0; i < 2; i++)
        {
            for (var ch = 0; ch < 3; ch++) Assert.Equal(1000 * i + ch, data[i * p + 3 + ch]);            // f_dc_c = coefficient 0
            for (var ch = 0; ch < 3; ch++)
            for (var k = 1; k < 16; k++)
                Assert.Equal(1000 * i + 10 * k + ch, data[i * p + 6 + ch * 15 + (k - 1)]);              // f_rest_{c·15 + k−1}
        }
    }

    /// <summary>A PLY laid out exactly as the 3DGS reference's save_ply writes it: normals (zeros), SH degree 3, nothing after rot.</summary>
    [Fact]
    public void ReadsA3dgsReferencePlyWithNormals()
    {
        const int n = 3;
        var names = new List<string> { "x", "y", "z", "nx", "ny", "nz", "f_dc_0", "f_dc_1", "f_dc_2" };
        names.AddRange(Enumerable.Range(0, 45).Select(i => $"f_rest_{i}"));
        names.AddRange(["opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3"]);
        var header = new StringBuilder($"ply\nformat binary_little_endian 1.0\nelement vertex {n}\n");
        foreach (var name in names) header.Append($"property float {name}\n");
        header.Append("end_header\n");
        var rows = new float[n * names.Count];
        for (var i = 0; i < n; i++)
        for (var j = 0; j < names.Count; j++)
            rows[i * names.Count + j] = names[j].StartsWith('n') ? (j == 3 ? float.NaN : 0) : 100 * i + j; // a NaN normal is ignored too
        var path = Path.Combine(_dir, "3dgs.ply");
        Fixtures.WritePly(path, header.ToString(), MemoryMarshal.AsBytes(rows.AsSpan()));

        var c = GaussianPly.Read(path);
        Assert.Equal((n, 3, 0, 0), (c.Count, c.ShDegree, c.FeatureDim, c.LatentDim));
        for (var i = 0; i < n; i++)
        {
            Assert.Equal(new float[] { 100 * i + 0, 100 * i + 1, 100 * i + 2 }, c.Means.AsSpan(3 * i, 3).ToArray());
            for (var ch = 0; ch < 3; ch++) Assert.Equal(100 * i + 6 + ch, c.Sh[i * 48 + ch]);
            for (var ch = 0; ch < 3; ch++)
            for (var k = 1; k < 16; k++)
                Assert.Equal(100 * i + 9 + ch * 15 + (k - 1), c.Sh[i * 48 + 3 * k + ch]);
            Assert.Equal(100 * i + 54, c.OpacityLogits[i]);
            Assert.Equal(new float[] { 100 * i + 55, 100 * i + 56, 100 * i + 57 }, c.LogScales.AsSpan(3 * i, 3).ToArray());
            Assert.Equal(new float[] { 100 * i + 58, 100 * i + 59, 100 * i + 60, 100 * i + 61 }, c.Rotations.AsSpan(4 * i, 4).ToArray());
        }

        // Written back: no normals.
        var again = Path.Combine(_dir, "3dgs-again.ply");
        GaussianPly.Write(again, c);
        Assert.DoesNotContain(HeaderLines(again), l => l.EndsWith(" nx", StringComparison.Ordinal));
        Assert.Equal(c.Sh, GaussianPly.Read(again).Sh);
    }

    private string WriteDamaged(Func<string, string> header, Func<byte[], byte[]>? data = null)
    {
        var good = Path.Combine(_dir, $"good-{Guid.NewGuid():N}.ply");
        GaussianPly.Write(good, RandomCloud(10, 3, 8, 4, seed: 5));
        var (h, d) = Fixtures.ReadPly(good);
        var path = Path.Combine(_dir, $"bad-{Guid.NewGuid():N}.ply");
        Fixtures.WritePly(path, header(h), data is null ? d : data(d));
        return path;
    }

    private static AvatarFormatException Fails(string path, params string[] fragments)
    {
        var e = Assert.Throws<AvatarFormatException>(() => GaussianPly.Read(path));
        Assert.StartsWith(path + ": ", e.Message);
        foreach (var f in fragments) Assert.Contains(f, e.Message);
        return e;
    }

    [Fact]
    public void MissingOrNonPly()
    {
        Fails(Path.Combine(_dir, "nope.ply"), "missing");
        var text = Path.Combine(_dir, "text.ply");
        File.WriteAllText(text, "hello\nworld\n");
        Fails(text, "not a PLY");
        var noEnd = Path.Combine(_dir, "noend.ply");
        File.WriteAllText(noEnd, "ply\nformat binary_little_endian 1.0\nelement vertex 3\nproperty float x\n");
        Fails(noEnd, "end_header");
    }

    [Fact]
    public void AsciiAndBigEndianAreRefused()
    {
        Fails(WriteDamaged(h => h.Replace("binary_little_endian", "ascii")), "ASCII PLY");
        Fails(WriteDamaged(h => h.Replace("binary_little_endian", "binary_big_endian")), "binary_big_endian", "binary_little_endian 1.0");
    }

    [Fact]
    public void TruncatedAndOverlongData()
    {
        Fails(WriteDamaged(h => h, d => d[..(d.Length - 7)]), "truncated", "10 vertices", "9 whole vertices");
        Fails(WriteDamaged(h => h, d => [.. d, 1, 2, 3, 4]), "4 bytes after the last");
        Fails(WriteDamaged(h => h.Replace("element vertex 10", "element vertex 11")), "truncated", "11 vertices");
    }

    [Fact]
    public void WrongPropertyOrderNamesCountAndType()
    {
        Fails(WriteDamaged(h => h.Replace("float opacity\n", "float OPAC\n").Replace("float scale_0\n", "float opacity\n").Replace("float OPAC\n", "float scale_0\n")),
            "vertex property 51 is 'scale_0', expected 'opacity'", "x y z f_dc_0..2 f_rest_0..44 opacity scale_0..2 rot_0..3 feat_0..7 latent_0..3");
        Fails(WriteDamaged(h => h.Replace("rot_0", "rotation_0")), "vertex property 55 is 'rotation_0', expected 'rot_0'");
        Fails(WriteDamaged(h => h.Replace("end_header", "property float extra\nend_header")), "extra vertex property 'extra'");
        Fails(WriteDamaged(h => h.Replace("property float f_rest_44\n", "")), "44 f_rest_* properties", "0, 9, 24 or 45");
        Fails(WriteDamaged(h => h.Replace("float opacity", "double opacity")), "property 'opacity' is double", "float");
        Fails(WriteDamaged(h => h.Replace("property float latent_3", "property list uchar int latent_3")), "list property");
        Fails(WriteDamaged(h => h.Replace("end_header", "element face 0\nend_header")), "element 'face'");
    }

    [Fact]
    public void NonFiniteValuesNameVertexAndProperty()
    {
        var p = 3 + 48 + 8 + 8 + 4;
        Fails(WriteDamaged(h => h, d =>
        {
            MemoryMarshal.Cast<byte, float>(d.AsSpan())[7 * p + 51] = float.NaN; // vertex 7, opacity
            return d;
        }), "vertex 7, property 'opacity' is NaN");
        Fails(WriteDamaged(h => h, d =>
        {
            MemoryMarshal.Cast<byte, float>(d.AsSpan())[2 * p + 53] = float.PositiveInfinity; // vertex 2, scale_1
            return d;
        }), "vertex 2, property 'scale_1' is Infinity");
    }

    [Fact]
    public void WriterRefusesNonFiniteValues()
    {
        var c = RandomCloud(3, 0, 1, 0, seed: 1);
        c.Sh[4] = float.NaN;
        var e = Assert.Throws<ArgumentException>(() => GaussianPly.Write(Path.Combine(_dir, "nan.ply"), c));
        Assert.Contains("Sh[4]", e.Message);
    }
}
