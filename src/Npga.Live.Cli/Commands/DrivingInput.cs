using System.Text.Json;

namespace Npga.Live.Cli.Commands;

/// <summary>An expression code and head pose read from the CLI's inputs (codes.json or one line of tracks.jsonl).</summary>
internal sealed record DrivingInput(float[] ZExp, double[]? Rotation, string? ExpressionModel)
{
    /// <summary>
    /// Reads <c>codes.json</c>: either a JSON array of K numbers, or an object with <c>z_exp</c> (and
    /// optionally <c>expression_model</c> and <c>rotation</c>).
    /// </summary>
    /// <exception cref="InvalidDataException">Not such a document.</exception>
    public static DrivingInput FromCodesFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.ValueKind == JsonValueKind.Array
                ? new DrivingInput(Floats(doc.RootElement, path), null, null)
                : FromObject(doc.RootElement, path);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>
    /// Reads frame <paramref name="frame"/> (the <c>frame</c> field, or the line number) of a tracks.jsonl file. Its head
    /// rotation is taken relative to the stream's rest, as <c>npga reenact</c> drives an avatar
    /// (<see cref="Pipeline.Reenact.DriverRestPose"/>: R·R₀ᵀ, R₀ the mean of the file's first faced rotations): the tracker's
    /// absolute rotation would turn the avatar by the angle the person sat at to their camera, on top of the avatar's own view.
    /// </summary>
    /// <exception cref="InvalidDataException">No such frame, or the frame has no face.</exception>
    public static DrivingInput FromTracks(string path, long frame)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        long line = 0;
        var rest = new Pipeline.Reenact.DriverRestPose();
        DrivingInput? found = null;
        foreach (var text in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(text)) continue;
            JsonDocument doc;
            try { doc = JsonDocument.Parse(text); }
            catch (JsonException e) { throw new InvalidDataException($"{path}: line {line + 1} is not valid JSON: {e.Message}", e); }
            using (doc)
            {
                var root = doc.RootElement;
                long f = root.TryGetProperty("frame", out var fe) && fe.ValueKind == JsonValueKind.Number ? fe.GetInt64() : line;
                line++;
                bool hasFace = root.TryGetProperty("face", out var face) && face.ValueKind == JsonValueKind.True;
                if (hasFace && !rest.IsComplete && ReadRotation(root, path) is { } r) rest.AddRest(r);
                if (f == frame)
                {
                    if (!hasFace) throw new InvalidDataException($"{path}: frame {frame} has no face, so it has no expression code");
                    found = FromObject(root, path);
                }
                if (found is not null && rest.IsComplete) break;
            }
        }
        if (found is null) throw new InvalidDataException($"{path}: no frame {frame} (the file holds {line} line(s))");
        return found.Rotation is { } absolute ? found with { Rotation = Pipeline.Reenact.DriverRestPose.RelativeTo(absolute, rest.RestRotation) } : found;
    }

    private static double[]? ReadRotation(JsonElement root, string path)
    {
        if (!root.TryGetProperty("rotation", out var r) || r.ValueKind != JsonValueKind.Array) return null;
        var rot = r.EnumerateArray().Select(v => v.GetDouble()).ToArray();
        return rot.Length == 9 ? rot : throw new InvalidDataException($"{path}: rotation must hold 9 numbers");
    }

    private static DrivingInput FromObject(JsonElement root, string path)
    {
        if (!root.TryGetProperty("z_exp", out var z) || z.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{path}: no z_exp array");
        var rot = ReadRotation(root, path);
        string? model = root.TryGetProperty("expression_model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        return new DrivingInput(Floats(z, path), rot, model);
    }

    private static float[] Floats(JsonElement array, string path)
    {
        var list = new List<float>();
        foreach (var v in array.EnumerateArray())
        {
            if (v.ValueKind != JsonValueKind.Number) throw new InvalidDataException($"{path}: z_exp holds a non-number");
            float f = v.GetSingle();
            if (!float.IsFinite(f)) throw new InvalidDataException($"{path}: z_exp holds a non-finite value");
            list.Add(f);
        }
        return list.ToArray();
    }
}
