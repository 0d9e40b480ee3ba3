using System.Text.Json;
using Npga.Live.Tracking.Expression;

namespace Npga.Live.Tracking;

/// <summary>
/// The tracker's output for one frame (docs/architecture.md, tracker contract), written as one JSON line of
/// <c>tracks.jsonl</c> with the fields <c>frame</c>, <c>time_s</c>, <c>face</c>, <c>confidence</c>,
/// <c>faces</c>, <c>landmarks_px</c>, <c>rotation</c>, <c>translation</c>, <c>scale</c>, <c>z_exp</c>,
/// <c>expression_model</c>, <c>intrinsics</c>, and <c>gaze</c> when the tracker reads it. With no face, the pose and code fields are null: a code is
/// never invented.
/// </summary>
public sealed class TrackResult
{
    /// <summary>Frame number, 0-based.</summary>
    public long Frame { get; init; }

    /// <summary>Frame timestamp, seconds.</summary>
    public double TimeS { get; init; }

    /// <summary>Whether a face is tracked in this frame.</summary>
    public bool Face { get; init; }

    /// <summary>The face-mesh face-flag probability (0..1); the detector score when the mesh did not run.</summary>
    public float Confidence { get; init; }

    /// <summary>Faces seen by the detector the last time it ran (the largest is tracked).</summary>
    public int Faces { get; init; }

    /// <summary>Whether the detector ran on this frame (tracking was lost or not yet acquired).</summary>
    public bool Detected { get; init; }

    /// <summary>468·3 floats: x, y in image pixels, z in pixels (negative towards the camera); null without a face.</summary>
    public float[]? LandmarksPx { get; init; }

    /// <summary>
    /// Gaze code, <see cref="Landmarks.IrisModel.GazeDim"/> floats (right eye along, across; left eye along, across; in eye
    /// widths, <see cref="Landmarks.IrisModel.Gaze"/>); null without a face or when the tracker does not read gaze
    /// (<see cref="TrackerOptions.Gaze"/>). While the eyes read closed it repeats the last gaze read open
    /// (<see cref="Landmarks.BlinkGazeHold"/>).
    /// </summary>
    public float[]? Gaze { get; init; }

    /// <summary>
    /// Whether <see cref="Gaze"/> is the last gaze read open, repeated because the eyes read closed
    /// (<see cref="Landmarks.BlinkGazeHold"/>), rather than read off this frame; false without a gaze.
    /// </summary>
    public bool GazeHeld { get; init; }

    /// <summary>Head pose and expression code; null without a face or without an expression model.</summary>
    public PoseExpression? Pose { get; init; }

    /// <summary>Id of the expression model z_exp belongs to.</summary>
    public string? ExpressionModel { get; init; }

    /// <summary>Pinhole intrinsics assumed for the translation: fx, fy, cx, cy in pixels.</summary>
    public double[]? Intrinsics { get; init; }

    /// <summary>Writes this result as one JSON object (no newline).</summary>
    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteNumber("frame", Frame);
        w.WriteNumber("time_s", Math.Round(TimeS, 6));
        w.WriteBoolean("face", Face);
        w.WriteNumber("confidence", Math.Round(Confidence, 4));
        w.WriteNumber("faces", Faces);
        w.WriteBoolean("detected", Detected);
        w.WritePropertyName("landmarks_px");
        if (LandmarksPx is null) w.WriteNullValue();
        else
        {
            w.WriteStartArray();
            for (int i = 0; i < LandmarksPx.Length / 3; i++)
            {
                w.WriteStartArray();
                for (int c = 0; c < 3; c++) w.WriteNumberValue(Math.Round(LandmarksPx[3 * i + c], 2));
                w.WriteEndArray();
            }
            w.WriteEndArray();
        }
        WriteArray(w, "rotation", Pose?.Rotation, 6);
        WriteArray(w, "translation", Pose?.Translation, 5);
        w.WritePropertyName("scale");
        if (Pose is null) w.WriteNullValue(); else w.WriteNumberValue(Math.Round(Pose.Scale, 3));
        w.WritePropertyName("z_exp");
        if (Pose is null) w.WriteNullValue();
        else
        {
            w.WriteStartArray();
            foreach (var v in Pose.ZExp) w.WriteNumberValue(Math.Round(v, 5));
            w.WriteEndArray();
        }
        w.WritePropertyName("fit_rms_mm");
        if (Pose is null) w.WriteNullValue(); else w.WriteNumberValue(Math.Round(Pose.ResidualMm, 3));
        if (ExpressionModel is null) w.WriteNull("expression_model"); else w.WriteString("expression_model", ExpressionModel);
        WriteArray(w, "intrinsics", Intrinsics, 3);
        if (Gaze is not null)
        {
            w.WriteStartArray("gaze");
            foreach (var v in Gaze) w.WriteNumberValue(Math.Round(v, 5));
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    private static void WriteArray(Utf8JsonWriter w, string name, double[]? values, int digits)
    {
        w.WritePropertyName(name);
        if (values is null) { w.WriteNullValue(); return; }
        w.WriteStartArray();
        foreach (var v in values) w.WriteNumberValue(Math.Round(v, digits));
        w.WriteEndArray();
    }
}
