using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Npga.Live.Onnx;

namespace Npga.Live.Avatar.Tests;

[Collection("avatar fixtures")]
public sealed class AvatarPackageTests(AvatarFixture fx)
{
    [Fact]
    public void LoadsTheFixture()
    {
        var p = AvatarPackage.Load(fx.Full, Fixtures.ExpressionModel);
        var m = p.Manifest;
        Assert.Equal(AvatarManifest.CurrentFormat, m.Format);
        Assert.StartsWith("fixture-", m.Name);
        Assert.Contains("not a face", m.Source.Extra!["note"].GetString());
        Assert.Equal((Fixtures.ExpressionModel, Fixtures.K), (m.ExpressionModel.Id, m.ExpressionModel.K));
        Assert.Equal((3, 8, 4), (m.ShDegree, m.FeatureDim, m.LatentDim));
        Assert.Equal(AvatarFixture.FullN, p.Canonical.Count);
        Assert.True(p.HasG && p.HasCnn);
        Assert.Equal(Path.Combine(fx.Full, "F.onnx"), p.Networks.F);
        Assert.Equal(Path.Combine(fx.Full, "G_post.onnx"), p.Networks.GPost);
        Assert.NotNull(p.Networks.FPre);

        var cam = m.DefaultCamera.ToCamera();
        // The default camera sees the head's centre 0.6 m in front of it, at the image centre.
        var zc = cam.R[6] * 0 + cam.R[7] * 0 + cam.R[8] * 0 + cam.T[2];
        Assert.Equal(0.6, zc, 6);
        Assert.Equal(cam.Width / 2.0, cam.Cx);
        // Canonical Gaussians lie in a head-sized volume.
        for (var i = 0; i < p.Canonical.Count; i++)
            Assert.InRange(Math.Abs(p.Canonical.Means[3 * i + 1]), 0, 0.12);

        var noG = AvatarPackage.Load(fx.NoG);
        Assert.False(noG.HasG || noG.HasCnn);
        Assert.Null(noG.Networks.GPre);
    }

    [Fact]
    public void SaveThenLoadRoundTrips()
    {
        var p = AvatarPackage.Load(fx.Full);
        var dir = Path.Combine(fx.Root, "saved-" + Guid.NewGuid().ToString("N")[..8]);
        AvatarPackage.Save(dir, p.Manifest, p.Canonical, networksFrom: fx.Full);
        var q = AvatarPackage.Load(dir, Fixtures.ExpressionModel);
        Assert.Equal(p.Canonical.Means, q.Canonical.Means);
        Assert.Equal(p.Canonical.Sh, q.Canonical.Sh);
        Assert.Equal(p.Canonical.Latents, q.Canonical.Latents);
        Assert.Equal(p.Manifest.Name, q.Manifest.Name);
        Assert.Equal(p.Manifest.DefaultCamera.R, q.Manifest.DefaultCamera.R);
        Assert.Equal(p.Manifest.Metrics!.ToJsonString(), q.Manifest.Metrics!.ToJsonString());
        Assert.Equal(p.Manifest.Source.Extra!["note"].GetString(), q.Manifest.Source.Extra!["note"].GetString());
        Assert.Equal(File.ReadAllBytes(Path.Combine(fx.Full, "canonical.ply")), File.ReadAllBytes(Path.Combine(dir, "canonical.ply")));

        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "avatar.json")))!.AsObject();
        Assert.Equal(
            ["format", "name", "created_by", "source", "expression_model", "sh_degree", "feature_dim", "latent_dim", "networks", "default_camera", "background", "metrics"],
            json.Select(kv => kv.Key));
        Assert.Equal(15, (int)json["expression_model"]!["K"]!);
        Assert.Equal("F_pre.onnx", (string?)json["networks"]!["F_split"]![0]);
        Assert.Equal(9, json["default_camera"]!["R"]!.AsArray().Count);

        // G and cnn null are written as null; an invalid manifest or a mismatched cloud is refused.
        var noG = AvatarPackage.Load(fx.NoG);
        var dir2 = Path.Combine(fx.Root, "saved-" + Guid.NewGuid().ToString("N")[..8]);
        AvatarPackage.Save(dir2, noG.Manifest, noG.Canonical, fx.NoG);
        var nets = JsonNode.Parse(File.ReadAllText(Path.Combine(dir2, "avatar.json")))!["networks"]!.AsObject();
        Assert.True(nets.ContainsKey("G") && nets["G"] is null && nets.ContainsKey("cnn") && nets["cnn"] is null);
        Assert.False(nets.ContainsKey("G_split"));
        Assert.Throws<ArgumentException>(() => AvatarPackage.Save(dir2, noG.Manifest with { ShDegree = 2 }, noG.Canonical));
        Assert.Throws<ArgumentException>(() => AvatarPackage.Save(dir2, noG.Manifest with { Background = [0, 0] }, noG.Canonical));
    }

    [Fact]
    public void FixtureCnnRunsAtAnySizeAndStaysNearItsInput()
    {
        var p = AvatarPackage.Load(fx.Full);
        using var s = new OrtSession(p.Networks.Cnn!);
        const int h = 12, w = 20, c = 3 + Fixtures.LatentDim;
        var image = Reference.RandomCode(c * h * w, seed: 9).Select(v => 0.5f + 0.5f * v).ToArray();
        var rgb = s.Run([OrtTensor.FromFloat("image", [1, c, h, w], image)])["rgb"];
        Assert.Equal(new long[] { 1, 3, h, w }, rgb.Shape);
        Reference.AssertClose(image[..(3 * h * w)], rgb.Float!, 0.1, 0, "rgb");
    }

    // ------------------------------------------------------------------ damage

    private static AvatarFormatException FailsExpecting(string dir, string file, string? expectedModel, params string[] fragments)
    {
        var e = Assert.Throws<AvatarFormatException>(() => AvatarPackage.Load(dir, expectedModel));
        var path = file == "" ? Path.GetFullPath(dir) : Path.Combine(Path.GetFullPath(dir), file);
        Assert.True(e.FilePath == path, $"expected the file {path}; got: {e.Message}");
        Assert.StartsWith(path + ": ", e.Message);
        foreach (var f in fragments) Assert.Contains(f, e.Message);
        return e;
    }

    private static AvatarFormatException Fails(string dir, string file, params string[] fragments) => FailsExpecting(dir, file, null, fragments);

    [Fact]
    public void MissingDirectoryOrManifest()
    {
        Fails(Path.Combine(fx.Root, "no-such-avatar"), "", "avatar package directory is missing");
        var dir = fx.CopyOf(fx.NoG);
        File.Delete(Path.Combine(dir, "avatar.json"));
        Fails(dir, "avatar.json", "manifest file is missing");
    }

    [Fact]
    public void MalformedJson()
    {
        var dir = fx.CopyOf(fx.NoG);
        var path = Path.Combine(dir, "avatar.json");
        File.WriteAllText(path, File.ReadAllText(path)[..200]);
        Fails(dir, "avatar.json", "malformed JSON");
        File.WriteAllText(path, "[1, 2]");
        Fails(dir, "avatar.json", "not a JSON object");
    }

    [Fact]
    public void UnknownFormatVersion()
    {
        var dir = fx.CopyOf(fx.NoG);
        Fixtures.EditManifest(dir, m => m["format"] = "npga-avatar/2");
        Fails(dir, "avatar.json", "unknown format \"npga-avatar/2\"", "npga-avatar/1");
        Fixtures.EditManifest(dir, m => m.Remove("format"));
        Fails(dir, "avatar.json", "missing field 'format'");
    }

    [Theory]
    [InlineData("sh_degree")]
    [InlineData("default_camera")]
    [InlineData("expression_model.K")]
    [InlineData("networks.F")]
    [InlineData("created_by")]
    [InlineData("source.licence")]
    [InlineData("background")]
    public void MissingFields(string field)
    {
        var dir = fx.CopyOf(fx.NoG);
        Fixtures.EditManifest(dir, m =>
        {
            var parts = field.Split('.');
            var o = m;
            foreach (var p in parts[..^1]) o = o[p]!.AsObject();
            o.Remove(parts[^1]);
        });
        Fails(dir, "avatar.json", "missing required properties", $"'{field.Split('.')[^1]}'");
    }

    [Theory]
    [InlineData("sh_degree", "4", "sh_degree is 4")]
    [InlineData("feature_dim", "0", "feature_dim is 0")]
    [InlineData("name", "null", "name")]
    [InlineData("sh_degree", "\"three\"", "sh_degree")]
    [InlineData("background", "[0, 0, 2]", "background value 2")]
    [InlineData("view_range_deg", "0", "view_range_deg is 0")]
    [InlineData("view_range_deg", "200", "view_range_deg is 200")]
    public void BadValues(string field, string json, string fragment)
    {
        var dir = fx.CopyOf(fx.NoG);
        Fixtures.EditManifest(dir, m => m[field] = JsonNode.Parse(json));
        Fails(dir, "avatar.json", fragment);
    }

    [Fact]
    public void BadCameraAndNetworkNames()
    {
        var dir = fx.CopyOf(fx.NoG);
        Fixtures.EditManifest(dir, m => m["default_camera"]!["R"] = JsonNode.Parse("[1,0,0,0,1,0,0,0]"));
        Fails(dir, "avatar.json", "default_camera: R has 8 values");
        Fixtures.EditManifest(dir, m => m["default_camera"]!["R"] = JsonNode.Parse("[1,0,0,0,1,0,0,0,2]"));
        Fails(dir, "avatar.json", "R is not a rotation");
        Fixtures.EditManifest(dir, m => m["default_camera"]!["R"] = JsonNode.Parse("[1,0,0,0,1,0,0,0,1]"));
        Fixtures.EditManifest(dir, m => m["networks"]!["F"] = "../full/F.onnx");
        Fails(dir, "avatar.json", "networks.F is \"../full/F.onnx\"", "plain file name");
        Fixtures.EditManifest(dir, m => m["networks"]!["F"] = "F.onnx");
        Fixtures.EditManifest(dir, m => m["networks"]!["F_split"] = JsonNode.Parse("[\"F_pre.onnx\"]"));
        Fails(dir, "avatar.json", "networks.F_split has 1 entries");
    }

    private static void EditPly(string dir, Func<string, string> header, Action<Span<float>>? data = null)
    {
        var path = Path.Combine(dir, "canonical.ply");
        var (h, d) = Fixtures.ReadPly(path);
        data?.Invoke(MemoryMarshal.Cast<byte, float>(d.AsSpan()));
        Fixtures.WritePly(path, header(h), d);
    }

    [Fact]
    public void DamagedPly()
    {
        var dir = fx.CopyOf(fx.NoG);
        var ply = Path.Combine(dir, "canonical.ply");
        var good = File.ReadAllBytes(ply);

        File.WriteAllBytes(ply, good[..(good.Length - 1000)]);
        Fails(dir, "canonical.ply", "truncated", "200 vertices");

        File.WriteAllBytes(ply, good);
        EditPly(dir, h => h.Replace("property float scale_2\n", "").Replace("property float rot_0\n", "property float rot_0\nproperty float scale_2\n"));
        Fails(dir, "canonical.ply", "vertex property 54 is 'rot_0', expected 'scale_2'");

        File.WriteAllBytes(ply, good);
        EditPly(dir, h => h.Replace("end_header", "property float extra\nend_header"));
        Fails(dir, "canonical.ply", "extra vertex property 'extra'");

        File.WriteAllBytes(ply, good);
        EditPly(dir, h => h.Replace("float f_dc_1", "uchar f_dc_1"));
        Fails(dir, "canonical.ply", "property 'f_dc_1' is uchar");

        File.WriteAllBytes(ply, good);
        EditPly(dir, h => h.Replace("binary_little_endian", "ascii"));
        Fails(dir, "canonical.ply", "ASCII PLY");

        File.WriteAllBytes(ply, good);
        var p = 3 + 48 + 8 + 8 + 4;
        EditPly(dir, h => h, d => d[123 * p + 66] = float.NegativeInfinity); // feat_7 of vertex 123
        Fails(dir, "canonical.ply", "vertex 123, property 'feat_7' is -Infinity");

        File.Delete(ply);
        Fails(dir, "canonical.ply", "PLY file is missing");
    }

    [Fact]
    public void PlyDimensionsDisagreeWithTheManifest()
    {
        var dir = fx.CopyOf(fx.NoG);
        Fixtures.EditManifest(dir, m => m["feature_dim"] = 6);
        Fails(dir, "canonical.ply", "has 8 feat_* properties but avatar.json says feature_dim 6");
        Fixtures.EditManifest(dir, m => { m["feature_dim"] = 8; m["latent_dim"] = 5; });
        Fails(dir, "canonical.ply", "has 4 latent_* properties but avatar.json says latent_dim 5");
        Fixtures.EditManifest(dir, m => { m["latent_dim"] = 4; m["sh_degree"] = 2; });
        Fails(dir, "canonical.ply", "45 f_rest_* properties, i.e. SH degree 3, but avatar.json says sh_degree 2");
    }

    [Fact]
    public void MissingUnreadableOrNonOnnxNetworks()
    {
        var dir = fx.CopyOf(fx.Full);
        File.Delete(Path.Combine(dir, "G.onnx"));
        Fails(dir, "G.onnx", "G (detail network, NPGA eq. 5), named by networks.G in avatar.json, is missing");

        dir = fx.CopyOf(fx.Full);
        File.Delete(Path.Combine(dir, "F_post.onnx"));
        Directory.CreateDirectory(Path.Combine(dir, "F_post.onnx"));
        Fails(dir, "F_post.onnx", "cannot be read", "directory");

        dir = fx.CopyOf(fx.NoG);
        File.WriteAllText(Path.Combine(dir, "F.onnx"), "this is not an ONNX model\n");
        var e = Fails(dir, "F.onnx", "F (deformation prior, NPGA eq. 4) is not a model ONNX Runtime can load; ORT says: ");
        var ort = Assert.IsType<OrtException>(e.InnerException);
        Assert.Contains(ort.OrtMessage, e.Message);

        dir = fx.CopyOf(fx.Full);
        var cnn = Path.Combine(dir, "cnn.onnx");
        File.WriteAllBytes(cnn, File.ReadAllBytes(cnn)[..2000]);
        e = Fails(dir, "cnn.onnx", "cnn (screen-space refinement, NPGA eq. 7) is not a model ONNX Runtime can load; ORT says: ");
        Assert.IsType<OrtException>(e.InnerException);
    }

    /// <summary>Replaces <paramref name="file"/> in a copy of <paramref name="package"/> by the stub <paramref name="stub"/>.</summary>
    private string WithStub(string package, string file, string stub)
    {
        var dir = fx.CopyOf(package);
        File.Copy(fx.Stub(stub), Path.Combine(dir, file), overwrite: true);
        return dir;
    }

    [Theory]
    [InlineData("f_feat_renamed", "has no input 'feat'")]
    [InlineData("f_z_int64", "input 'z_exp' is Int64, not float32")]
    [InlineData("f_z_rank1", "input 'z_exp' has rank 1 [15], not rank 2 [1,K=15]")]
    [InlineData("f_mu_width4", "input 'mu' is [-1,4]: dimension 1 is 4, not 3")]
    [InlineData("f_k10", "input 'z_exp' is [1,10]: dimension 1 is 10, not K=15")]
    [InlineData("f_fixed_n", "input 'mu' is [399,3]: the model fixes N = 399, but canonical.ply holds 400 Gaussians")]
    [InlineData("f_extra_input", "has an unexpected input 't'")]
    [InlineData("f_out_renamed", "has no output 'd_mu'")]
    public void FBreaksTheContract(string stub, string fragment)
    {
        var e = Fails(WithStub(fx.Full, "F.onnx", stub), "F.onnx", "F (deformation prior, NPGA eq. 4): ", fragment,
            "The contract is (mu [N=400,3], feat [N=400,feature_dim=8], z_exp [1,K=15]) -> (d_mu [N=400,3])");
        Assert.Contains("this model's ", e.Message);
    }

    [Theory]
    [InlineData("g_no_latent", "has no output 'd_latent'")]
    [InlineData("g_sh27", "output 'd_sh' is [-1,27]: dimension 1 is 27, not 3(d+1)²=48")]
    [InlineData("g_extra_output", "has an unexpected output 'd_color'")]
    public void GBreaksTheContract(string stub, string fragment) =>
        Fails(WithStub(fx.Full, "G.onnx", stub), "G.onnx", "G (detail network, NPGA eq. 5): ", fragment);

    [Fact]
    public void OtherContractBreaks()
    {
        // The real G in F's place: G's extra outputs.
        var dir = fx.CopyOf(fx.Full);
        File.Copy(Path.Combine(dir, "G.onnx"), Path.Combine(dir, "F.onnx"), overwrite: true);
        Fails(dir, "F.onnx", "has an unexpected output 'd_rot'");

        // The real CNN in G_post's place.
        dir = fx.CopyOf(fx.Full);
        File.Copy(Path.Combine(dir, "cnn.onnx"), Path.Combine(dir, "G_post.onnx"), overwrite: true);
        Fails(dir, "G_post.onnx", "G_post (second part of G split at export", "has no input 'h0'");

        Fails(WithStub(fx.Full, "cnn.onnx", "cnn_3ch"), "cnn.onnx", "input 'image' is [1,3,-1,-1]: dimension 1 is 3, not 3+latent_dim=7");

        // Split parts whose hidden widths disagree.
        dir = WithStub(fx.NoG, "F_pre.onnx", "f_pre_h64");
        File.Copy(fx.Stub("f_post_h32"), Path.Combine(dir, "F_post.onnx"), overwrite: true);
        Fails(dir, "F_post.onnx", "input 'h0' is [-1,32]: dimension 1 is 32, not H=64");
    }

    [Fact]
    public void ExpressionModelMismatch()
    {
        var e = FailsExpecting(fx.NoG, "avatar.json", "other-model-v9",
            "avatar fixture-s3-n200 is driven by codes of mp468-pca-v1, not other-model-v9");
        Assert.Null(e.InnerException);
        Assert.NotNull(AvatarPackage.Load(fx.NoG, "mp468-pca-v1"));
    }
}
