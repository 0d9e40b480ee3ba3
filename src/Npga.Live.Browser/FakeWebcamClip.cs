using Npga.Live.Core.Imaging;
using Npga.Live.Media;
using Npga.Live.Pipeline.Live;

namespace Npga.Live.Browser;

/// <summary>
/// A clip for Chromium's fake webcam (<c>--use-file-for-fake-video-capture</c>): a real face video decoded at its own
/// size (cropped by a pixel where odd), each frame stamped with its index as a <see cref="FrameCode"/> (so an avatar frame the server makes
/// from it names its driver frame), written as YUV4MPEG2 4:2:0. Chromium plays it in a loop at the file's frame rate.
/// </summary>
public static class FakeWebcamClip
{
    /// <summary>Writes the clip and returns the frames written.</summary>
    /// <param name="input">A video decodebin reads (e.g. ../shared/data/driving/d3.mp4).</param>
    /// <param name="output">The .y4m file to write.</param>
    /// <param name="maxFrames">Most frames to take from the start of the input.</param>
    /// <returns>The driver frames written, in order (index i carries code i), kept for re-tracking.</returns>
    /// <exception cref="MediaException">The input cannot be read or the output written.</exception>
    public static IReadOnlyList<RgbImage> Write(string input, string output, int maxFrames = 900)
    {
        var frames = new List<RgbImage>();
        using var reader = VideoReader.Open(input);
        int width = reader.Width & ~1, height = reader.Height & ~1;
        using var writer = VideoWriter.Create(output, width, height, reader.FrameRate);
        foreach (var frame in reader.ReadAll().Take(maxFrames))
        {
            var image = Crop(frame.Image, width, height);
            FrameCode.Write(image, (int)(frame.Index & 0xFFFF));
            writer.Write(image);
            frames.Add(image);
        }
        writer.Complete();
        return frames;
    }

    private static RgbImage Crop(RgbImage src, int width, int height)
    {
        if (src.Width == width && src.Height == height) return src.Clone();
        var dst = new RgbImage(width, height);
        for (int y = 0; y < height; y++) src.Row(y)[..(3 * width)].CopyTo(dst.Row(y));
        return dst;
    }
}
