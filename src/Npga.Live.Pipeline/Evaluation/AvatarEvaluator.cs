using System.Diagnostics;
using Npga.Live.Avatar;
using Npga.Live.Core.Gaussians;
using Npga.Live.Core.Imaging;
using Npga.Live.Tracking;
using Npga.Live.Tracking.Expression;
using Npga.Live.Tracking.Segmentation;

namespace Npga.Live.Pipeline.Evaluation;

/// <summary>
/// Scores an avatar against real video frames, independently of the Python trainer but by its definitions
/// (<c>scripts/training/data.py</c>, <c>camera.py</c>, <c>losses.py</c>; self-reenactment when the video is the avatar's own):
/// per frame of the range,
/// <list type="number">
/// <item>track it with the project's tracker (<see cref="FaceTracker"/>, as <c>npga track</c>; frames without a face are
/// skipped and counted);</item>
/// <item>place the camera as the trainer does (<see cref="TrainingCamera"/>) and refine it by perspective PnP against the
/// tracked landmarks (<see cref="PerspectivePoseRefiner"/>), then scale it to the evaluation size W×H, the avatar's
/// training size (its manifest's <c>default_camera</c> size);</item>
/// <item>segment the 256×256 frame (<see cref="SelfieSegmenter"/>), resize the probabilities bilinearly to W×H, composite the
/// W×H frame on the avatar's background by them (gt = img·fg + bg·(1 − fg)) and build the <see cref="HeadMask"/>;</item>
/// <item>render the avatar for that camera and the tracked z_exp (<see cref="AvatarFrameRenderer"/>, no extra head pose: the
/// camera's world is the canonical head frame), 8-bit;</item>
/// <item>score it (<see cref="ImageQuality"/>): PSNR and SSIM inside the head mask, PSNR over the whole image.</item>
/// </list>
/// Not thread-safe; one run at a time.
/// </summary>
public sealed class AvatarEvaluator : IDisposable
{
    private readonly AvatarPackage _package;
    private readonly EvaluationOptions _options;
    private readonly FaceTracker _tracker;
    private readonly SelfieSegmenter _segmenter;
    private readonly AvatarFrameRenderer _renderer;
    private readonly ExpressionModel _model;

    /// <summary>Loads the tracker, the segmenter and the avatar's renderer.</summary>
    /// <param name="package">The avatar.</param>
    /// <param name="options">The range and settings.</param>
    /// <exception cref="ArgumentException">A negative or reversed frame range.</exception>
    /// <exception cref="FileNotFoundException">A tracker or segmentation model is missing (scripts/setup.sh converts them).</exception>
    /// <exception cref="InvalidDataException">The tracker fits no codes, or codes of another expression model than the avatar's.</exception>
    /// <exception cref="Npga.Live.Onnx.OrtException">A network cannot be loaded.</exception>
    public AvatarEvaluator(AvatarPackage package, EvaluationOptions options)
    {
        if (options.FromFrame < 0) throw new ArgumentException($"the first frame must be 0 or more, not {options.FromFrame}", nameof(options));
        if (options.ToFrame is { } to && to < options.FromFrame) throw new ArgumentException($"the last frame ({to}) is before the first ({options.FromFrame})", nameof(options));
        if (options.TrackFrom < 0) throw new ArgumentException($"the first tracked frame must be 0 or more, not {options.TrackFrom}", nameof(options));
        _package = package;
        _options = options with { TrackFrom = Math.Min(options.TrackFrom, options.FromFrame) };
        var cam = package.Manifest.DefaultCamera;
        Width = cam.Width;
        Height = cam.Height;
        // an avatar that takes gaze (eyeballs, or G) is scored with the tracker's gaze, as it was trained
        _tracker = new FaceTracker((options.Tracker ?? new TrackerOptions()) with { Gaze = package.Manifest.Gaze is not null || options.Tracker?.Gaze == true });
        try
        {
            var id = package.Manifest.ExpressionModel.Id;
            _model = _tracker.ExpressionModel ?? throw new InvalidDataException("the tracker was set up without an expression model, so it yields no codes to drive an avatar");
            if (_model.Id != id) throw new InvalidDataException($"the tracker fits codes of {_model.Id}; the avatar is driven by {id}");
            _segmenter = new SelfieSegmenter(options.SegmentationModel);
            _renderer = AvatarFrameRenderer.OnCpu(package, Width, Height, options.RenderThreads, options.UseCnn);
        }
        catch
        {
            _tracker.Dispose();
            _segmenter?.Dispose();
            throw;
        }
    }

    /// <summary>Evaluation width W (the avatar's training width: its default camera's), pixels.</summary>
    public int Width { get; }

    /// <summary>Evaluation height H, pixels.</summary>
    public int Height { get; }

    /// <summary>Side of the segmenter's input frames (<see cref="EvaluationInput.Segmentation"/>), pixels.</summary>
    public static int SegmentationSize => SelfieSegmenter.Size;

    /// <summary>The settings (with <see cref="EvaluationOptions.TrackFrom"/> clamped to the first frame).</summary>
    public EvaluationOptions Options => _options;

    /// <summary>
    /// Runs the evaluation over <paramref name="frames"/> (the whole video in decode order, from frame 0 or at least from
    /// <see cref="EvaluationOptions.TrackFrom"/>; reading stops after the range).
    /// </summary>
    /// <param name="frames">The video's frames at the three sizes.</param>
    /// <param name="onFrame">Called for every frame of the range, in order, with its scores and images.</param>
    /// <param name="ct">Cancels between frames (<see cref="OperationCanceledException"/>).</param>
    /// <exception cref="EvaluationException">The range starts or ends beyond the video, or no frame of the range has a face.</exception>
    /// <exception cref="ArgumentException">A frame of the wrong size.</exception>
    public EvaluationSummary Run(IEnumerable<EvaluationInput> frames, Action<FrameEvaluation>? onFrame = null, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        var results = new List<FrameMetrics>();
        long last = -1;
        double warmupS = 0;
        int srcW = 0, srcH = 0;
        foreach (var input in frames)
        {
            ct.ThrowIfCancellationRequested();
            if (_options.ToFrame is { } to && input.Index > to) break;
            last = input.Index;
            if (input.Index < _options.TrackFrom) continue;
            (srcW, srcH) = (input.Source.Width, input.Source.Height);
            long t0 = Stopwatch.GetTimestamp();
            var track = _tracker.Track(input.Source, input.Index, input.Time.TotalSeconds);
            double trackMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            if (input.Index < _options.FromFrame)
            {
                warmupS += trackMs / 1000;
                continue;
            }
            var result = Evaluate(input, track, trackMs);
            results.Add(result.Metrics);
            onFrame?.Invoke(result);
        }
        if (last < _options.FromFrame)
            throw new EvaluationException($"the video has {last + 1} frame(s) (0..{last}); the first frame {_options.FromFrame} is outside it");
        if (_options.ToFrame is { } end && last < end)
            throw new EvaluationException($"the video has {last + 1} frame(s) (0..{last}); the last frame {end} is outside it");
        var scored = results.Where(r => r.Face).ToList();
        if (scored.Count == 0)
            throw new EvaluationException($"the tracker found no face in any frame of {_options.FromFrame}..{last}");
        var n = scored.Count;
        return new EvaluationSummary
        {
            Avatar = _package.Manifest.Name, Width = Width, Height = Height, SourceWidth = srcW, SourceHeight = srcH,
            FromFrame = _options.FromFrame, ToFrame = last, TrackFrom = _options.TrackFrom,
            FramesInRange = results.Count, FramesEvaluated = n, FramesSkipped = results.Count - n,
            FramesEmptyMask = scored.Count(r => r.HeadPixels == 0),
            PsnrHeadDb = MetricStats.Of(scored.Select(r => r.PsnrHeadDb)),
            SsimHead = MetricStats.Of(scored.Select(r => r.SsimHead)),
            PsnrImageDb = MetricStats.Of(scored.Select(r => r.PsnrImageDb)),
            LandmarkErrorBeforePx = scored.Average(r => r.LandmarkErrorBeforePx),
            LandmarkErrorAfterPx = scored.Average(r => r.LandmarkErrorAfterPx),
            MeanMs = new EvaluationTimings(scored.Average(r => r.Timings.TrackMs), scored.Average(r => r.Timings.SegmentMs),
                scored.Average(r => r.Timings.PnpMs), scored.Average(r => r.Timings.RenderMs), scored.Average(r => r.Timings.MetricsMs)),
            WarmupSeconds = warmupS, TotalSeconds = clock.Elapsed.TotalSeconds, Frames = results,
        };
    }

    /// <summary>
    /// Self-reenactment's gaze: the tracked gaze relative to the avatar's resting gaze (<see cref="AvatarGazeCode.RestGaze"/>),
    /// so that its code is the one its training frames had, (g − mean) / std; not relative to a running estimate of the
    /// driver's rest as live driving takes it. Empty when the avatar takes no gaze.
    /// </summary>
    private float[]? SelfGaze(float[]? gaze)
    {
        if (_package.Manifest.Gaze is not { } spec || gaze is null) return null;
        var rest = spec.RestGaze();
        var rel = new float[gaze.Length];
        for (int j = 0; j < rel.Length; j++) rel[j] = (float)(gaze[j] - rest[j]);
        return rel;
    }

    private FrameEvaluation Evaluate(EvaluationInput input, TrackResult track, double trackMs)
    {
        if (input.Frame.Width != Width || input.Frame.Height != Height)
            throw new ArgumentException($"frame {input.Index}: the evaluation frame is {input.Frame.Width}x{input.Frame.Height}, not {Width}x{Height}", nameof(input));
        if (!track.Face || track.Pose is null || track.LandmarksPx is null)
        {
            var none = new FrameMetrics(input.Index, false, double.NaN, double.NaN, double.NaN, 0, double.NaN, double.NaN, null, null,
                new EvaluationTimings(trackMs, 0, 0, 0, 0));
            return new FrameEvaluation(none, input.Frame, null, null, null, null);
        }
        int srcW = input.Source.Width, srcH = input.Source.Height;
        var z = track.Pose.ZExp;

        // Camera: the tracker's pose in OpenCV axes, refined by perspective PnP in source pixels, then scaled.
        long t0 = Stopwatch.GetTimestamp();
        var srcCam = TrainingCamera.FromTrack(track, srcW, srcH);
        var refined = PerspectivePoseRefiner.Refine(PerspectivePoseRefiner.PosedVertices(_model, z), track.LandmarksPx,
            srcCam.Fx, srcCam.Fy, srcCam.Cx, srcCam.Cy, srcCam.R, srcCam.T);
        var camera = TrainingCamera.Scaled(srcCam with { R = refined.Rotation, T = refined.Translation }, Width, Height);
        double pnpMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;

        // Foreground, head mask, ground truth.
        t0 = Stopwatch.GetTimestamp();
        var probs = _segmenter.Segment(input.Segmentation);
        var fg = SelfieSegmenter.ResizeBilinear(probs, SelfieSegmenter.Size, SelfieSegmenter.Size, Width, Height);
        for (int i = 0; i < fg.Length; i++) fg[i] = Math.Clamp(fg[i], 0f, 1f);
        var mask = HeadMask.Build(fg, Width, Height, track.LandmarksPx, (double)Height / srcH);
        var gt = Composite(input.Frame, fg, _package.Manifest.Background);
        double segMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;

        // The avatar, seen by the frame's camera (world = canonical head frame: no head pose on top).
        t0 = Stopwatch.GetTimestamp();
        var rendered = new RgbImage(Width, Height);
        _renderer.Render(z, [], [], camera, rendered, SelfGaze(track.Gaze));
        double renderMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;

        t0 = Stopwatch.GetTimestamp();
        var mine = ImageQuality.ToUnitFloats(rendered);
        double psnrHead = ImageQuality.Psnr(mine, gt, mask);
        double ssimHead = ImageQuality.Ssim(mine, gt, Width, Height, mask);
        double psnrImage = ImageQuality.Psnr(mine, gt);
        int headPixels = 0;
        foreach (var m in mask) headPixels += m;
        double metricsMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;

        var metrics = new FrameMetrics(input.Index, true, psnrHead, ssimHead, psnrImage, headPixels, refined.ErrorBeforePx, refined.ErrorAfterPx,
            camera, (float[])z.Clone(), new EvaluationTimings(trackMs, segMs, pnpMs, renderMs, metricsMs));
        return new FrameEvaluation(metrics, input.Frame, rendered, gt, fg, mask);
    }

    /// <summary>gt = img·fg + bg·(1 − fg) per channel, [H·W·3] floats in [0, 1] (the trainer's <c>Frames</c>).</summary>
    private static float[] Composite(RgbImage frame, float[] fg, double[] background)
    {
        var px = frame.Span;
        var gt = new float[px.Length];
        for (int i = 0; i < fg.Length; i++)
        {
            float a = fg[i];
            for (int c = 0; c < 3; c++) gt[3 * i + c] = px[3 * i + c] / 255f * a + (float)background[c] * (1 - a);
        }
        return gt;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _renderer.Dispose();
        _segmenter.Dispose();
        _tracker.Dispose();
    }
}
