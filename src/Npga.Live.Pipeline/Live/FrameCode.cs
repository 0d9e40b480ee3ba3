using Npga.Live.Core.Imaging;

namespace Npga.Live.Pipeline.Live;

/// <summary>
/// The frame code of the live server's probe mode (docs/LIVE.md): a 16-bit value drawn as a strip of 19 square cells along
/// the bottom-left edge of a frame, cell side ⌊width / 40⌋ px (16 px at 640 wide): cell 0 white and cell 1 black (sync),
/// cells 2–17 the data bits, most significant first (white = 1), cell 18 the even parity of the data bits. The page stamps
/// a time (glass-to-glass latency) or the fake webcam a driver frame index (alignment), and the server copies the code
/// from each driver frame into the avatar frame made from it. Each side sizes the cells from its own frame width, so the
/// code survives the change from the webcam's size to the avatar's. The same layout is read and written by
/// <c>web/frame-code.js</c>.
/// </summary>
public static class FrameCode
{
    /// <summary>Cells in the strip: 2 sync, 16 data, 1 parity.</summary>
    public const int Cells = 19;

    /// <summary>The cell side for a frame <paramref name="width"/> pixels wide: ⌊width / 40⌋.</summary>
    public static int CellSize(int width) => width / 40;

    /// <summary>Whether a frame is large enough to carry a code (cell side ≥ 4 px and the strip fits).</summary>
    public static bool Fits(int width, int height) => CellSize(width) >= 4 && CellSize(width) <= height;

    /// <summary>Draws <paramref name="value"/> (0–65535) into the bottom-left strip of <paramref name="image"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 0–65535.</exception>
    /// <exception cref="ArgumentException">The image is too small to carry a code (<see cref="Fits"/>).</exception>
    public static void Write(RgbImage image, int value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 0xFFFF);
        if (!Fits(image.Width, image.Height)) throw new ArgumentException($"a {image.Width}x{image.Height} frame is too small for a frame code", nameof(image));
        int s = CellSize(image.Width), y0 = image.Height - s;
        for (int c = 0; c < Cells; c++)
        {
            byte v = Bit(value, c) ? (byte)255 : (byte)0;
            for (int y = y0; y < y0 + s; y++) image.Row(y).Slice(3 * c * s, 3 * s).Fill(v);
        }
    }

    /// <summary>Reads the code of <paramref name="image"/>, or null when the frame carries none (sync or parity wrong, too small).</summary>
    /// <remarks>Each cell is the mean luma (Rec. 601) of its inner half, thresholded at 128, so a code survives video
    /// compression and scaling.</remarks>
    public static int? Read(RgbImage image)
    {
        if (!Fits(image.Width, image.Height)) return null;
        int s = CellSize(image.Width), y0 = image.Height - s, m = s / 4, inner = s - 2 * m;
        int value = 0, parity = 0;
        for (int c = 0; c < Cells; c++)
        {
            long sum = 0;
            for (int y = y0 + m; y < y0 + m + inner; y++)
            {
                var row = image.Row(y);
                for (int x = c * s + m; x < c * s + m + inner; x++)
                    sum += 299 * row[3 * x] + 587 * row[3 * x + 1] + 114 * row[3 * x + 2];
            }
            bool white = sum / (1000.0 * inner * inner) >= 128;
            if (c == 0 && !white || c == 1 && white) return null;
            if (c is >= 2 and < 18)
            {
                value = (value << 1) | (white ? 1 : 0);
                parity ^= white ? 1 : 0;
            }
            if (c == 18 && (white ? 1 : 0) != parity) return null;
        }
        return value;
    }

    /// <summary>Copies the code of <paramref name="from"/> into <paramref name="to"/>; false (and <paramref name="to"/>
    /// untouched) when <paramref name="from"/> carries none or <paramref name="to"/> is too small.</summary>
    public static bool Copy(RgbImage from, RgbImage to)
    {
        if (!Fits(to.Width, to.Height) || Read(from) is not { } value) return false;
        Write(to, value);
        return true;
    }

    private static bool Bit(int value, int cell) => cell switch
    {
        0 => true,
        1 => false,
        18 => (System.Numerics.BitOperations.PopCount((uint)value) & 1) == 1,
        _ => ((value >> (17 - cell)) & 1) == 1,
    };
}
