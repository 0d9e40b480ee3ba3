using Npga.Live.Core.Imaging;

namespace Npga.Live.Rendering;

/// <summary>
/// What a Gaussian renderer draws into: a planar (CHW) float32 image of <see cref="Channels"/> = 3 + L
/// channels. Channel c occupies <c>Planes[c·H·W .. (c+1)·H·W)</c>, rows top to bottom; channels 0..2 are
/// R, G, B as display values (0..1 nominal; not clamped, so a bright SH colour may exceed 1), channels
/// 3.. are the composited latent features h (NPGA eq. 7). The buffer has exactly the layout of the
/// refinement CNN's <c>[1, 3+L, H, W]</c> input: a target made over the refiner's own input array
/// (<see cref="RenderTarget(int, int, int, float[])"/>) hands the frame to the CNN without a copy.
/// </summary>
public sealed class RenderTarget
{
    private float[] _background = new float[3];

    /// <summary>Allocates a target; every plane starts at 0, the background is black.</summary>
    /// <param name="width">Width in pixels, at least 1.</param>
    /// <param name="height">Height in pixels, at least 1.</param>
    /// <param name="latentChannels">Latent channels L, 0 for an RGB-only target.</param>
    /// <exception cref="ArgumentOutOfRangeException">A side is below 1, L is negative, or the buffer would exceed 2³¹ floats.</exception>
    public RenderTarget(int width, int height, int latentChannels) : this(width, height, latentChannels, null)
    {
    }

    /// <summary>A target drawing into <paramref name="planes"/>, an array the caller owns (a CNN's input buffer), or into a
    /// new one when it is null; the background is black.</summary>
    /// <param name="width">Width in pixels, at least 1.</param>
    /// <param name="height">Height in pixels, at least 1.</param>
    /// <param name="latentChannels">Latent channels L, 0 for an RGB-only target.</param>
    /// <param name="planes">(3+L)·H·W floats, planar CHW, or null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A side is below 1, L is negative, or the buffer would exceed 2³¹ floats.</exception>
    /// <exception cref="ArgumentException"><paramref name="planes"/> does not hold (3+L)·H·W floats.</exception>
    public RenderTarget(int width, int height, int latentChannels, float[]? planes)
    {
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, "width must be at least 1");
        if (height < 1) throw new ArgumentOutOfRangeException(nameof(height), height, "height must be at least 1");
        if (latentChannels < 0) throw new ArgumentOutOfRangeException(nameof(latentChannels), latentChannels, "latent channels must be 0 or more");
        long length = (long)width * height * (3 + latentChannels);
        if (length > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(width), $"a {width}x{height}x{3 + latentChannels} target is too large");
        Width = width;
        Height = height;
        LatentChannels = latentChannels;
        if (planes is not null && planes.Length != length)
            throw new ArgumentException($"a {width}x{height}x{3 + latentChannels} target needs {length} floats, the array holds {planes.Length}", nameof(planes));
        Planes = planes ?? new float[length];
    }

    /// <summary>Width W in pixels.</summary>
    public int Width { get; }

    /// <summary>Height H in pixels.</summary>
    public int Height { get; }

    /// <summary>Latent channels L (channels 3..3+L−1).</summary>
    public int LatentChannels { get; }

    /// <summary>All channels, 3 + L.</summary>
    public int Channels => 3 + LatentChannels;

    /// <summary>Pixels per plane, W·H.</summary>
    public int PlaneLength => Width * Height;

    /// <summary>The planes, exactly <see cref="Channels"/>·H·W floats, channel-major (CHW).</summary>
    public float[] Planes { get; }

    /// <summary>
    /// Background colour R, G, B composited behind the Gaussians (C + T·background); default black. The
    /// latent channels' background is always 0.
    /// </summary>
    /// <exception cref="ArgumentException">Set to an array whose length is not 3.</exception>
    public float[] Background
    {
        get => _background;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            if (value.Length != 3) throw new ArgumentException($"background needs 3 values (R, G, B), got {value.Length}", nameof(value));
            _background = value;
        }
    }

    /// <summary>Channel <paramref name="channel"/>'s plane, H·W floats, rows top to bottom.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="channel"/> is outside 0..Channels−1.</exception>
    public Span<float> Plane(int channel)
    {
        if ((uint)channel >= (uint)Channels) throw new ArgumentOutOfRangeException(nameof(channel), channel, $"channel must be 0..{Channels - 1}");
        return Planes.AsSpan(channel * PlaneLength, PlaneLength);
    }

    /// <summary>
    /// Converts channels 0..2 to 8-bit RGB: clamp(v, 0, 1)·255 rounded to nearest (NaN gives 0). No
    /// gamma is applied: the renderer's colours are already display values, as in 3DGS.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="dst"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="dst"/> differs in size.</exception>
    public void ToRgbImage(RgbImage dst)
    {
        ArgumentNullException.ThrowIfNull(dst);
        if (dst.Width != Width || dst.Height != Height)
            throw new ArgumentException($"image is {dst.Width}x{dst.Height}, target is {Width}x{Height}", nameof(dst));
        int n = PlaneLength;
        ReadOnlySpan<float> r = Planes.AsSpan(0, n), g = Planes.AsSpan(n, n), b = Planes.AsSpan(2 * n, n);
        Span<byte> px = dst.Span;
        for (int i = 0; i < n; i++)
        {
            px[3 * i] = ToByte(r[i]);
            px[3 * i + 1] = ToByte(g[i]);
            px[3 * i + 2] = ToByte(b[i]);
        }
    }

    private static byte ToByte(float v)
    {
        // NaN fails both comparisons and lands on 0.
        if (!(v > 0f)) return 0;
        if (v >= 1f) return 255;
        return (byte)(v * 255f + 0.5f);
    }
}
