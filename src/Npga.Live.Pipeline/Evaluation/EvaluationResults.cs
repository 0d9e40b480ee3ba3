using System.Text.Json;
using Npga.Live.Core.Gaussians;
using Npga.Live.Core.Imaging;

namespace Npga.Live.Pipeline.Evaluation;

/// <summary>Milliseconds per stage of one scored frame.</summary>
/// <param name="TrackMs">The tracker (detect or crop → landmarks → pose and code fit).</param>
/// <param name="SegmentMs">Selfie segmentation, resizing the probabilities, the head mask and the ground-truth composite.</param>
/// <param name="PnpMs">Perspective pose refinement.</param>
/// <param name="RenderMs">The avatar: deform, splat, CNN.</param>
/// <param name="MetricsMs">PSNR and SSIM.</param>
public readonly record struct EvaluationTimings(double TrackMs, double SegmentMs, double PnpMs, double RenderMs, double MetricsMs)
{
    /// <summary>The sum of the stages.</summary>
    public double TotalMs => TrackMs + SegmentMs + PnpMs + RenderMs + MetricsMs;
}

/// <summary>The scores of one frame of the range (no images).</summary>
/// <param name="Frame">0-based frame number.</param>
/// <param name="Face">Whether the tracker found a face (false: skipped, every other value NaN or null).</param>
/// <param name="PsnrHeadDb">PSNR inside the head mask, dB (NaN when the mask is empty).</param>
/// <param name="SsimHead">SSIM averaged over the head mask (NaN when the mask is empty).</param>
/// <param name="PsnrImageDb">PSNR over the whole image, dB.</param>
/// <param name="HeadPixels">Pixels in the head mask.</param>
/// <param name="LandmarkErrorBeforePx">Mean landmark reprojection error with the tracker's pose, source pixels.</param>
/// <param name="LandmarkErrorAfterPx">The same after the perspective refinement, source pixels.</param>
/// <param name="Camera">The refined camera at the evaluation size (world = canonical head frame), or null.</param>
/// <param name="ZExp">The tracked expression code, or null.</param>
/// <param name="Timings">Milliseconds per stage.</param>
public sealed record FrameMetrics(long Frame, bool Face, double PsnrHeadDb, double SsimHead, double PsnrImageDb, int HeadPixels,
    double LandmarkErrorBeforePx, double LandmarkErrorAfterPx, Camera? Camera, float[]? ZExp, EvaluationTimings Timings);

/// <summary>
/// One frame of the range as <see cref="AvatarEvaluator.Run"/> hands it to its observer: the scores and the images they were
/// computed from (all at the evaluation size W×H; owned by the receiver, not reused).
/// </summary>
/// <param name="Metrics">The scores.</param>
/// <param name="Frame">The decoded frame (not composited).</param>
/// <param name="Rendered">The avatar's 8-bit render, or null for a frame without a face.</param>
/// <param name="GroundTruth">The frame composited on the avatar's background by the foreground mask, [H·W·3] floats in [0, 1], or null.</param>
/// <param name="Foreground">Foreground probabilities [H·W], or null.</param>
/// <param name="HeadMask">The head mask [H·W] (1 in, 0 out), or null.</param>
public sealed record FrameEvaluation(FrameMetrics Metrics, RgbImage Frame, RgbImage? Rendered, float[]? GroundTruth, float[]? Foreground, byte[]? HeadMask);

/// <summary>Mean and median of a metric over the scored frames (NaN when there are none).</summary>
public readonly record struct MetricStats(double Mean, double Median)
{
    /// <summary>Mean and median of the values of <paramref name="values"/> other than NaN (an +∞, a frame rendered exactly, makes
    /// the mean +∞).</summary>
    public static MetricStats Of(IEnumerable<double> values)
    {
        var v = values.Where(x => !double.IsNaN(x)).Order().ToArray();
        if (v.Length == 0) return new MetricStats(double.NaN, double.NaN);
        double median = v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]);
        return new MetricStats(v.Average(), median);
    }
}

/// <summary>The result of an evaluation run (see <see cref="AvatarEvaluator"/>).</summary>
public sealed record EvaluationSummary
{
    /// <summary>The avatar's name (manifest).</summary>
    public required string Avatar { get; init; }

    /// <summary>Evaluation size (the avatar's training size), pixels.</summary>
    public required int Width { get; init; }

    /// <summary>Evaluation height, pixels.</summary>
    public required int Height { get; init; }

    /// <summary>The video's width, pixels.</summary>
    public required int SourceWidth { get; init; }

    /// <summary>The video's height, pixels.</summary>
    public required int SourceHeight { get; init; }

    /// <summary>First frame of the range.</summary>
    public required long FromFrame { get; init; }

    /// <summary>Last frame of the range (inclusive).</summary>
    public required long ToFrame { get; init; }

    /// <summary>First frame the tracker saw.</summary>
    public required long TrackFrom { get; init; }

    /// <summary>Frames in the range.</summary>
    public required int FramesInRange { get; init; }

    /// <summary>Frames scored (a face found).</summary>
    public required int FramesEvaluated { get; init; }

    /// <summary>Frames skipped: no face.</summary>
    public required int FramesSkipped { get; init; }

    /// <summary>Scored frames whose head mask was empty (their head metrics are NaN and left out of the statistics).</summary>
    public required int FramesEmptyMask { get; init; }

    /// <summary>PSNR inside the head mask, dB.</summary>
    public required MetricStats PsnrHeadDb { get; init; }

    /// <summary>SSIM inside the head mask.</summary>
    public required MetricStats SsimHead { get; init; }

    /// <summary>PSNR over the whole image, dB.</summary>
    public required MetricStats PsnrImageDb { get; init; }

    /// <summary>Mean landmark reprojection error with the tracker's poses, source pixels (mean over frames and landmarks).</summary>
    public required double LandmarkErrorBeforePx { get; init; }

    /// <summary>The same after the perspective refinement.</summary>
    public required double LandmarkErrorAfterPx { get; init; }

    /// <summary>Mean milliseconds per scored frame and stage.</summary>
    public required EvaluationTimings MeanMs { get; init; }

    /// <summary>Seconds spent tracking the frames before the range (<see cref="EvaluationOptions.TrackFrom"/>).</summary>
    public required double WarmupSeconds { get; init; }

    /// <summary>Wall-clock seconds of the whole run (decoding included).</summary>
    public required double TotalSeconds { get; init; }

    /// <summary>Every frame of the range, in order.</summary>
    public required IReadOnlyList<FrameMetrics> Frames { get; init; }

    /// <summary>
    /// Writes the summary as JSON (snake_case fields; non-finite numbers as null; <paramref name="perFrame"/> adds a
    /// <c>frames</c> array with each frame's scores, refined camera R, t and code).
    /// </summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be written.</exception>
    public void Save(string path, bool perFrame = true)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        using var stream = File.Create(path);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("avatar", Avatar);
        w.WriteStartArray("size");
        w.WriteNumberValue(Width);
        w.WriteNumberValue(Height);
        w.WriteEndArray();
        w.WriteStartArray("video_size");
        w.WriteNumberValue(SourceWidth);
        w.WriteNumberValue(SourceHeight);
        w.WriteEndArray();
        w.WriteNumber("from_frame", FromFrame);
        w.WriteNumber("to_frame", ToFrame);
        w.WriteNumber("track_from", TrackFrom);
        w.WriteNumber("frames_in_range", FramesInRange);
        w.WriteNumber("frames_evaluated", FramesEvaluated);
        w.WriteNumber("frames_skipped_no_face", FramesSkipped);
        w.WriteNumber("frames_empty_head_mask", FramesEmptyMask);
        Stats(w, "psnr_head_db", PsnrHeadDb);
        Stats(w, "ssim_head", SsimHead);
        Stats(w, "psnr_image_db", PsnrImageDb);
        w.WriteStartObject("pose_refinement");
        Number(w, "landmark_px_error_tracker", LandmarkErrorBeforePx);
        Number(w, "landmark_px_error_refined", LandmarkErrorAfterPx);
        w.WriteEndObject();
        w.WriteStartObject("ms_per_frame");
        Number(w, "track", MeanMs.TrackMs);
        Number(w, "segment", MeanMs.SegmentMs);
        Number(w, "pnp", MeanMs.PnpMs);
        Number(w, "render", MeanMs.RenderMs);
        Number(w, "metrics", MeanMs.MetricsMs);
        Number(w, "total", MeanMs.TotalMs);
        w.WriteEndObject();
        Number(w, "warmup_tracking_s", WarmupSeconds);
        Number(w, "total_s", TotalSeconds);
        if (perFrame)
        {
            w.WriteStartArray("frames");
            foreach (var f in Frames)
            {
                w.WriteStartObject();
                w.WriteNumber("frame", f.Frame);
                w.WriteBoolean("face", f.Face);
                if (f.Face)
                {
                    Number(w, "psnr_head_db", f.PsnrHeadDb);
                    Number(w, "ssim_head", f.SsimHead);
                    Number(w, "psnr_image_db", f.PsnrImageDb);
                    w.WriteNumber("head_pixels", f.HeadPixels);
                    Number(w, "landmark_px_error_tracker", f.LandmarkErrorBeforePx);
                    Number(w, "landmark_px_error_refined", f.LandmarkErrorAfterPx);
                    if (f.Camera is { } c)
                    {
                        w.WriteStartArray("R");
                        foreach (var v in c.R) w.WriteNumberValue(v);
                        w.WriteEndArray();
                        w.WriteStartArray("t");
                        foreach (var v in c.T) w.WriteNumberValue(v);
                        w.WriteEndArray();
                    }
                    if (f.ZExp is { } z)
                    {
                        w.WriteStartArray("z_exp");
                        foreach (var v in z) w.WriteNumberValue(v);
                        w.WriteEndArray();
                    }
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    private static void Stats(Utf8JsonWriter w, string name, MetricStats s)
    {
        w.WriteStartObject(name);
        Number(w, "mean", s.Mean);
        Number(w, "median", s.Median);
        w.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter w, string name, double v)
    {
        if (double.IsFinite(v)) w.WriteNumber(name, v);
        else w.WriteNull(name);
    }
}
