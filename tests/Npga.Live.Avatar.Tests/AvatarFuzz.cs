using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Npga.Live.Core;
using Npga.Live.Core.Gaussians;
using Npga.Live.Tests.Shared;
using Tape = Npga.Live.Tests.Shared.Fuzz.Tape;

namespace Npga.Live.Avatar.Tests;

/// <summary>
/// Generators for the avatar fuzz tests: the shipped manifests (models/avatars/default and the mona-lisa one-shot)
/// with fields dropped, renamed, wrapped or replaced (wrong types, huge and tiny numbers, NaN strings, deep nesting,
/// very long strings, paths), then maybe damaged as text (truncated, a character inserted or deleted, lines duplicated
/// or swapped: duplicate keys); and small PLYs written by <see cref="GaussianPly.Write"/> with their headers (counts,
/// types, names, format, end_header) and bodies (truncated, extended, NaN/Inf, random bytes) damaged.
/// </summary>
internal static class AvatarFuzz
{
    /// <summary>The shipped manifests, as text.</summary>
    public static readonly string[] ShippedManifests =
    [
        File.ReadAllText(Path.Combine(RepoPaths.Models, "avatars", "default", AvatarManifest.FileName)),
        File.ReadAllText(Path.Combine(RepoPaths.Models, "avatars", "mona-lisa", AvatarManifest.FileName)),
    ];

    /// <summary>JSON values (raw text) put in place of a field's value.</summary>
    private static readonly string[] RawValues =
    [
        "0", "-1", "1", "3", "4", "8", "15", "16", "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967296",
        "9223372036854775808", "123456789012345678901234567890", "1e308", "1e309", "1e400", "-1e400", "1e-400", "1.5", "3.0", "-0",
        "0.0001", "180", "180.0001", "true", "false", "null", "[]", "{}", "\"\"", "\" \"", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"",
        "\"1\"", "\"npga-avatar/1\"", "\"npga-avatar/2\"", "\"F.onnx\"", "\"G.onnx\"", "\"cnn.onnx\"", "\"F_pre.onnx\"", "\"F_post.onnx\"",
        "\"canonical.ply\"", "\"avatar.json\"", "\"../F.onnx\"", "\"/etc/passwd\"", "\"F.onnx/\"", "\"sub\\\\F.onnx\"", "\".\"", "\"..\"",
        "\"F\\u0000.onnx\"", "\"\\ud800\"", "\"mp468-pca-v1\"", "\"other-model\"", "[1,0,0,0,1,0,0,0,1]", "[1,0,0,0,-1,0,0,0,-1]",
        "[0,0,0,0,0,0,0,0,0]", "[0,0,0]", "[0.5,0.5,0.5]", "[1,1]", "[0,0,0,0]", "[\"F_pre.onnx\",\"F_post.onnx\"]",
        "[\"F.onnx\"]", "[null,null]", "[1e400]", "{\"F\":\"F.onnx\"}", "[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]",
    ];

    /// <summary>A raw value: one of <see cref="RawValues"/>, a very long string, a long array, or deep nesting.</summary>
    private static string RawValue(Tape t) => t.Next(10) switch
    {
        0 => "\"" + Fuzz.Long(t.Pick(['a', 'é', '/']), t.Pick([256, 70_000])) + "\"",
        1 => "[" + string.Join(",", Enumerable.Repeat(t.Pick(["0", "1.5", "\"x\"", "null"]), t.Pick([15, 16, 1000, 50_000]))) + "]",
        2 => Deep(t.Pick([10, 63, 64, 65, 1_000, 100_000]), t.Chance(50)),
        _ => t.Pick(RawValues),
    };

    private static string Deep(int depth, bool arrays) => arrays
        ? new string('[', depth) + new string(']', depth)
        : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);

    /// <summary>Every (container, key or index) slot of <paramref name="root"/>'s tree, in document order, with its path ("networks.F_split.0").</summary>
    private static List<(JsonNode Parent, string? Key, int Index, string Path)> Slots(JsonNode root)
    {
        var slots = new List<(JsonNode, string?, int, string)>();
        void Walk(JsonNode? node, string path)
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var (key, child) in o.ToList())
                    {
                        slots.Add((o, key, -1, path + key));
                        Walk(child, path + key + ".");
                    }
                    break;
                case JsonArray a:
                    for (int i = 0; i < a.Count; i++)
                    {
                        slots.Add((a, null, i, path + i));
                        Walk(a[i], path + i + ".");
                    }
                    break;
            }
        }
        Walk(root, "");
        return slots;
    }

    /// <summary>What <see cref="Packages"/> puts in the fields a package's loader checks against its files: names for the networks, small numbers for the dimensions.</summary>
    private static string PackageValue(string path, Tape t) => path switch
    {
        _ when path.StartsWith("networks", StringComparison.Ordinal) => t.Pick([
            "\"F.onnx\"", "\"G.onnx\"", "\"cnn.onnx\"", "\"F_pre.onnx\"", "\"F_post.onnx\"", "\"G_pre.onnx\"", "\"G_post.onnx\"", "\"canonical.ply\"",
            "\"avatar.json\"", "\"missing.onnx\"", "null", "[\"G_pre.onnx\",\"G_post.onnx\"]", "[\"F_post.onnx\",\"F_pre.onnx\"]", "[\"F_pre.onnx\",\"G_post.onnx\"]"]),
        "expression_model.id" => t.Pick(["\"mp468-pca-v1\"", "\"other-model\""]),
        _ => t.Pick(["0", "1", "2", "3", "4", "8", "14", "15", "16"]),
    };

    /// <summary>The fields <see cref="Packages"/> mutates.</summary>
    private static readonly string[] PackageFields = ["networks", "sh_degree", "feature_dim", "latent_dim", "expression_model"];

    /// <summary>
    /// A shipped manifest with 1–3 structural mutations, then (sometimes) a text mutation; with <paramref name="package"/>,
    /// only the networks and the dimensions are mutated, with file names and small numbers (to reach the loader's checks
    /// of the PLY and the ONNX files rather than stop at the manifest).
    /// </summary>
    public static string MutateManifest(Tape t, bool package = false)
    {
        var root = JsonNode.Parse(t.Pick(ShippedManifests))!;
        var raws = new List<string>();
        JsonNode Marker(string raw)
        {
            raws.Add(raw);
            return JsonValue.Create($"@@raw{raws.Count - 1}@@");
        }

        for (int m = 1 + t.Next(3); m > 0; m--)
        {
            var slots = Slots(root);
            if (package) slots = slots.Where(s => PackageFields.Any(f => s.Path.StartsWith(f, StringComparison.Ordinal))).ToList();
            if (slots.Count == 0) break;
            // Fields near the top are what the reader checks: pick them more often than the metrics' thousands of values.
            var (parent, key, index, path) = t.Chance(60) ? slots[t.Next(Math.Min(slots.Count, 60))] : t.Pick(slots);
            string Value() => package ? PackageValue(path, t) : RawValue(t);
            JsonNode? Get() => key is not null ? parent[key] : parent[index];
            void Set(JsonNode? value)
            {
                if (key is not null) parent[key] = value;
                else parent[index] = value;
            }
            switch (package ? Math.Min(t.Next(5), 2) : t.Next(6))
            {
                case 0:
                    if (key is not null) parent.AsObject().Remove(key);
                    else parent.AsArray().RemoveAt(index);
                    break;
                case 1 or 2:
                    Set(Marker(Value()));
                    break;
                case 3 when key is not null:
                    var moved = Get()?.DeepClone();
                    parent.AsObject().Remove(key);
                    parent[t.Pick([key.ToUpperInvariant(), key + "_", "", key.Replace('_', '-'), "F_split", "rest_code", "view_range_deg", "K"])] = moved;
                    break;
                case 4:
                    Set(new JsonArray(Get()?.DeepClone()));
                    break;
                default:
                    if (Get() is JsonArray array) array.Add(array.Count > 0 ? array[0]?.DeepClone() : Marker(Value()));
                    else Set(Marker(Value()));
                    break;
            }
        }
        var text = root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        for (int i = 0; i < raws.Count; i++) text = text.Replace($"\"@@raw{i}@@\"", raws[i]);
        return !package && t.Chance(30) ? DamageText(text, t) : text;
    }

    /// <summary>One text-level damage: truncation, a character inserted or deleted, a line duplicated or swapped.</summary>
    public static string DamageText(string text, Tape t)
    {
        int at = t.Next(text.Length + 1);
        switch (t.Next(5))
        {
            case 0: return text[..at];
            case 1: return text.Insert(at, t.Pick(["{", "}", "[", "]", ",", ":", "\"", "\\", "\0", "\ud800", "\ufeff", "é", "/*x*/", "\n"]));
            case 2: return at < text.Length ? text.Remove(at, 1) : text;
            default:
                var lines = text.Split('\n').ToList();
                int i = t.Next(lines.Count), j = t.Next(lines.Count);
                if (t.Chance(50)) lines.Insert(i, lines[i]);
                else (lines[i], lines[j]) = (lines[j], lines[i]);
                return string.Join('\n', lines);
        }
    }

    /// <summary>Manifests: mutated shipped ones, and now and then a shipped one untouched.</summary>
    public static readonly Gen<string> Manifests = Gen.Frequency(
        (12, Fuzz.Tapes.Select(t => MutateManifest(t))),
        (1, Gen.Int[0, 1].Select(i => ShippedManifests[i])));

    /// <summary>Manifests for whole packages: mostly ones whose networks and dimensions are mutated, some of <see cref="Manifests"/>.</summary>
    public static readonly Gen<string> Packages = Gen.Frequency(
        (3, Fuzz.Tapes.Select(t => MutateManifest(t, package: true))),
        (1, Manifests));

    // ---- PLY

    /// <summary>A PLY written by <see cref="GaussianPly.Write"/> for a random small cloud, as bytes.</summary>
    public static byte[] WritePly(Tape t, string dir)
    {
        var cloud = new GaussianCloud(t.Pick([0, 1, 2, 3, 5]), t.Next(4), t.Pick([0, 1, 8]), t.Pick([0, 1, 4]));
        var rng = new Random(t.Next(int.MaxValue));
        foreach (var a in new[] { cloud.Means, cloud.Rotations, cloud.LogScales, cloud.OpacityLogits, cloud.Sh, cloud.Features, cloud.Latents })
            for (int i = 0; i < a.Length; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
        var path = Path.Combine(dir, $"w-{Guid.NewGuid():N}.ply");
        GaussianPly.Write(path, cloud);
        try
        {
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static readonly string[] OddCounts =
        ["-1", "0", "1", "2", "4", "6", "2147483647", "2147483648", "4294967296", "99999999999", "1e3", "0x10", "+3", "3.0", "٣", ""];

    /// <summary>A PLY with 0–3 header damages and 0–2 body damages (at least one in all).</summary>
    public static byte[] MutatePly(byte[] ply, Tape t)
    {
        var marker = "end_header\n"u8;
        int end = ply.AsSpan().IndexOf(marker) + marker.Length;
        var header = Encoding.ASCII.GetString(ply, 0, end).Split('\n').ToList(); // the last entry is "" (after end_header\n)
        var body = ply[end..].ToList();
        int headerDamages = t.Next(4), bodyDamages = headerDamages == 0 ? 1 + t.Next(2) : t.Next(3);
        for (int m = 0; m < headerDamages; m++)
        {
            int i = 1 + t.Next(Math.Max(1, header.Count - 2)); // not the "ply" line, mostly
            switch (t.Next(10))
            {
                case 0: header[header.FindIndex(l => l.StartsWith("element", StringComparison.Ordinal)) is var e and >= 0 ? e : i] = "element vertex " + t.Pick(OddCounts); break;
                case 1:
                    if (header[i].StartsWith("property ", StringComparison.Ordinal))
                        header[i] = "property " + t.Pick(["double", "uchar", "int", "float64", "list uchar int", "flaot", "", "float float"]) + " " + header[i].Split(' ')[^1];
                    break;
                case 2: header.RemoveAt(i); break;
                case 3: header.Insert(i, header[i]); break;
                case 4:
                    int j = 1 + t.Next(Math.Max(1, header.Count - 2));
                    (header[i], header[j]) = (header[j], header[i]);
                    break;
                case 5: header[1] = "format " + t.Pick(["ascii 1.0", "binary_big_endian 1.0", "binary_little_endian 2.0", "binary_little_endian", "binary_little_endian 1.0 x"]); break;
                case 6:
                    int eh = header.IndexOf("end_header");
                    if (eh >= 0) header[eh] = t.Pick(["", "end_header ", "end_heade", "comment end_header", "end_header\r"]);
                    break;
                case 7: header.Insert(i, t.Pick(["element face 3", "property list uchar int vertex_indices", "comment x", "obj_info y", "bogus", "comment " + Fuzz.Long('c', 70_000), "property float nx", "property float feat_9"])); break;
                case 8: header[i] = header[i] + t.Pick(["\r", " ", "é", "\0"]); break;
                default: header[0] = t.Pick(["ply\r", "PLY", "ply ", ""]); break;
            }
        }
        for (int m = 0; m < bodyDamages; m++)
        {
            switch (t.Next(5))
            {
                case 0:
                    int keep = t.Next(body.Count + 1);
                    body.RemoveRange(keep, body.Count - keep);
                    break;
                case 1: body.AddRange(Enumerable.Repeat((byte)t.Next(256), t.Pick([1, 3, 4, 64]))); break;
                case 2 or 3:
                    if (body.Count >= 4)
                    {
                        int at = 4 * t.Next(body.Count / 4);
                        var v = BitConverter.GetBytes(t.Pick([float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, float.Epsilon, -0f, 1e30f]));
                        for (int k = 0; k < 4; k++) body[at + k] = v[k];
                    }
                    break;
                default:
                    if (body.Count > 0) body[t.Next(body.Count)] = (byte)t.Next(256);
                    break;
            }
        }
        return [.. Encoding.Latin1.GetBytes(string.Join('\n', header)), .. body];
    }
}
