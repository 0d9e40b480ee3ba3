using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Npga.Live.GpuCheck;

/// <summary>
/// Gathers what the parts left in the output folder into <c>summary.json</c> (every part's JSON under "parts", the parts'
/// exit codes from check.sh's <c>exit-codes.txt</c>, the GPU line from <c>gpu.txt</c>) and <c>summary.txt</c> (the headlines,
/// a table of the fps part, then every part's own text). A part whose JSON still says "running" was stopped by its time limit:
/// its figures so far are kept and marked so.
/// </summary>
internal static class Summary
{
    public static int Run(CheckOptions o)
    {
        var parts = new JsonObject();
        var text = new StringBuilder();
        text.AppendLine($"npga GPU check{(o.Dry ? " (DRY RUN: ILGPU's CPU accelerator at tiny sizes; not GPU figures)" : "")}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        string gpu = ReadOrEmpty(Path.Combine(o.OutDir, "gpu.txt")).Trim();
        if (gpu.Length > 0) text.AppendLine($"GPU: {gpu}");
        var codes = ReadOrEmpty(Path.Combine(o.OutDir, "exit-codes.txt"));
        text.AppendLine();
        foreach (var part in Program.Parts.Where(p => p != "summary"))
        {
            var path = Path.Combine(o.OutDir, part + ".json");
            if (!File.Exists(path)) { text.AppendLine($"{part,-9} not run"); continue; }
            JsonNode? node;
            try { node = JsonNode.Parse(File.ReadAllText(path)); }
            catch (JsonException e) { text.AppendLine($"{part,-9} unreadable JSON: {e.Message}"); continue; }
            if (node is not JsonObject obj) continue;
            string status = obj["status"]?.GetValue<string>() ?? "?";
            if (status == "running") { status = "killed at its time limit (figures so far kept)"; obj["status"] = "killed"; }
            parts[part] = obj;
            text.AppendLine($"{part,-9} {status}: {obj["headline"]?.GetValue<string>() ?? ""}");
        }
        if (parts["fps"] is JsonObject fps && fps["items"] is JsonArray items && items.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("fps (deform + render + refine; F, G, CNN on ORT's CPU provider):");
            text.AppendLine($"  {"avatar",-10} {"size",-8} {"renderer",-22} {"ORT thr",7} {"fps",7} {"render ms",10} {"F ms",7} {"G ms",7} {"CNN ms",7} {"frame ms",9}");
            foreach (var i in items.OfType<JsonObject>())
                text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {i["avatar"],-10} {$"{i["width"]}x{i["height"]}",-8} {i["renderer"],-22} {i["ort_threads"],7} {i["fps"],7} {i["render_ms"],10} {i["f_ms"],7} {i["g_ms"],7} {i["cnn_ms"],7} {i["frame_ms"],9}"));
        }
        text.AppendLine();
        if (codes.Length > 0) text.AppendLine("exit codes (part rc seconds; 124 = killed by its time limit):").Append(codes).AppendLine();
        foreach (var part in Program.Parts.Where(p => p != "summary"))
        {
            var t = ReadOrEmpty(Path.Combine(o.OutDir, part + ".txt"));
            if (t.Length > 0) text.AppendLine($"---- {part}").Append(t);
        }
        var root = new JsonObject
        {
            ["dry"] = o.Dry,
            ["gpu"] = gpu,
            ["exit_codes"] = codes,
            ["parts"] = parts,
        };
        File.WriteAllText(Path.Combine(o.OutDir, "summary.json"), root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.WriteAllText(Path.Combine(o.OutDir, "summary.txt"), text.ToString());
        Console.Write(text.ToString());
        return 0;
    }

    private static string ReadOrEmpty(string path) => File.Exists(path) ? File.ReadAllText(path) : "";
}
