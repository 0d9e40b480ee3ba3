using Npga.Live.Media;
using Npga.Live.Tracking;

namespace Npga.Live.Cli.Training;

/// <summary>What <see cref="ClipPreflight"/> found in a clip.</summary>
/// <param name="Width">Frame width, pixels.</param>
/// <param name="Height">Frame height, pixels.</param>
/// <param name="FrameRate">Frames per second.</param>
/// <param name="Seconds">Duration, seconds (container duration, else frames read / rate).</param>
/// <param name="SampledFrames">Frames tracked (every <see cref="Stride"/>-th).</param>
/// <param name="FaceFrames">Sampled frames where the tracker found a face.</param>
/// <param name="Stride">Sampling stride, frames.</param>
public sealed record ClipReport(int Width, int Height, double FrameRate, double Seconds, int SampledFrames, int FaceFrames, int Stride)
{
    /// <summary>Fraction of the sampled frames with a face, 0..1.</summary>
    public double FaceFraction => SampledFrames > 0 ? (double)FaceFrames / SampledFrames : 0;
}

/// <summary>A clip that cannot be trained on, with the reason in words (the message names the file).</summary>
public sealed class ClipRejectedException(string message) : Exception(message);

/// <summary>
/// Checks, before any training starts, that a clip can make an avatar: it decodes, it lasts at least
/// <see cref="MinSeconds"/>, and the project's tracker finds a face in at least <see cref="MinFaceFraction"/> of about
/// <see cref="SampleTarget"/> evenly spaced frames (a person's own training video shows their face almost throughout;
/// the trainer drops the frames without one, and a clip where the face is mostly lost leaves too little to learn from).
/// </summary>
public static class ClipPreflight
{
    /// <summary>Shortest usable clip, seconds.</summary>
    public const double MinSeconds = 10;

    /// <summary>Least fraction of sampled frames with a face.</summary>
    public const double MinFaceFraction = 0.6;

    /// <summary>About this many frames are tracked.</summary>
    public const int SampleTarget = 120;

    /// <summary>Runs the checks.</summary>
    /// <param name="path">The clip.</param>
    /// <param name="ct">Cancels the tracking.</param>
    /// <returns>The clip's figures.</returns>
    /// <exception cref="ClipRejectedException">Unreadable, too short, or the face is missing too often (the message says which, with the figures).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public static ClipReport Check(string path, CancellationToken ct = default)
    {
        if (!File.Exists(path)) throw new ClipRejectedException($"{path}: no such file");
        VideoReader reader;
        try
        {
            reader = VideoReader.Open(path);
        }
        catch (MediaException e)
        {
            throw new ClipRejectedException($"{path}: not a readable video ({e.Message})");
        }
        using (reader)
        {
            double fps = reader.FrameRate > 0 ? reader.FrameRate : 30;
            long estimate = reader.FrameCountEstimate ?? 0;
            int stride = Math.Max(1, (int)(estimate / SampleTarget));
            using var tracker = new FaceTracker(new TrackerOptions { ExpressionModel = "", Smoothing = false });
            int sampled = 0, faces = 0;
            long read = 0;
            try
            {
                while (reader.TryRead(out var frame))
                {
                    ct.ThrowIfCancellationRequested();
                    if (read++ % stride != 0) continue;
                    sampled++;
                    tracker.Reset(); // sparse samples: each frame is found by detection, not by following the last one
                    if (tracker.Track(frame.Image, frame.Index, frame.Time.TotalSeconds).Face) faces++;
                }
            }
            catch (MediaException e)
            {
                throw new ClipRejectedException($"{path}: decoding failed after {read} frames ({e.Message})");
            }
            if (read == 0) throw new ClipRejectedException($"{path}: no frame could be decoded");
            double seconds = reader.Duration?.TotalSeconds is { } d && d > 0 ? d : read / fps;
            var report = new ClipReport(reader.Width, reader.Height, fps, seconds, sampled, faces, stride);
            if (seconds < MinSeconds)
                throw new ClipRejectedException($"{path}: the clip lasts {seconds:F1} s; training needs at least {MinSeconds:F0} s of the face");
            if (faces == 0)
                throw new ClipRejectedException($"{path}: no face was found in any of {sampled} sampled frames");
            if (report.FaceFraction < MinFaceFraction)
                throw new ClipRejectedException($"{path}: the face is found in only {100 * report.FaceFraction:F0}% of {sampled} sampled frames; " +
                                                $"training needs it in at least {100 * MinFaceFraction:F0}%");
            return report;
        }
    }
}
