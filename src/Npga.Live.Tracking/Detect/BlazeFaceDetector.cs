using Npga.Live.Core.Imaging;
using Npga.Live.Onnx;
using Npga.Live.Tracking.Crop;
using Npga.Live.Tracking.Geometry;

namespace Npga.Live.Tracking.Detect;

/// <summary>
/// MediaPipe BlazeFace (the 256×256 "back camera" variant shipped in @vladmandic/human, converted to
/// <c>models/tracker/blazeface.onnx</c>). Input <c>input</c> [1,256,256,3] RGB in [−1, 1] (the whole
/// frame letterboxed); outputs <c>classificators</c> [1,896,1] (score logits) and <c>regressors</c>
/// [1,896,16] per anchor: box centre offset and size (dx, dy, w, h) in input pixels relative to the
/// anchor centre, then six keypoint offsets (x, y) relative to the anchor centre.
/// Anchors: strides 16 and 32 with 2 and 6 anchors per cell (16·16·2 + 8·8·6 = 896), fixed size.
/// Overlapping boxes are merged by MediaPipe's weighted non-maximum suppression.
/// </summary>
public sealed class BlazeFaceDetector : IDisposable
{
    /// <summary>Input side, pixels.</summary>
    public const int InputSize = 256;

    /// <summary>Number of anchors.</summary>
    public const int AnchorCount = 896;

    private const int Values = 16;
    private readonly OrtSession _session;
    private readonly OrtRunner _runner;
    private readonly float[] _anchors = BuildAnchors();

    /// <summary>Loads the detector.</summary>
    /// <param name="modelPath">Path of blazeface.onnx.</param>
    /// <param name="threads">ORT intra-op threads.</param>
    /// <exception cref="OrtException">The model cannot be loaded or is not the expected graph.</exception>
    public BlazeFaceDetector(string modelPath, int threads = 1)
    {
        _session = new OrtSession(modelPath, new OrtSessionOptions { IntraOpThreads = threads });
        _runner = _session.CreateRunner(
            [("input", [1, InputSize, InputSize, 3])],
            [("regressors", [1, AnchorCount, Values]), ("classificators", [1, AnchorCount, 1])]);
    }

    /// <summary>Minimum score for a detection, 0..1.</summary>
    public float MinScore { get; init; } = 0.5f;

    /// <summary>IoU above which boxes are merged.</summary>
    public float NmsIoU { get; init; } = 0.3f;

    /// <summary>Anchor centres as x0,y0,x1,y1,… in input pixels (for tests).</summary>
    public ReadOnlySpan<float> Anchors => _anchors;

    /// <summary>The map from detector input pixels to image pixels for an image of the given size (letterbox).</summary>
    public static Affine2 InputToImage(int width, int height)
        => new RotatedRect(width / 2.0, height / 2.0, Math.Max(width, height), 0).CropToImage(InputSize);

    /// <summary>
    /// Writes the detector's input tensor for <paramref name="image"/> (letterboxed, [−1, 1]) into <paramref name="dst"/>.
    /// </summary>
    public static void Preprocess(RgbImage image, Span<float> dst)
        => ImageWarp.WarpBilinear(image, InputToImage(image.Width, image.Height), InputSize, 2f / 255f, -1f, dst);

    /// <summary>Finds the faces in <paramref name="image"/>, highest score first.</summary>
    public List<FaceDetection> Detect(RgbImage image)
    {
        Preprocess(image, _runner.Input(0));
        _runner.Run();
        return Decode(_runner.Output(0), _runner.Output(1), InputToImage(image.Width, image.Height));
    }

    /// <summary>
    /// Decodes raw outputs into detections in image pixels, merged by weighted NMS.
    /// </summary>
    /// <param name="raw">Regressors, 896·16 floats.</param>
    /// <param name="logits">Score logits, 896 floats.</param>
    /// <param name="inputToImage">Detector input pixels to image pixels.</param>
    public List<FaceDetection> Decode(ReadOnlySpan<float> raw, ReadOnlySpan<float> logits, in Affine2 inputToImage)
    {
        var candidates = new List<FaceDetection>();
        for (int a = 0; a < AnchorCount; a++)
        {
            var r = raw.Slice(a * Values, Values);
            float logit = Math.Clamp(logits[a], -80f, 80f);
            float score = 1f / (1f + MathF.Exp(-logit));
            if (score < MinScore) continue;
            float ax = _anchors[2 * a], ay = _anchors[2 * a + 1];
            float cx = r[0] + ax, cy = r[1] + ay, w = r[2], h = r[3];
            var (x0, y0) = inputToImage.Apply(cx - w / 2, cy - h / 2);
            var (x1, y1) = inputToImage.Apply(cx + w / 2, cy + h / 2);
            var kp = new float[12];
            for (int k = 0; k < 6; k++)
            {
                var (kx, ky) = inputToImage.Apply(r[4 + 2 * k] + ax, r[5 + 2 * k] + ay);
                kp[2 * k] = (float)kx;
                kp[2 * k + 1] = (float)ky;
            }
            candidates.Add(new FaceDetection(score, (float)Math.Min(x0, x1), (float)Math.Min(y0, y1), (float)Math.Max(x0, x1), (float)Math.Max(y0, y1), kp));
        }
        return WeightedNms(candidates, NmsIoU);
    }

    /// <summary>
    /// MediaPipe's weighted non-maximum suppression: boxes overlapping the best remaining box by more
    /// than <paramref name="iou"/> are averaged into it, weighted by score.
    /// </summary>
    public static List<FaceDetection> WeightedNms(List<FaceDetection> candidates, float iou)
    {
        candidates.Sort((p, q) => q.Score.CompareTo(p.Score));
        var result = new List<FaceDetection>();
        var used = new bool[candidates.Count];
        for (int i = 0; i < candidates.Count; i++)
        {
            if (used[i]) continue;
            var best = candidates[i];
            double wsum = 0, x0 = 0, y0 = 0, x1 = 0, y1 = 0;
            var kp = new double[12];
            for (int j = i; j < candidates.Count; j++)
            {
                if (used[j] || FaceDetection.IoU(best, candidates[j]) <= iou && j != i) continue;
                used[j] = true;
                var c = candidates[j];
                double wgt = c.Score;
                wsum += wgt;
                x0 += wgt * c.XMin; y0 += wgt * c.YMin; x1 += wgt * c.XMax; y1 += wgt * c.YMax;
                for (int k = 0; k < 12; k++) kp[k] += wgt * c.Keypoints[k];
            }
            var merged = new float[12];
            for (int k = 0; k < 12; k++) merged[k] = (float)(kp[k] / wsum);
            result.Add(new FaceDetection(best.Score, (float)(x0 / wsum), (float)(y0 / wsum), (float)(x1 / wsum), (float)(y1 / wsum), merged));
        }
        return result;
    }

    private static float[] BuildAnchors()
    {
        var list = new float[AnchorCount * 2];
        int n = 0;
        foreach (var (stride, perCell) in new[] { (16, 2), (32, 6) })
        {
            int cells = (InputSize + stride - 1) / stride;
            for (int y = 0; y < cells; y++)
                for (int x = 0; x < cells; x++)
                    for (int k = 0; k < perCell; k++)
                    {
                        list[n++] = stride * (x + 0.5f);
                        list[n++] = stride * (y + 0.5f);
                    }
        }
        return list;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _runner.Dispose();
        _session.Dispose();
    }
}
