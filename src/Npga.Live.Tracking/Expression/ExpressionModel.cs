using System.Text.Json;
using System.Text.Json.Serialization;
using Npga.Live.Tracking.Landmarks;

namespace Npga.Live.Tracking.Expression;

/// <summary>
/// The project's linear expression model over MediaPipe's 468 face landmarks, stored as
/// <c>models/expression/&lt;id&gt;/expression_model.json</c> (written by
/// <c>scripts/expression/build_expression_model.py</c>). In the canonical head frame (metres,
/// right-handed, +y up, +z out of the face, +x to the face's left) a face with expression code z_exp
/// has landmarks X(z) = C + Σ_k z_k·B_k, where C [468,3] is the canonical neutral shape and B [K,468,3]
/// are basis vectors scaled so that z_exp has unit variance over the training tracks.
/// </summary>
public sealed class ExpressionModel
{
    private ExpressionModel(string id, float[] canonical, float[] basis, int k, int[] stable, int[][] triangles, float regularization)
    {
        Id = id;
        Canonical = canonical;
        Basis = basis;
        K = k;
        StableIndices = stable;
        Triangles = triangles;
        Regularization = regularization;
    }

    /// <summary>Model id, e.g. <c>mp468-pca-v1</c>; avatars name the id they are driven by.</summary>
    public string Id { get; }

    /// <summary>Number of expression components K (length of z_exp).</summary>
    public int K { get; }

    /// <summary>Canonical neutral shape C, [468·3] (metres, canonical head frame).</summary>
    public float[] Canonical { get; }

    /// <summary>Basis B, [K·468·3] row-major (component k occupies [k·1404, (k+1)·1404)), metres per unit z.</summary>
    public float[] Basis { get; }

    /// <summary>Landmarks that move little with expression: the head pose is fitted on these.</summary>
    public int[] StableIndices { get; }

    /// <summary>The project's triangulation of the landmarks (eyes and mouth left open), [T][3].</summary>
    public int[][] Triangles { get; }

    /// <summary>Ridge weight λ of the code fit, in squared canonical units (m²) per unit z².</summary>
    public float Regularization { get; }

    /// <summary>Reads a model from its JSON file or from the folder holding <c>expression_model.json</c>.</summary>
    /// <exception cref="FileNotFoundException">No model there.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid expression model (message says what is wrong).</exception>
    public static ExpressionModel Load(string path)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, "expression_model.json");
        if (!File.Exists(path)) throw new FileNotFoundException($"expression model not found: {path}", path);
        Dto dto;
        try
        {
            dto = JsonSerializer.Deserialize<Dto>(File.ReadAllText(path)) ?? throw new InvalidDataException("empty document");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid expression model JSON: {e.Message}", e);
        }
        string Fail(string what) => throw new InvalidDataException($"{path}: {what}");
        if (dto.Format != "npga-expression/1") Fail($"unknown format '{dto.Format}', expected npga-expression/1");
        if (string.IsNullOrWhiteSpace(dto.Id)) Fail("missing id");
        if (dto.Canonical is null || dto.Canonical.Length != FaceLandmarks.Count) Fail($"canonical must hold {FaceLandmarks.Count} points");
        if (dto.Basis is null || dto.Basis.Length != dto.K) Fail($"basis must hold K={dto.K} components");
        var canonical = Flatten(dto.Canonical!, path);
        var basis = new float[dto.K * FaceLandmarks.Count * 3];
        for (int k = 0; k < dto.K; k++)
        {
            if (dto.Basis![k].Length != FaceLandmarks.Count * 3) Fail($"basis component {k} must hold {FaceLandmarks.Count * 3} values");
            dto.Basis[k].CopyTo(basis, k * FaceLandmarks.Count * 3);
        }
        foreach (var v in basis) if (!float.IsFinite(v)) Fail("basis holds NaN or Inf");
        if (dto.StableIndices is null || dto.StableIndices.Length < 3 || dto.StableIndices.Any(i => i < 0 || i >= FaceLandmarks.Count)) Fail("stable_indices must hold at least 3 landmark indices");
        var tris = dto.Triangles ?? [];
        if (tris.Any(t => t.Length != 3 || t.Any(i => i < 0 || i >= FaceLandmarks.Count))) Fail("triangles must be index triples into the 468 landmarks");
        return new ExpressionModel(dto.Id!, canonical, basis, dto.K, dto.StableIndices!, tris, dto.Regularization);
    }

    /// <summary>Loads the model with id <paramref name="id"/> from <c>models/expression/&lt;id&gt;/</c>.</summary>
    public static ExpressionModel LoadById(string modelsDir, string id) => Load(Path.Combine(modelsDir, "expression", id));

    /// <summary>Writes C + B·z into <paramref name="dst"/> (468·3 floats, metres).</summary>
    public void Shape(ReadOnlySpan<float> z, Span<float> dst)
    {
        Canonical.CopyTo(dst);
        int n = Canonical.Length;
        for (int k = 0; k < K && k < z.Length; k++)
        {
            float zk = z[k];
            if (zk == 0) continue;
            var b = Basis.AsSpan(k * n, n);
            for (int i = 0; i < n; i++) dst[i] += zk * b[i];
        }
    }

    private static float[] Flatten(float[][] pts, string path)
    {
        var flat = new float[pts.Length * 3];
        for (int i = 0; i < pts.Length; i++)
        {
            if (pts[i].Length != 3) throw new InvalidDataException($"{path}: canonical point {i} must have 3 coordinates");
            for (int c = 0; c < 3; c++)
            {
                if (!float.IsFinite(pts[i][c])) throw new InvalidDataException($"{path}: canonical point {i} is not finite");
                flat[3 * i + c] = pts[i][c];
            }
        }
        return flat;
    }

    private sealed class Dto
    {
        [JsonPropertyName("format")] public string? Format { get; set; }
        [JsonPropertyName("id")] public string? Id { get; set; }
        [JsonPropertyName("K")] public int K { get; set; }
        [JsonPropertyName("canonical")] public float[][]? Canonical { get; set; }
        [JsonPropertyName("basis")] public float[][]? Basis { get; set; }
        [JsonPropertyName("stable_indices")] public int[]? StableIndices { get; set; }
        [JsonPropertyName("triangles")] public int[][]? Triangles { get; set; }
        [JsonPropertyName("regularization")] public float Regularization { get; set; }
    }
}
