using Npga.Live.Core;

namespace Npga.Live.Tracking;

/// <summary>Settings of <see cref="FaceTracker"/>.</summary>
public sealed record TrackerOptions
{
    /// <summary>Path of blazeface.onnx; default <c>models/tracker/blazeface.onnx</c>.</summary>
    public string? DetectorModel { get; init; }

    /// <summary>Path of facemesh.onnx; default <c>models/tracker/facemesh.onnx</c>.</summary>
    public string? MeshModel { get; init; }

    /// <summary>Path of iris.onnx; default <c>models/tracker/iris.onnx</c>.</summary>
    public string? IrisModel { get; init; }

    /// <summary>
    /// Redraw the eyelid margins with the Iris model from a crop of each eye (MediaPipe's refined face mesh,
    /// <see cref="Landmarks.IrisModel"/>); off by default. Iris reads blinks deeper than FaceMesh, but on d6 its lid
    /// gap also jitters between blinks (r = 0.78 against FaceMesh's), the expression model's eyes then follow it at
    /// r = 0.78 instead of 0.96, and the default avatar's re-tracked eye transfer on d6 fell from 0.56 to 0.35 (docs/EXPERIMENTS.md,
    /// "Eyelids read by Iris").
    /// </summary>
    public bool RefineEyes { get; init; }

    /// <summary>
    /// Read the gaze with the Iris model (two 64 px runs a frame): <see cref="TrackResult.Gaze"/>, the iris centres in
    /// their eyes' frames (<see cref="Landmarks.IrisModel.Gaze"/>). Off by default; avatars trained with a gaze code need it.
    /// </summary>
    public bool Gaze { get; init; }

    /// <summary>Expression model folder or file; default <c>models/expression/&lt;DefaultExpressionModelId&gt;</c>;
    /// the empty string disables pose and code fitting (landmarks only).</summary>
    public string? ExpressionModel { get; init; }

    /// <summary>The project's default expression model id.</summary>
    public const string DefaultExpressionModelId = "mp468-pca-v1";

    /// <summary>ONNX Runtime intra-op threads per model.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Detector score threshold, 0..1.</summary>
    public float MinDetectionScore { get; init; } = 0.5f;

    /// <summary>Face-flag probability below which tracking is lost and the detector runs again, 0..1.</summary>
    public float MinTrackingConfidence { get; init; } = 0.5f;

    /// <summary>ROI enlargement around the detector box and around the landmarks (MediaPipe: 1.5).</summary>
    public double RoiScale { get; init; } = 1.5;

    /// <summary>Focal length in pixels; null: max(width, height) (a ≈53° field of view).</summary>
    public double? FocalLengthPx { get; init; }

    /// <summary>Estimate the tracked person's own neutral face over the stream so that z_exp carries expression, not identity.</summary>
    public bool AdaptNeutral { get; init; } = true;

    /// <summary>One Euro filter on the landmarks; false leaves them raw.</summary>
    public bool Smoothing { get; init; } = true;

    /// <summary>One Euro cutoff at rest, Hz.</summary>
    public double SmoothingMinCutoff { get; init; } = 1.5;

    /// <summary>One Euro speed coefficient (per face-size-normalised speed), Hz·s.</summary>
    public double SmoothingBeta { get; init; } = 10.0;

    internal string ResolveDetector() => DetectorModel ?? Path.Combine(ContentRoot.Models, "tracker", "blazeface.onnx");

    internal string ResolveMesh() => MeshModel ?? Path.Combine(ContentRoot.Models, "tracker", "facemesh.onnx");

    internal string ResolveIris() => IrisModel ?? Path.Combine(ContentRoot.Models, "tracker", "iris.onnx");

    internal string? ResolveExpression() => ExpressionModel switch
    {
        "" => null,
        null => Path.Combine(ContentRoot.Models, "expression", DefaultExpressionModelId),
        var p => p,
    };
}
