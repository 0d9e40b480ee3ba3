using Npga.Live.Tracking.Landmarks;

namespace Npga.Live.Pipeline.Evaluation;

/// <summary>
/// The pixels the avatar evaluation scores, as the trainer's data preparation defines them (<c>scripts/training/data.py</c>):
/// foreground (segmentation probability above <see cref="Threshold"/>) and above the chin line, the y of landmark 152 (chin)
/// plus <see cref="ChinMargin"/> of the chin − forehead (landmark 10) distance, with pixel rows tested at their centres
/// (y + 0.5), and of that its largest 8-connected part: the selfie segmentation also takes in things beside the person
/// (d14's orange bottle, 2.3% of the pixels), which no avatar draws. Ties between parts of equal size go to the part met
/// first in raster order (scipy.ndimage.label's numbering, as the trainer's <c>data.largest_component</c>).
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
        KeepLargestComponent(mask, width, height);
        return mask;
    }

    /// <summary>
    /// Keeps the largest 8-connected part of a 0/1 mask in place (the first in raster order among equals); an empty mask
    /// stays empty.
    /// </summary>
    /// <param name="mask">[height·width] bytes, 1 inside; rewritten.</param>
    /// <param name="width">Width, pixels.</param>
    /// <param name="height">Height, pixels.</param>
    /// <exception cref="ArgumentException">The mask's length is not width·height.</exception>
    public static void KeepLargestComponent(byte[] mask, int width, int height)
    {
        if (mask.Length != width * height) throw new ArgumentException($"the mask holds {mask.Length} values, not {width}x{height}", nameof(mask));
        var label = new int[mask.Length];
        var stack = new Stack<int>();
        int next = 0, best = 0, bestSize = 0;
        for (int start = 0; start < mask.Length; start++)
        {
            if (mask[start] == 0 || label[start] != 0) continue;
            int id = ++next, size = 0;
            label[start] = id;
            stack.Push(start);
            while (stack.Count > 0)
            {
                int p = stack.Pop();
                size++;
                int py = p / width, px = p % width;
                for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                {
                    int y = py + dy, x = px + dx;
                    if ((uint)y >= (uint)height || (uint)x >= (uint)width) continue;
                    int q = y * width + x;
                    if (mask[q] == 0 || label[q] != 0) continue;
                    label[q] = id;
                    stack.Push(q);
                }
            }
            if (size > bestSize) { best = id; bestSize = size; }
        }
        for (int i = 0; i < mask.Length; i++) mask[i] = label[i] == best && best != 0 ? (byte)1 : (byte)0;
    }
}
