namespace Npga.Live.Rendering.Cpu;

/// <summary>
/// The output of <see cref="Projection"/> for N Gaussians, reused from frame to frame (the arrays grow
/// to the largest N seen and are never shrunk). Gaussian i is culled when its tile box is empty.
/// </summary>
internal sealed class ProjectedGaussians
{
    /// <summary>Floats per Gaussian in <see cref="Packed"/>: one 64-byte line.</summary>
    public const int Stride = 16;

    // Offsets inside a packed record. Pixel-space quantities use the Camera convention: image
    // coordinates with pixel (i, j) centred at (i + 0.5, j + 0.5). With d = μ' − p (projected mean minus
    // pixel centre) and conic Q = [[A, B], [B, C]] = Σ'⁻¹, the rasterizer needs −power = ½dᵀQd, which it
    // computes in base 2: q = log2(e)·½dᵀQd = HalfA·dx² + B2·dx·dy + HalfC·dy², so e^power = 2^−q.
    public const int U = 0;          // projected mean, x (pixels)
    public const int V = 1;          // projected mean, y (pixels)
    public const int HalfA = 2;      // log2(e)·½A
    public const int B2 = 3;         // log2(e)·B
    public const int HalfC = 4;      // log2(e)·½C
    public const int Opacity = 5;    // o = sigmoid(logit)
    public const int Red = 6;        // SH colour, ≥ 0
    public const int Green = 7;
    public const int Blue = 8;
    public const int YMin = 9;       // rows whose centre y is outside [YMin, YMax] have α < 1/255 here
    public const int YMax = 10;
    public const int SliceSlope = 11; // row slice: on the row at dy, α ≥ 1/255 only for pixel x with
    public const int SliceK1 = 12;    //   (x − (U + SliceSlope·dy))² ≤ SliceK1 − SliceK2·dy²
    public const int Id = 13;        // Gaussian index, int bits
    public const int Log2Opacity = 14; // log2(o)
    public const int SliceK2 = 15;

    /// <summary>Gaussians in the last frame.</summary>
    public int Count { get; private set; }

    /// <summary>[N·<see cref="Stride"/>] per-Gaussian records read by the rasterizer.</summary>
    public float[] Packed { get; private set; } = [];

    /// <summary>[N·4] tile box (x0, y0, x1, y1), half-open, in tiles; x0 == x1 when culled.</summary>
    public int[] Rects { get; private set; } = [];

    /// <summary>[N] camera-space depth z, the sort key.</summary>
    public float[] Depths { get; private set; } = [];

    /// <summary>Sets <see cref="Count"/>, growing the arrays when needed (the only allocation, warm-up only).</summary>
    public void Resize(int count)
    {
        Count = count;
        if (Depths.Length >= count) return;
        int capacity = Math.Max(count, Depths.Length + Depths.Length / 2);
        Packed = new float[(long)capacity * Stride > Array.MaxLength ? throw new OutOfMemoryException() : capacity * Stride];
        Rects = new int[capacity * 4];
        Depths = new float[capacity];
    }
}
