using Npga.Live.Tracking.Landmarks;

namespace Npga.Live.Pipeline.Evaluation;

/// <summary>
/// The pixels the avatar evaluation scores, as the trainer's data preparation defines them (<c>scripts/training/data.py</c>):
/// foreground (segmentation probability above <see cref="Threshold"/>) and above the chin line, the y of landmark 152 (chin)
/// plus <see cref="ChinMargin"/> of the chin − forehead (landmark 10) distance, with pixel rows tested at their centres
/// (y + 0.5).
/// </summary>
public static class HeadMask
{
    /// <summary>Landmark index of the chin (MediaPipe face mesh).</summary>
    public const int Chin = 152;

    /// <summary>Landmark index of the forehead top (MediaPipe face mesh).</summary>
    public const int Forehead = 10;

    /// <summary>Foreground probability a pixel must exceed.</summary>
    public const float Threshold = 0.5f;

    /// <summary>How far below the chin the mask reaches, as a fraction of the chin − forehead distance.</summary>
    public const double ChinMargin = 0.1;

    /// <summary>Builds the mask.</summary>
    /// <param name="foreground">Foreground probabilities at the evaluation size, [height·width], row-major.</param>
    /// <param name="width">Evaluation width, pixels.</param>
    /// <param name="height">Evaluation height, pixels.</param>
    /// <param name="landmarksPx">The tracker's landmarks, [468·3] (x, y, z) in source-video pixels.</param>
    /// <param name="scaleY">Evaluation height / source height (landmark y → evaluation pixels).</param>
    /// <returns>[height·width] bytes, 1 inside the head mask, 0 outside.</returns>
    /// <exception cref="ArgumentException">Wrong lengths.</exception>
    public static byte[] Build(ReadOnlySpan<float> foreground, int width, int height, ReadOnlySpan<float> landmarksPx, double scaleY)
    {
        if (foreground.Length != width * height) throw new ArgumentException($"the foreground map holds {foreground.Length} values, not {width}x{height}", nameof(foreground));
        if (landmarksPx.Length < 3 * FaceLandmarks.Count) throw new ArgumentException($"need {FaceLandmarks.Count}·3 landmark values", nameof(landmarksPx));
        double yChin = landmarksPx[3 * Chin + 1] * scaleY, yTop = landmarksPx[3 * Forehead + 1] * scaleY;
        double limit = yChin + ChinMargin * (yChin - yTop);
        var mask = new byte[width * height];
        for (int y = 0; y < height && y + 0.5 <= limit; y++)
            for (int x = 0; x < width; x++)
                mask[y * width + x] = foreground[y * width + x] > Threshold ? (byte)1 : (byte)0;
        return mask;
    }
}
