using System.Text.Json;
using System.Text.Json.Serialization;

namespace Npga.Live.Avatar.Deform;

/// <summary>
/// A distilled deformation prior (<c>models/deformation/&lt;id&gt;/prior.json</c>, format
/// <c>npga-deformation-prior/1</c>, written by <c>scripts/deformation/train_prior.py</c>): NPGA's forward
/// deformation F(x_c, f(x_c); z_exp) → Δμ (eq. 4), shared by every avatar of one expression model, and the
/// low-resolution feature field f it was trained with (NPGA: triplanes). Avatars copy F's ONNX files and take
/// their per-Gaussian features f from <see cref="SampleFeatures"/>.
/// <para>Feature field: float32 triplanes [3, C, R, R] (planes xy, xz, yz; texel [c, j, i] at u = i, v = j), over the
/// box [bounds_min, bounds_max] of the canonical head frame (metres). A point samples plane xy at
/// u = (x − min_x)/(max_x − min_x)·R − ½, v = (y − min_y)/(max_y − min_y)·R − ½ (xz: (x, z); yz: (y, z)), bilinearly with the
/// border clamped (torch grid_sample, align_corners = False, padding 'border'); f is the sum of the three samples.</para>
/// </summary>
public sealed class DeformationPrior
{
    private readonly float[] _planes;

    private DeformationPrior(string dir, Dto dto, float[] planes)
    {
        Directory = dir;
        Id = dto.Id!;
        ExpressionModelId = dto.ExpressionModel!.Id!;
        K = dto.ExpressionModel.K;
        FeatureDim = dto.FeatureDim;
        Resolution = dto.FeatureField!.Resolution;
        BoundsMin = dto.FeatureField.BoundsMin!;
        BoundsMax = dto.FeatureField.BoundsMax!;
        F = Path.Combine(dir, dto.Networks!.F!);
        FSplit = dto.Networks.FSplit?.Select(f => Path.Combine(dir, f)).ToArray();
        CanonicalCode = dto.CanonicalCode ?? new float[K];
        _planes = planes;
    }

    /// <summary>The folder holding prior.json.</summary>
    public string Directory { get; }

    /// <summary>Prior id, e.g. mp468-prior-v1.</summary>
    public string Id { get; }

    /// <summary>Expression model id the prior is driven by.</summary>
    public string ExpressionModelId { get; }

    /// <summary>Expression code length K.</summary>
    public int K { get; }

    /// <summary>Feature dimension C of f.</summary>
    public int FeatureDim { get; }

    /// <summary>Triplane resolution R.</summary>
    public int Resolution { get; }

    /// <summary>Lower corner of the feature field's box, metres.</summary>
    public double[] BoundsMin { get; }

    /// <summary>Upper corner of the feature field's box, metres.</summary>
    public double[] BoundsMax { get; }

    /// <summary>
    /// The expression code z_c of the prior's canonical space: F maps points of the canonical mesh C + B·z_c (not C) to the
    /// posed mesh C + B·z_exp. As in NPGA, whose NPHM canonical space has the mouth open, a canonical code with the mouth open
    /// keeps the upper and lower lips apart, so the forward field F need not tear points that touch. Zeros when absent.
    /// </summary>
    public float[] CanonicalCode { get; }

    /// <summary>Path of F.onnx (mu [N,3], feat [N,C], z_exp [1,K] → d_mu [N,3]).</summary>
    public string F { get; }

    /// <summary>Paths of [F_pre.onnx, F_post.onnx], or null.</summary>
    public string[]? FSplit { get; }

    /// <summary>Loads a prior from its folder (or its prior.json).</summary>
    /// <exception cref="AvatarFormatException">Missing, malformed or inconsistent files (message names the file).</exception>
    public static DeformationPrior Load(string path)
    {
        string dir = System.IO.Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path))!;
        string json = System.IO.Directory.Exists(path) ? Path.Combine(path, "prior.json") : path;
        if (!File.Exists(json)) throw new AvatarFormatException(json, "deformation prior manifest is missing");
        Dto dto;
        try { dto = JsonSerializer.Deserialize<Dto>(File.ReadAllText(json)) ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw new AvatarFormatException(json, $"not valid JSON: {e.Message}"); }
        if (dto.CanonicalCode is { } zc && (zc.Length != dto.ExpressionModel?.K || zc.Any(v => !float.IsFinite(v))))
            throw new AvatarFormatException(json, $"canonical_code must hold K = {dto.ExpressionModel?.K} finite values");
        if (dto.Format != "npga-deformation-prior/1") throw new AvatarFormatException(json, $"unknown format '{dto.Format}', expected npga-deformation-prior/1");
        if (dto.Id is null || dto.ExpressionModel?.Id is null || dto.FeatureField?.File is null || dto.Networks?.F is null
            || dto.FeatureField.BoundsMin is not { Length: 3 } || dto.FeatureField.BoundsMax is not { Length: 3 } || dto.FeatureField.Resolution < 2 || dto.FeatureDim < 1)
            throw new AvatarFormatException(json, "missing or invalid fields (id, expression_model, feature_dim, feature_field{file, resolution, bounds_min, bounds_max}, networks.F)");
        var bin = Path.Combine(dir, dto.FeatureField.File);
        if (!File.Exists(bin)) throw new AvatarFormatException(bin, "feature field file is missing");
        long expected = 3L * dto.FeatureDim * dto.FeatureField.Resolution * dto.FeatureField.Resolution * 4;
        var bytes = File.ReadAllBytes(bin);
        if (bytes.Length != expected) throw new AvatarFormatException(bin, $"holds {bytes.Length} bytes; [3,{dto.FeatureDim},{dto.FeatureField.Resolution},{dto.FeatureField.Resolution}] float32 needs {expected}");
        var planes = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, planes, 0, bytes.Length);
        foreach (var v in planes) if (!float.IsFinite(v)) throw new AvatarFormatException(bin, "holds NaN or Inf");
        foreach (var f in new[] { dto.Networks.F }.Concat(dto.Networks.FSplit ?? []))
            if (!File.Exists(Path.Combine(dir, f))) throw new AvatarFormatException(Path.Combine(dir, f), "network file is missing");
        return new DeformationPrior(dir, dto, planes);
    }

    /// <summary>
    /// Writes f(μ_i) for every point: <paramref name="means"/> [N,3] metres (canonical head frame) →
    /// <paramref name="features"/> [N,C].
    /// </summary>
    /// <exception cref="ArgumentException">Lengths disagree.</exception>
    public void SampleFeatures(ReadOnlySpan<float> means, Span<float> features)
    {
        int n = means.Length / 3, c = FeatureDim;
        if (means.Length != 3 * n || features.Length != n * c) throw new ArgumentException($"means [N,3] and features [N,{c}] disagree");
        for (int i = 0; i < n; i++)
        {
            var f = features.Slice(i * c, c);
            f.Clear();
            double x = means[3 * i], y = means[3 * i + 1], z = means[3 * i + 2];
            Accumulate(0, x, 0, y, 1, f);
            Accumulate(1, x, 0, z, 2, f);
            Accumulate(2, y, 1, z, 2, f);
        }
    }

    private void Accumulate(int plane, double a, int axisA, double b, int axisB, Span<float> f)
    {
        int r = Resolution, c = FeatureDim;
        double u = (a - BoundsMin[axisA]) / (BoundsMax[axisA] - BoundsMin[axisA]) * r - 0.5;
        double v = (b - BoundsMin[axisB]) / (BoundsMax[axisB] - BoundsMin[axisB]) * r - 0.5;
        u = Math.Clamp(u, 0, r - 1);
        v = Math.Clamp(v, 0, r - 1);
        int i0 = Math.Min((int)u, r - 2), j0 = Math.Min((int)v, r - 2);
        float fu = (float)(u - i0), fv = (float)(v - j0);
        float w00 = (1 - fu) * (1 - fv), w10 = fu * (1 - fv), w01 = (1 - fu) * fv, w11 = fu * fv;
        int planeBase = plane * c * r * r;
        for (int ch = 0; ch < c; ch++)
        {
            int o = planeBase + ch * r * r + j0 * r + i0;
            f[ch] += w00 * _planes[o] + w10 * _planes[o + 1] + w01 * _planes[o + r] + w11 * _planes[o + r + 1];
        }
    }

    private sealed class Dto
    {
        [JsonPropertyName("format")] public string? Format { get; set; }
        [JsonPropertyName("id")] public string? Id { get; set; }
        [JsonPropertyName("expression_model")] public ExprDto? ExpressionModel { get; set; }
        [JsonPropertyName("feature_dim")] public int FeatureDim { get; set; }
        [JsonPropertyName("feature_field")] public FieldDto? FeatureField { get; set; }
        [JsonPropertyName("networks")] public NetDto? Networks { get; set; }
        [JsonPropertyName("canonical_code")] public float[]? CanonicalCode { get; set; }
    }

    private sealed class ExprDto
    {
        [JsonPropertyName("id")] public string? Id { get; set; }
        [JsonPropertyName("K")] public int K { get; set; }
    }

    private sealed class FieldDto
    {
        [JsonPropertyName("file")] public string? File { get; set; }
        [JsonPropertyName("resolution")] public int Resolution { get; set; }
        [JsonPropertyName("bounds_min")] public double[]? BoundsMin { get; set; }
        [JsonPropertyName("bounds_max")] public double[]? BoundsMax { get; set; }
    }

    private sealed class NetDto
    {
        [JsonPropertyName("F")] public string? F { get; set; }
        [JsonPropertyName("F_split")] public string[]? FSplit { get; set; }
    }
}
