using System.Text.Json;

namespace Npga.Live.Pipeline.Live;

/// <summary>
/// The four corner expressions of the live page's expression pad (NPGA's latent interpolation viewer): z_exp codes of
/// the project's expression model, stored beside it as <c>presets.json</c> (<c>{"expression_model": id, "presets":
/// [{"name", "z": [K floats]}, ×4]}</c>, corners in the order top-left, top-right, bottom-left, bottom-right). A pad
/// position blends them bilinearly: z = Σ w_i z_i.
/// </summary>
public sealed class ExpressionPresets
{
    /// <summary>Corners of the pad.</summary>
    public const int Count = 4;

    private readonly float[][] _codes;

    /// <summary>Builds presets from four codes of one expression model.</summary>
    /// <exception cref="ArgumentException">Not four presets, or codes of different or zero length.</exception>
    public ExpressionPresets(string expressionModelId, IReadOnlyList<string> names, IReadOnlyList<float[]> codes)
    {
        if (names.Count != Count || codes.Count != Count) throw new ArgumentException($"the pad needs {Count} presets");
        int k = codes[0].Length;
        if (k == 0 || codes.Any(c => c.Length != k)) throw new ArgumentException("preset codes must all have K > 0 values");
        ExpressionModelId = expressionModelId;
        Names = names.ToArray();
        _codes = codes.Select(c => (float[])c.Clone()).ToArray();
    }

    /// <summary>The expression model the codes belong to.</summary>
    public string ExpressionModelId { get; }

    /// <summary>Preset names, pad corners in order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>K, the code length.</summary>
    public int K => _codes[0].Length;

    /// <summary>Writes Σ w_i z_i into <paramref name="z"/>.</summary>
    /// <exception cref="ArgumentException">Not 4 weights or a destination of the wrong length.</exception>
    public void Blend(ReadOnlySpan<float> weights, Span<float> z)
    {
        if (weights.Length != Count || z.Length != K) throw new ArgumentException($"need {Count} weights and K = {K} outputs");
        z.Clear();
        for (int i = 0; i < Count; i++)
            for (int k = 0; k < K; k++) z[k] += weights[i] * _codes[i][k];
    }

    /// <summary>Loads <c>presets.json</c>.</summary>
    /// <exception cref="FileNotFoundException">The file is missing.</exception>
    /// <exception cref="InvalidDataException">The file is not valid presets JSON (the message says what is wrong).</exception>
    public static ExpressionPresets Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"expression presets not found: {path}", path);
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            var id = root.GetProperty("expression_model").GetString() ?? throw new InvalidDataException("expression_model is null");
            var items = root.GetProperty("presets").EnumerateArray().ToList();
            return new ExpressionPresets(id, items.Select(p => p.GetProperty("name").GetString() ?? "").ToList(),
                items.Select(p => p.GetProperty("z").EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToList());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: not valid expression presets ({e.Message})", e);
        }
    }
}
