using System.Diagnostics;
using Npga.Live.Core.Imaging;
using Npga.Live.Tracking.Detect;
using Npga.Live.Tracking.Expression;
using Npga.Live.Tracking.Filtering;
using Npga.Live.Tracking.Geometry;
using Npga.Live.Tracking.Landmarks;

namespace Npga.Live.Tracking;

/// <summary>Milliseconds spent in each stage of the last <see cref="FaceTracker.Track"/> call.</summary>
public readonly record struct TrackerTimings(double DetectMs, double CropMs, double LandmarksMs, double FitMs);

/// <summary>
/// The tracking stage: frame → face landmarks → head pose R, t and expression code z_exp.
/// Detect (BlazeFace) → aligned crop (rotation from the eye line, bilinear affine warp) → FaceMesh
/// landmarks → back to image pixels → (with <see cref="TrackerOptions.RefineEyes"/>) eyelid margins redrawn by Iris from a
/// crop of each eye (<see cref="IrisModel"/>; the next frame's crop still comes from FaceMesh's own points) → One Euro
/// smoothing → pose and code fit; with <see cref="TrackerOptions.Gaze"/> the iris centres from the same Iris runs, smoothed
/// alike, give the gaze code. As in MediaPipe's face
/// mesh graph the detector runs only when tracking is lost: otherwise the crop comes from the previous
/// frame's landmarks. When the face-flag drops below the threshold the detector runs again on the
/// same frame. Several faces: the largest is tracked and <see cref="TrackResult.Faces"/> says how many
/// were seen. Not thread-safe: one tracker per stream.
/// </summary>
public sealed class FaceTracker : IDisposable
{
    private readonly TrackerOptions _options;
    private readonly BlazeFaceDetector _detector;
    private readonly FaceMeshModel _mesh;
    private IrisModel? _iris; // loaded when first needed (eye refinement, gaze)
    private readonly PoseExpressionFitter? _fitter;
    private readonly OneEuroFilter _filter = null!;
    private readonly OneEuroFilter _irisFilter = null!;
    private readonly float[] _irisCentres = new float[4];
    private readonly BlinkGazeHold _blinkHold = new();
    private readonly float[] _raw = new float[FaceLandmarks.Count * 3];
    private readonly float[] _xy = new float[FaceLandmarks.Count * 2];
    private RotatedRect? _roi;
    private float[]? _lastZ;
    private int _faces;

    /// <summary>Loads the models named by <paramref name="options"/>.</summary>
    /// <exception cref="FileNotFoundException">A model file is missing (run scripts/setup.sh).</exception>
    public FaceTracker(TrackerOptions? options = null)
    {
        _options = options ?? new TrackerOptions();
        string det = _options.ResolveDetector(), mesh = _options.ResolveMesh();
        foreach (var p in new[] { det, mesh })
            RequireModel(p);
        if (_options.RefineEyes || _options.Gaze) RequireModel(_options.ResolveIris());
        _detector = new BlazeFaceDetector(det, _options.Threads) { MinScore = _options.MinDetectionScore };
        _mesh = new FaceMeshModel(mesh, _options.Threads);
        if (_options.RefineEyes || _options.Gaze) LoadIris();
        ReadGaze = _options.Gaze;
        var exp = _options.ResolveExpression();
        if (exp is not null) _fitter = new PoseExpressionFitter(ExpressionModel.Load(exp)) { AdaptNeutral = _options.AdaptNeutral };
        _filter = new OneEuroFilter(FaceLandmarks.Count * 3, _options.SmoothingMinCutoff, _options.SmoothingBeta);
        _irisFilter = new OneEuroFilter(_irisCentres.Length, _options.SmoothingMinCutoff, _options.SmoothingBeta);
    }

    /// <summary>The expression model codes are fitted against, or null (landmarks only).</summary>
    public ExpressionModel? ExpressionModel => _fitter?.Model;

    /// <summary>
    /// Whether <see cref="Track"/> reads the gaze (<see cref="TrackResult.Gaze"/>); starts as <see cref="TrackerOptions.Gaze"/> and
    /// may change between frames (a pooled tracker serving another avatar). Turning it on loads the Iris model at the next
    /// frame (<see cref="FileNotFoundException"/> there when the model is missing).
    /// </summary>
    public bool ReadGaze { get; set; }

    /// <summary>Stage timings of the last call.</summary>
    public TrackerTimings LastTimings { get; private set; }

    /// <summary>Forgets the tracked face: the next frame runs the detector.</summary>
    public void Reset()
    {
        _roi = null;
        _lastZ = null;
        _filter.Reset();
        _irisFilter.Reset();
        _blinkHold.Reset();
        _fitter?.ResetNeutral();
    }

    /// <summary>Tracks one frame.</summary>
    /// <param name="image">The frame.</param>
    /// <param name="frame">Its number.</param>
    /// <param name="timeS">Its timestamp in seconds (drives the smoothing filter).</param>
    public TrackResult Track(RgbImage image, long frame, double timeS)
    {
        double detectMs = 0, cropMs = 0, meshMs = 0, fitMs = 0;
        var sw = Stopwatch.StartNew();
        bool detected = false;
        float confidence = 0;
        bool found = false;
        for (int attempt = 0; attempt < 2 && !found; attempt++)
        {
            if (_roi is null)
            {
                sw.Restart();
                var faces = _detector.Detect(image);
                detectMs += sw.Elapsed.TotalMilliseconds;
                detected = true;
                _faces = faces.Count;
                if (faces.Count == 0) break;
                var best = faces.MaxBy(f => f.Area)!;
                confidence = best.Score;
                _roi = RoiFromDetection(best);
                _filter.Reset();
                _irisFilter.Reset();
                _blinkHold.Reset();
                _lastZ = null;
                _fitter?.RestartAdaptation();
            }
            sw.Restart();
            _mesh.Crop(image, _roi.Value);
            cropMs += sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            float flag = _mesh.Infer(_roi.Value, _raw);
            meshMs += sw.Elapsed.TotalMilliseconds;
            if (flag >= _options.MinTrackingConfidence && AllFinite(_raw))
            {
                confidence = flag;
                found = true;
            }
            else
            {
                // Lost: run the detector on this same frame once (only if it did not just run).
                bool retry = !detected;
                _roi = null;
                if (!retry) break;
            }
        }
        if (!found)
        {
            LastTimings = new TrackerTimings(detectMs, cropMs, meshMs, 0);
            return new TrackResult { Frame = frame, TimeS = timeS, Face = false, Confidence = confidence, Faces = _faces, Detected = detected, ExpressionModel = _fitter?.Model.Id };
        }
        // Next frame's crop from this frame's (unsmoothed) FaceMesh landmarks: the crop loop does not depend on the eye model.
        var meshRoi = _roi!.Value;
        for (int i = 0; i < FaceLandmarks.Count; i++) { _xy[2 * i] = _raw[3 * i]; _xy[2 * i + 1] = _raw[3 * i + 1]; }
        _roi = RoiFromLandmarks(_raw, _xy, _options.RoiScale);
        var landmarks = (float[])_raw.Clone();
        bool gazeNow = ReadGaze;
        if (gazeNow && _iris is null) LoadIris();
        if (_iris is not null && (_options.RefineEyes || gazeNow))
        {
            sw.Restart();
            _iris.Refine(image, meshRoi, landmarks, _options.RefineEyes, gazeNow ? _irisCentres : default);
            meshMs += sw.Elapsed.TotalMilliseconds;
        }
        float[]? gaze = null;
        if (_options.Smoothing) _filter.Filter(landmarks, timeS, _roi.Value.Size);
        if (gazeNow)
        {
            if (_options.Smoothing) _irisFilter.Filter(_irisCentres, timeS, _roi.Value.Size);
            gaze = new float[IrisModel.GazeDim];
            IrisModel.Gaze(landmarks, _irisCentres, gaze);
            _blinkHold.Apply(landmarks, gaze); // shut lids: the last gaze read open
        }
        sw.Restart();
        PoseExpression? pose = null;
        double f = _options.FocalLengthPx ?? Math.Max(image.Width, image.Height);
        double cx = image.Width / 2.0, cy = image.Height / 2.0;
        if (_fitter is not null)
        {
            pose = _fitter.Fit(landmarks, f, cx, cy, _lastZ);
            _lastZ = pose.ZExp;
        }
        fitMs = sw.Elapsed.TotalMilliseconds;
        LastTimings = new TrackerTimings(detectMs, cropMs, meshMs, fitMs);
        return new TrackResult
        {
            Frame = frame, TimeS = timeS, Face = true, Confidence = confidence, Faces = Math.Max(_faces, 1), Detected = detected,
            LandmarksPx = landmarks, Gaze = gaze, GazeHeld = gaze is not null && _blinkHold.Held, Pose = pose, ExpressionModel = _fitter?.Model.Id, Intrinsics = [f, f, cx, cy],
        };
    }

    private static void RequireModel(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"tracker model not found: {path} (run scripts/setup.sh to convert the models)", path);
    }

    private void LoadIris()
    {
        var path = _options.ResolveIris();
        RequireModel(path);
        _iris = new IrisModel(path, _options.Threads);
    }

    /// <summary>The face-mesh ROI for a detection: eye-line rotation, box enlarged by the ROI scale, square.</summary>
    public RotatedRect RoiFromDetection(FaceDetection d)
    {
        var k = d.Keypoints;
        double angle = RotatedRect.LineAngle(k[0], k[1], k[2], k[3]);
        double size = Math.Max(d.Width, d.Height) * _options.RoiScale;
        return new RotatedRect((d.XMin + d.XMax) / 2, (d.YMin + d.YMax) / 2, size, angle);
    }

    /// <summary>The ROI enclosing landmarks in the frame rotated to their eye line (33 → 263).</summary>
    public static RotatedRect RoiFromLandmarks(ReadOnlySpan<float> xyz, ReadOnlySpan<float> xy, double scale)
    {
        int a = FaceLandmarks.RightEyeOuter, b = FaceLandmarks.LeftEyeOuter;
        double angle = RotatedRect.LineAngle(xyz[3 * a], xyz[3 * a + 1], xyz[3 * b], xyz[3 * b + 1]);
        return RotatedRect.Enclosing(xy, angle, scale);
    }

    private static bool AllFinite(ReadOnlySpan<float> v)
    {
        foreach (var x in v) if (!float.IsFinite(x)) return false;
        return true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _detector.Dispose();
        _mesh.Dispose();
        _iris?.Dispose();
    }
}
