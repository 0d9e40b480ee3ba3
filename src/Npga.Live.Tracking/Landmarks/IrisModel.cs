using Npga.Live.Core.Imaging;
using Npga.Live.Onnx;
using Npga.Live.Tracking.Crop;
using Npga.Live.Tracking.Geometry;

namespace Npga.Live.Tracking.Landmarks;

/// <summary>
/// MediaPipe Iris (from @vladmandic/human, converted to <c>models/tracker/iris.onnx</c>), used as MediaPipe's refined
/// face mesh uses it: to redraw the eyelid margins from a close crop of each eye. FaceMesh places the lids from the whole
/// face at 192 px and reads a blink shallower than it is (d6's frame 394, the lids a slit apart: eye openness 0.065 of
/// the eye-corner distance against Iris's 0.039; <c>IrisModelTests</c>); Iris sees one eye at 64 px.
/// <para>
/// Input <c>input</c> [1,64,64,3] RGB in [0, 1]: a square crop round the eye's two corners, 2.3 × their bounding box
/// (made square on its long side), upright in the face-mesh ROI's frame; the model expects a right eye, so the left eye's
/// crop is mirrored. Outputs <c>eye_contours</c> [1,213] (71 × x, y, z in crop pixels: the lid margins, rings round the
/// eye and the brow) and <c>iris</c> [1,15] (5 × x, y, z: the iris centre, then four points of its rim; the centre gives
/// <see cref="Gaze"/>). Point j of each lid-margin group of the 468-point mesh
/// (<see cref="LidGroups"/>) becomes Iris point <c>IrisIndex[j]</c>, its z the mean of the two models' (the mapping of
/// TF.js face-landmarks-detection, MESH_TO_IRIS_INDICES_MAP). Only the lid margins: Iris's rings and brow points put
/// d6's brows on the lid skin below them. On a turned head (the eyes' outer corners more than 30 crop pixels apart in
/// depth at 192 px) only the nearer eye is redrawn, as there.
/// </para>
/// </summary>
public sealed class IrisModel : IDisposable
{
    /// <summary>Input side, pixels.</summary>
    public const int InputSize = 64;

    /// <summary>Eye crop side relative to the eye corners' bounding box (MediaPipe: 2.3).</summary>
    public const double Enlarge = 2.3;

    /// <summary>Eye-corner depth difference (FaceMesh crop pixels at 192) beyond which only the nearer eye's lids are redrawn.</summary>
    public const double TurnedDepthDifference = 30;

    /// <summary>
    /// The lid margins, point for point: (right-eye mesh indices, left-eye mesh indices, Iris contour indices); upper
    /// (MediaPipe rightEyeUpper0 / leftEyeUpper0) then lower (rightEyeLower0 / leftEyeLower0, corner to corner).
    /// </summary>
    public static readonly (int[] Right, int[] Left, int[] IrisIndex)[] LidGroups =
    [
        ([246, 161, 160, 159, 158, 157, 173], [466, 388, 387, 386, 385, 384, 398], [9, 10, 11, 12, 13, 14, 15]),
        ([33, 7, 163, 144, 145, 153, 154, 155, 133], [263, 249, 390, 373, 374, 380, 381, 382, 362], [0, 1, 2, 3, 4, 5, 6, 7, 8]),
    ];

    /// <summary>Values of a gaze code: per eye (right, then left) the iris centre along and across the eye line.</summary>
    public const int GazeDim = 4;

    private const int ContourPoints = 71;
    private const int IrisPoints = 5;
    private readonly OrtSession _session;
    private readonly OrtRunner _runner;
    private readonly float[] _right = new float[ContourPoints * 3];
    private readonly float[] _left = new float[ContourPoints * 3];
    private readonly float[] _rightIris = new float[IrisPoints * 3];
    private readonly float[] _leftIris = new float[IrisPoints * 3];

    /// <summary>Loads the model.</summary>
    /// <exception cref="OrtException">The model cannot be loaded or is not the expected graph.</exception>
    public IrisModel(string modelPath, int threads = 1)
    {
        _session = new OrtSession(modelPath, new OrtSessionOptions { IntraOpThreads = threads });
        _runner = _session.CreateRunner(
            [("input", [1, InputSize, InputSize, 3])],
            [("eye_contours", [1, ContourPoints * 3]), ("iris", [1, 15])]);
    }

    /// <summary>
    /// Runs Iris on the eyes of one FaceMesh result: redraws their lid margins in place (when <paramref name="refineLids"/>)
    /// and writes the two iris centres (when <paramref name="irisCentres"/> is not empty). Coordinates as
    /// <see cref="FaceMeshModel.Infer"/> gives them: x, y in image pixels, z in image pixels.
    /// </summary>
    /// <param name="image">The frame the landmarks were found in.</param>
    /// <param name="roi">The face-mesh ROI they were found in (its rotation makes the eye crops upright).</param>
    /// <param name="landmarks">468·3 floats; the lid margins are changed in place when <paramref name="refineLids"/>.</param>
    /// <param name="refineLids">Redraw the lid margins.</param>
    /// <param name="irisCentres">Empty, or 4 floats: the right eye's iris centre x, y, then the left eye's (image pixels).
    /// Both eyes are read for the centres even on a turned head.</param>
    public void Refine(RgbImage image, in RotatedRect roi, Span<float> landmarks, bool refineLids, Span<float> irisCentres)
    {
        if (!irisCentres.IsEmpty && irisCentres.Length != 4) throw new ArgumentException("irisCentres takes 4 floats", nameof(irisCentres));
        double meshScale = roi.Size / FaceMeshModel.InputSize; // image pixels per 192-crop pixel
        double depthDifference = (landmarks[3 * FaceLandmarks.LeftEyeOuter + 2] - landmarks[3 * FaceLandmarks.RightEyeOuter + 2]) / meshScale;
        bool facing = Math.Abs(depthDifference) < TurnedDepthDifference;
        bool right = facing || depthDifference >= 1, left = facing || depthDifference < 1;
        bool all = !irisCentres.IsEmpty;
        if (right || all) Run(image, roi, landmarks, FaceLandmarks.RightEyeOuter, FaceLandmarks.RightEyeInner, mirror: false, _right, _rightIris);
        if (left || all) Run(image, roi, landmarks, FaceLandmarks.LeftEyeOuter, FaceLandmarks.LeftEyeInner, mirror: true, _left, _leftIris);
        if (all)
        {
            irisCentres[0] = _rightIris[0]; irisCentres[1] = _rightIris[1];
            irisCentres[2] = _leftIris[0]; irisCentres[3] = _leftIris[1];
        }
        if (!refineLids) return;
        foreach (var (r, l, iris) in LidGroups)
        {
            if (right) Replace(landmarks, r, iris, _right);
            if (left) Replace(landmarks, l, iris, _left);
        }
    }

    /// <summary>
    /// The gaze code of one face: for each eye (the person's right, then left), the iris centre's offset from the
    /// midpoint of the eye's two corners, along the eye line (image direction from the right eye's outer corner to
    /// the left eye's: the head's x axis as seen) and across it (that direction turned 90° towards the chin), both in
    /// eye widths (the corner-to-corner distance). About ±0.15 over a gaze sweep; 0, 0 looks straight between the
    /// corners. Invariant to the face's size and in-plane roll, not to the head's yaw and pitch (a turned head moves
    /// the projected iris against its corners; the tracked pose carries that separately).
    /// </summary>
    /// <param name="landmarks">468·3 floats, image pixels (the corners 33, 133, 263, 362 are read).</param>
    /// <param name="irisCentres">4 floats from <see cref="Refine"/>: right x, y, left x, y (image pixels).</param>
    /// <param name="gaze"><see cref="GazeDim"/> floats written: right along, right across, left along, left across.</param>
    public static void Gaze(ReadOnlySpan<float> landmarks, ReadOnlySpan<float> irisCentres, Span<float> gaze)
    {
        if (irisCentres.Length != 4 || gaze.Length != GazeDim) throw new ArgumentException("irisCentres and gaze take 4 floats");
        for (int e = 0; e < 2; e++)
        {
            var (mx, my, w, dx, dy) = EyeFrame(landmarks, e);
            double rx = irisCentres[2 * e] - mx, ry = irisCentres[2 * e + 1] - my;
            gaze[2 * e] = (float)((rx * dx + ry * dy) / w);
            gaze[2 * e + 1] = (float)((-rx * dy + ry * dx) / w);
        }
    }

    /// <summary>The inverse of <see cref="Gaze"/>: the two iris centres (image pixels) a gaze code puts in a face's eyes.</summary>
    /// <param name="landmarks">468·3 floats, image pixels (the corners 33, 133, 263, 362 are read).</param>
    /// <param name="gaze"><see cref="GazeDim"/> floats: right along, across, left along, across (eye widths).</param>
    /// <param name="irisCentres">4 floats written: right x, y, left x, y.</param>
    /// <exception cref="ArgumentException">A span is not 4 floats.</exception>
    public static void IrisCentres(ReadOnlySpan<float> landmarks, ReadOnlySpan<float> gaze, Span<float> irisCentres)
    {
        if (irisCentres.Length != 4 || gaze.Length != GazeDim) throw new ArgumentException("irisCentres and gaze take 4 floats");
        for (int e = 0; e < 2; e++)
        {
            var (mx, my, w, dx, dy) = EyeFrame(landmarks, e);
            double along = gaze[2 * e] * w, across = gaze[2 * e + 1] * w;
            irisCentres[2 * e] = (float)(mx + along * dx - across * dy);
            irisCentres[2 * e + 1] = (float)(my + along * dy + across * dx);
        }
    }

    /// <summary>
    /// The frame <see cref="Gaze"/> measures eye <paramref name="eye"/> (0 right, 1 left) in: the corners' midpoint (mx, my),
    /// the eye width w (corner to corner, pixels, at least 1e-6) and the unit eye-line direction (dx, dy), the image
    /// direction from the right eye's outer corner to the left eye's.
    /// </summary>
    private static (double Mx, double My, double W, double Dx, double Dy) EyeFrame(ReadOnlySpan<float> landmarks, int eye)
    {
        double dx = landmarks[3 * FaceLandmarks.LeftEyeOuter] - landmarks[3 * FaceLandmarks.RightEyeOuter];
        double dy = landmarks[3 * FaceLandmarks.LeftEyeOuter + 1] - landmarks[3 * FaceLandmarks.RightEyeOuter + 1];
        double n = Math.Max(Math.Sqrt(dx * dx + dy * dy), 1e-6);
        var (outer, inner) = eye == 0 ? (FaceLandmarks.RightEyeOuter, FaceLandmarks.RightEyeInner) : (FaceLandmarks.LeftEyeOuter, FaceLandmarks.LeftEyeInner);
        double ox = landmarks[3 * outer], oy = landmarks[3 * outer + 1], ix = landmarks[3 * inner], iy = landmarks[3 * inner + 1];
        double w = Math.Max(Math.Sqrt((ix - ox) * (ix - ox) + (iy - oy) * (iy - oy)), 1e-6);
        return (0.5 * (ox + ix), 0.5 * (oy + iy), w, dx / n, dy / n);
    }

    /// <summary>Crops one eye, runs the model and writes its 71 contour points and 5 iris points (image pixels).</summary>
    private void Run(RgbImage image, in RotatedRect roi, ReadOnlySpan<float> landmarks, int outer, int inner, bool mirror, float[] points, float[] iris)
    {
        // The corners' bounding box in the ROI's upright frame, enlarged and made square (at least a pixel).
        ReadOnlySpan<float> corners = [landmarks[3 * outer], landmarks[3 * outer + 1], landmarks[3 * inner], landmarks[3 * inner + 1]];
        var eye = RotatedRect.Enclosing(corners, roi.Angle, Enlarge);
        var map = (eye with { Size = Math.Max(eye.Size, 1) }).CropToImage(InputSize);
        // Mirrored crop: crop column u shows image column (InputSize − u), so the same map sends the model's points home.
        if (mirror) map = new Affine2(-map.A00, map.A01, -map.A10, map.A11, map.B0 + InputSize * map.A00, map.B1 + InputSize * map.A10);
        ImageWarp.WarpBilinear(image, map, InputSize, 1f / 255f, 0f, _runner.Input(0));
        _runner.Run();
        map.MapPoints(_runner.Output(0), points, ContourPoints);
        map.MapPoints(_runner.Output(1), iris, IrisPoints);
    }

    private static void Replace(Span<float> landmarks, int[] mesh, int[] iris, float[] points)
    {
        for (int j = 0; j < mesh.Length; j++)
        {
            int m = mesh[j], k = iris[j];
            landmarks[3 * m] = points[3 * k];
            landmarks[3 * m + 1] = points[3 * k + 1];
            landmarks[3 * m + 2] = 0.5f * (landmarks[3 * m + 2] + points[3 * k + 2]);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _runner.Dispose();
        _session.Dispose();
    }
}
