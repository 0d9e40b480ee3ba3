using System.Text.Json;

namespace Npga.Live.Pipeline.Reenact;

/// <summary>
/// The JSON report of a reenactment run (<c>npga reenact --report</c>): counts, median milliseconds per stage, throughput
/// and expression fidelity. Fields: <c>avatar</c>, <c>driving</c>, <c>out</c>, <c>width</c>/<c>height</c> (the avatar's
/// frame), <c>output_width</c>/<c>output_height</c>, <c>side_by_side</c>, <c>fps_in</c>, <c>frames_in</c>,
/// <c>frames_out</c>, <c>faces_found</c>, <c>frames_without_face</c>, <c>dropped</c>, <c>cancelled</c>, <c>wall_s</c>,
/// <c>fps</c> (frames out per wall-clock second of the run, model loading excluded), <c>stage_ms</c> (medians:
/// <c>decode</c>, <c>track</c>, <c>deform</c>, <c>render</c>, <c>refine</c>, <c>encode</c>, <c>measure</c>,
/// <c>latency</c>), <c>mouth_correlation</c>, <c>eye_correlation</c>, <c>brow_correlation</c> (Pearson, driver vs
/// re-tracked avatar, over <c>fidelity_frames</c> frames where both faces were found; null when not measured or undefined),
/// <c>mouth_correlation_ci95</c>, <c>eye_correlation_ci95</c>, <c>brow_correlation_ci95</c> ([low, high], their 95%
/// moving-block bootstrap intervals, <see cref="ExpressionTransferResult.MouthInterval"/>; null when undefined),
/// <c>fidelity_driver_faces</c>, <c>threads</c>, and when measured <c>fidelity_series</c>: per correlated frame, in order, the
/// <c>driver</c>'s and the <c>avatar</c>'s <c>mouth</c>, <c>eye</c> and <c>brow</c> measures (<see cref="Tracking.Landmarks.FaceMeasures"/>,
/// for plotting). Numbers that are not finite are written as null.
/// </summary>
/// <param name="Avatar">The avatar's name or folder.</param>
/// <param name="Driving">The driving video.</param>
/// <param name="Output">The video written.</param>
/// <param name="Width">Avatar frame width, pixels.</param>
/// <param name="Height">Avatar frame height, pixels.</param>
/// <param name="OutputWidth">Written frame width, pixels (wider than <paramref name="Width"/> side by side).</param>
/// <param name="OutputHeight">Written frame height, pixels.</param>
/// <param name="SideBySide">Whether the driver is shown left of the avatar.</param>
/// <param name="FpsIn">The driving video's frame rate (= the output's).</param>
/// <param name="Summary">What the pipeline did.</param>
/// <param name="Fidelity">Expression fidelity, or null when not measured.</param>
/// <param name="Threads">Thread settings by name (e.g. cores, render, network, tracker).</param>
public sealed record ReenactReport(string Avatar, string Driving, string Output, int Width, int Height, int OutputWidth, int OutputHeight, bool SideBySide,
    double FpsIn, ReenactSummary Summary, ExpressionTransferResult? Fidelity, IReadOnlyDictionary<string, int> Threads)
{
    /// <summary>Writes the report as one JSON object.</summary>
    public void WriteJson(Utf8JsonWriter w)
    {
        var s = Summary;
        var m = s.Median;
        w.WriteStartObject();
        w.WriteString("avatar", Avatar);
        w.WriteString("driving", Driving);
        w.WriteString("out", Output);
        w.WriteNumber("width", Width);
        w.WriteNumber("height", Height);
        w.WriteNumber("output_width", OutputWidth);
        w.WriteNumber("output_height", OutputHeight);
        w.WriteBoolean("side_by_side", SideBySide);
        Number(w, "fps_in", FpsIn, 4);
        w.WriteNumber("frames_in", s.FramesIn);
        w.WriteNumber("frames_out", s.FramesOut);
        w.WriteNumber("faces_found", s.FacesFound);
        w.WriteNumber("frames_without_face", s.FramesWithoutFace);
        w.WriteNumber("dropped", s.Dropped);
        w.WriteBoolean("cancelled", s.Cancelled);
        Number(w, "wall_s", s.WallSeconds, 3);
        Number(w, "fps", s.Fps, 2);
        w.WriteStartObject("stage_ms");
        Number(w, "decode", m.Decode, 3);
        Number(w, "track", m.Track, 3);
        Number(w, "deform", m.Deform, 3);
        Number(w, "render", m.Render, 3);
        Number(w, "refine", m.Refine, 3);
        Number(w, "encode", m.Encode, 3);
        Number(w, "measure", m.Measure, 3);
        Number(w, "latency", m.Latency, 3);
        w.WriteEndObject();
        Number(w, "mouth_correlation", Fidelity?.MouthCorrelation ?? double.NaN, 4);
        Number(w, "eye_correlation", Fidelity?.EyeCorrelation ?? double.NaN, 4);
        Number(w, "brow_correlation", Fidelity?.BrowCorrelation ?? double.NaN, 4);
        Interval(w, "mouth_correlation_ci95", Fidelity?.MouthInterval);
        Interval(w, "eye_correlation_ci95", Fidelity?.EyeInterval);
        Interval(w, "brow_correlation_ci95", Fidelity?.BrowInterval);
        if (Fidelity is null)
        {
            w.WriteNull("fidelity_frames");
            w.WriteNull("fidelity_driver_faces");
        }
        else
        {
            w.WriteNumber("fidelity_frames", Fidelity.AvatarFaces);
            w.WriteNumber("fidelity_driver_faces", Fidelity.DriverFaces);
        }
        w.WriteStartObject("threads");
        foreach (var (k, v) in Threads) w.WriteNumber(k, v);
        w.WriteEndObject();
        if (Fidelity is not null)
        {
            w.WriteStartObject("fidelity_series");
            Series(w, "driver", Fidelity.Driver);
            Series(w, "avatar", Fidelity.Avatar);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    /// <summary>Writes the report to <paramref name="path"/> (indented JSON, overwritten if present).</summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be written.</exception>
    public void Save(string path)
    {
        using var stream = File.Create(path);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        WriteJson(w);
    }

    private static void Interval(Utf8JsonWriter w, string name, (double Low, double High)? ci)
    {
        if (ci is not { } c || !double.IsFinite(c.Low) || !double.IsFinite(c.High)) { w.WriteNull(name); return; }
        w.WriteStartArray(name);
        w.WriteNumberValue(Math.Round(c.Low, 4));
        w.WriteNumberValue(Math.Round(c.High, 4));
        w.WriteEndArray();
    }

    private static void Series(Utf8JsonWriter w, string name, IReadOnlyList<Tracking.Landmarks.FaceMeasures> measures)
    {
        w.WriteStartObject(name);
        foreach (var (key, pick) in new (string, Func<Tracking.Landmarks.FaceMeasures, float>)[] { ("mouth", m => m.MouthOpen), ("eye", m => m.EyeOpen), ("brow", m => m.BrowRaise) })
        {
            w.WriteStartArray(key);
            foreach (var m in measures) w.WriteNumberValue(Math.Round(pick(m), 4));
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter w, string name, double value, int digits)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, Math.Round(value, digits));
        else w.WriteNull(name);
    }
}
