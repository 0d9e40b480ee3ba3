using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Npga.Live.GpuCheck;

/// <summary>
/// What one part measured: <c>PART.json</c> (an object with "part", "status", "items", "headline", …) and <c>PART.txt</c>
/// (the lines it printed), both rewritten after every measurement, so a part killed by its time limit still leaves what it
/// had measured. Lines also go to standard output.
/// </summary>
internal sealed class PartReport
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly string _json, _text;
    private readonly StringBuilder _lines = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>Starts a report; its status is "running" until <see cref="Finish"/>.</summary>
    /// <param name="outDir">The output folder (created when missing).</param>
    /// <param name="part">The part's name, the files' stem.</param>
    /// <param name="dry">Whether this is a dry run (recorded in the JSON).</param>
    public PartReport(string outDir, string part, bool dry)
    {
        Directory.CreateDirectory(outDir);
        _json = Path.Combine(outDir, part + ".json");
        _text = Path.Combine(outDir, part + ".txt");
        Root = new JsonObject
        {
            ["part"] = part,
            ["dry"] = dry,
            ["status"] = "running",
            ["started_utc"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
            ["items"] = new JsonArray(),
        };
        Flush();
    }

    /// <summary>The JSON object written to PART.json.</summary>
    public JsonObject Root { get; }

    /// <summary>Seconds since the report started.</summary>
    public double Elapsed => _clock.Elapsed.TotalSeconds;

    /// <summary>Prints a line and keeps it for PART.txt.</summary>
    public void Line(string text)
    {
        Console.WriteLine(text);
        _lines.AppendLine(text);
        Flush();
    }

    /// <summary>Appends one measurement to "items" and rewrites the files.</summary>
    public void Add(JsonObject item)
    {
        ((JsonArray)Root["items"]!).Add(item);
        Flush();
    }

    /// <summary>Sets a top-level field and rewrites the files.</summary>
    public void Set(string key, JsonNode? value)
    {
        Root[key] = value;
        Flush();
    }

    /// <summary>Records the final status ("ok", "failed", "error", "no-cuda", …), the headline and the part's seconds.</summary>
    public void Finish(string status, string headline)
    {
        Root["status"] = status;
        Root["headline"] = headline;
        Root["seconds"] = Math.Round(Elapsed, 1);
        Line($"{Root["part"]}: {status}: {headline}");
    }

    private void Flush()
    {
        File.WriteAllText(_json + ".tmp", Root.ToJsonString(Indented) + "\n");
        File.Move(_json + ".tmp", _json, overwrite: true);
        File.WriteAllText(_text, _lines.ToString());
    }

    /// <summary>A double rounded to <paramref name="digits"/> decimals for the JSON, or null when not finite (JSON has no NaN or ∞).</summary>
    public static JsonNode? Num(double value, int digits = 3) =>
        double.IsFinite(value) ? JsonValue.Create(Math.Round(value, digits)) : null;
}
