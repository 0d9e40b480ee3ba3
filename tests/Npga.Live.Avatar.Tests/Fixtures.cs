using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npga.Live.Core;

namespace Npga.Live.Avatar.Tests;

/// <summary>
/// Runs scripts/testdata/make_avatar_fixture.py (Debian's /usr/bin/python3 with python3-onnx and python3-numpy) and
/// builds damaged copies of its packages. Also compiled into tests/Npga.Live.Pipeline.Tests and tests/Npga.Live.Cli.Tests.
/// </summary>
internal static class Fixtures
{
    public const string Python = "/usr/bin/python3";
    public const string ExpressionModel = "mp468-pca-v1";
    public const int K = 15, FeatureDim = 8, LatentDim = 4, ShDegree = 3;

    public static string Script => Path.Combine(RepoPaths.RequireRoot(), "scripts", "testdata", "make_avatar_fixture.py");

    /// <summary>Writes a package into <paramref name="dir"/> with the script's defaults overridden by <paramref name="args"/>.</summary>
    public static string Make(string dir, params string[] args)
    {
        Run(["--out", dir, .. args]);
        return dir;
    }

    /// <summary>Writes stub models (see the script's --stubs); each spec: out, inputs [[name, dims, type?]], outputs [[name, dims]].</summary>
    public static void MakeStubs(string specFile, IEnumerable<object> specs)
    {
        File.WriteAllText(specFile, JsonSerializer.Serialize(specs));
        Run(["--stubs", specFile]);
    }

    private static void Run(string[] args)
    {
        var psi = new ProcessStartInfo(Python) { RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add(Script);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(120_000))
        {
            p.Kill();
            throw new TimeoutException($"{Script} {string.Join(' ', args)} ran over 2 minutes");
        }
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{Script} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr.Result}{stdout.Result}");
    }

    /// <summary>A fresh temporary directory.</summary>
    public static string TempDir(string prefix)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>A copy of package <paramref name="source"/> in a new temporary directory under <paramref name="root"/>.</summary>
    public static string CopyOf(string source, string root)
    {
        var dir = Path.Combine(root, "copy-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.GetFiles(source)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        return dir;
    }

    public static void EditManifest(string dir, Action<JsonObject> edit)
    {
        var path = Path.Combine(dir, "avatar.json");
        var node = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(node);
        File.WriteAllText(path, node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Splits a PLY into its header text (through "end_header\n") and the data bytes.</summary>
    public static (string Header, byte[] Data) ReadPly(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var marker = Encoding.ASCII.GetBytes("end_header\n");
        var at = bytes.AsSpan().IndexOf(marker) + marker.Length;
        return (Encoding.ASCII.GetString(bytes, 0, at), bytes[at..]);
    }

    public static void WritePly(string path, string header, ReadOnlySpan<byte> data)
    {
        using var f = File.Create(path);
        f.Write(Encoding.ASCII.GetBytes(header));
        f.Write(data);
    }
}

/// <summary>
/// The packages every test class shares, generated once per test run: <see cref="Full"/> (N = 400, G, CNN, splits,
/// weights JSON), <see cref="Zero"/> (zero output layers), <see cref="NoG"/> (F only) and contract-breaking stub models.
/// </summary>
public sealed class AvatarFixture : IDisposable
{
    public const int FullN = 400;

    public AvatarFixture()
    {
        Root = Fixtures.TempDir("npga-avatar-tests");
        Full = Fixtures.Make(Path.Combine(Root, "full"), "--n", $"{FullN}", "--hidden", "64", "--layers", "3", "--seed", "1",
            "--weights-json", Path.Combine(Root, "full-weights.json"));
        Weights = FixtureWeights.Load(Path.Combine(Root, "full-weights.json"));
        Zero = Fixtures.Make(Path.Combine(Root, "zero"), "--n", "300", "--hidden", "16", "--layers", "2", "--seed", "2", "--zero-offsets");
        NoG = Fixtures.Make(Path.Combine(Root, "nog"), "--n", "200", "--hidden", "16", "--layers", "2", "--seed", "3", "--no-g", "--no-cnn",
            "--weights-json", Path.Combine(Root, "nog-weights.json"));
        NoGWeights = FixtureWeights.Load(Path.Combine(Root, "nog-weights.json"));
        Stubs = Path.Combine(Root, "stubs");
        Directory.CreateDirectory(Stubs);
        MakeStubs();
    }

    public string Root { get; }
    public string Full { get; }
    public FixtureWeights Weights { get; }
    public string Zero { get; }
    public string NoG { get; }
    public FixtureWeights NoGWeights { get; }
    public string Stubs { get; }

    public string Stub(string name) => Path.Combine(Stubs, name + ".onnx");

    /// <summary>A damaged copy's home: a fresh copy of <paramref name="package"/>.</summary>
    public string CopyOf(string package) => Fixtures.CopyOf(package, Root);

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }

    private void MakeStubs()
    {
        const int n = FullN, d = Fixtures.FeatureDim, k = Fixtures.K;
        object T(string name, object[] dims, string type = "float") => new object[] { name, dims, type };
        object O(string name, params object[] dims) => new object[] { name, dims };
        object[] fIn = [T("mu", ["N", 3]), T("feat", ["N", d]), T("z_exp", [1, k])];
        object[] gOut = [O("d_mu", "N", 3), O("d_rot", "N", 4), O("d_scale", "N", 3), O("d_opacity", "N", 1), O("d_sh", "N", 48), O("d_latent", "N", 4)];
        var specs = new List<object>
        {
            Spec("f_feat_renamed", [T("mu", ["N", 3]), T("features", ["N", d]), T("z_exp", [1, k])], [O("d_mu", "N", 3)]),
            Spec("f_z_int64", [T("mu", ["N", 3]), T("feat", ["N", d]), T("z_exp", [1, k], "int64")], [O("d_mu", "N", 3)]),
            Spec("f_z_rank1", [T("mu", ["N", 3]), T("feat", ["N", d]), T("z_exp", [k])], [O("d_mu", "N", 3)]),
            Spec("f_mu_width4", [T("mu", ["N", 4]), T("feat", ["N", d]), T("z_exp", [1, k])], [O("d_mu", "N", 3)]),
            Spec("f_k10", [T("mu", ["N", 3]), T("feat", ["N", d]), T("z_exp", [1, 10])], [O("d_mu", "N", 3)]),
            Spec("f_fixed_n", [T("mu", [n - 1, 3]), T("feat", [n - 1, d]), T("z_exp", [1, k])], [O("d_mu", n - 1, 3)]),
            Spec("f_extra_input", [.. fIn, T("t", [1])], [O("d_mu", "N", 3)]),
            Spec("f_out_renamed", fIn, [O("delta_mu", "N", 3)]),
            Spec("g_no_latent", fIn, gOut[..5]),
            Spec("g_sh27", fIn, [.. gOut[..4], O("d_sh", "N", 27), gOut[5]]),
            Spec("g_extra_output", fIn, [.. gOut, O("d_color", "N", 3)]),
            Spec("cnn_3ch", [T("image", [1, 3, "H", "W"])], [O("rgb", 1, 3, "H", "W")]),
            Spec("f_pre_h64", [T("mu", ["N", 3]), T("feat", ["N", d])], [O("h0", "N", 64)]),
            Spec("f_post_h32", [T("h0", ["N", 32]), T("z_exp", [1, k])], [O("d_mu", "N", 3)]),
        };
        Fixtures.MakeStubs(Path.Combine(Stubs, "specs.json"), specs);

        object Spec(string name, object[] inputs, object[] outputs) =>
            new Dictionary<string, object> { ["out"] = Stub(name), ["inputs"] = inputs, ["outputs"] = outputs };
    }
}

[CollectionDefinition("avatar fixtures")]
public sealed class AvatarFixtureCollection : ICollectionFixture<AvatarFixture>;

/// <summary>The MLP weights the script wrote (--weights-json), and F and G evaluated from them in plain double-precision code.</summary>
public sealed class FixtureWeights
{
    public sealed record Layer(int In, int Out, float[] W, float[] B);

    public sealed record Mlp(Layer[] Layers, (string Name, int Width)[] Outputs)
    {
        /// <summary>The MLP on x = concat(mu, feat, z_exp): hidden layers with ReLU, a linear last layer; outputs by name.</summary>
        public Dictionary<string, double[]> Evaluate(ReadOnlySpan<float> mu, ReadOnlySpan<float> feat, ReadOnlySpan<float> z)
        {
            var x = new double[mu.Length + feat.Length + z.Length];
            var o = 0;
            foreach (var v in mu) x[o++] = v;
            foreach (var v in feat) x[o++] = v;
            foreach (var v in z) x[o++] = v;
            for (var l = 0; l < Layers.Length; l++)
            {
                var layer = Layers[l];
                Assert.Equal(layer.In, x.Length);
                var y = new double[layer.Out];
                for (var j = 0; j < layer.Out; j++)
                {
                    double s = layer.B[j];
                    for (var i = 0; i < layer.In; i++) s += x[i] * layer.W[i * layer.Out + j];
                    y[j] = l < Layers.Length - 1 ? Math.Max(0, s) : s;
                }
                x = y;
            }
            var result = new Dictionary<string, double[]>();
            o = 0;
            foreach (var (name, width) in Outputs)
            {
                result[name] = x[o..(o + width)];
                o += width;
            }
            return result;
        }
    }

    public required Mlp F { get; init; }
    public Mlp? G { get; init; }

    public static FixtureWeights Load(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        static Mlp Read(JsonElement e) => new(
            e.GetProperty("layers").EnumerateArray().Select(l => new Layer(
                l.GetProperty("in").GetInt32(), l.GetProperty("out").GetInt32(),
                l.GetProperty("W").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray(),
                l.GetProperty("b").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray())).ToArray(),
            e.GetProperty("outputs").EnumerateArray().Select(o => (o[0].GetString()!, o[1].GetInt32())).ToArray());
        var root = doc.RootElement;
        return new FixtureWeights
        {
            F = Read(root.GetProperty("F")),
            G = root.TryGetProperty("G", out var g) ? Read(g) : null,
        };
    }
}
