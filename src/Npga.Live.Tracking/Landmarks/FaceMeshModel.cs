using Npga.Live.Core.Imaging;
using Npga.Live.Onnx;
using Npga.Live.Tracking.Crop;
using Npga.Live.Tracking.Geometry;

namespace Npga.Live.Tracking.Landmarks;

/// <summary>
/// MediaPipe FaceMesh, 468 landmarks (from @vladmandic/human, converted to
/// <c>models/tracker/facemesh.onnx</c>). Input <c>input</c> [1,192,192,3] RGB in [0, 1], an upright
/// face crop; outputs <c>mesh</c> [1,1404] (468 × x, y, z in crop pixels; z relative to the face
/// centre, negative towards the camera, in the same scale as x) and <c>face_flag</c> [1,1], the
/// probability that the crop holds a face.
/// </summary>
public sealed class FaceMeshModel : IDisposable
{
    /// <summary>Input side, pixels.</summary>
    public const int InputSize = 192;

    private readonly OrtSession _session;
    private readonly OrtRunner _runner;

    /// <summary>Loads the model.</summary>
    /// <exception cref="OrtException">The model cannot be loaded or is not the expected graph.</exception>
    public FaceMeshModel(string modelPath, int threads = 1)
    {
        _session = new OrtSession(modelPath, new OrtSessionOptions { IntraOpThreads = threads });
        _runner = _session.CreateRunner(
            [("input", [1, InputSize, InputSize, 3])],
            [("mesh", [1, FaceLandmarks.Count * 3]), ("face_flag", [1, 1])]);
    }

    /// <summary>The input tensor of the last <see cref="Crop"/> (for tests and parity checks).</summary>
    public ReadOnlySpan<float> LastInput => _runner.Input(0);

    /// <summary>Writes the model input for <paramref name="roi"/> of <paramref name="image"/>.</summary>
    public void Crop(RgbImage image, in RotatedRect roi)
        => ImageWarp.WarpBilinear(image, roi.CropToImage(InputSize), InputSize, 1f / 255f, 0f, _runner.Input(0));

    /// <summary>
    /// Runs the model on the input written by <see cref="Crop"/> and maps the landmarks back to
    /// image pixels: x, y through the crop map, z scaled by the same factor (image pixels).
    /// </summary>
    /// <param name="roi">The region the crop was taken from.</param>
    /// <param name="landmarks">Destination, 468·3 floats (x, y, z in image pixels).</param>
    /// <returns>The face-flag probability, 0..1.</returns>
    public float Infer(in RotatedRect roi, Span<float> landmarks)
    {
        _runner.Run();
        roi.CropToImage(InputSize).MapPoints(_runner.Output(0), landmarks, FaceLandmarks.Count);
        return _runner.Output(1)[0];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _runner.Dispose();
        _session.Dispose();
    }
}
