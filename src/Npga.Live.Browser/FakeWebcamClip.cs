using Npga.Live.Core.Imaging;
using Npga.Live.Media;
using Npga.Live.Pipeline.Live;

namespace Npga.Live.Browser;

/// <summary>
/// A clip for Chromium's fake webcam (<c>--use-file-for-fake-video-capture</c>): a real face video decoded at its own
/// size, padded left and right with grey to (about) the 4:3 shape of a webcam, its width a multiple of 8 (so that a page asking for 640×480 gets the whole
/// frame scaled, not its top and bottom cropped away), each frame stamped with its index as a <see cref="FrameCode"/> (so an avatar frame the server makes
/// from it names its driver frame), written as YUV4MPEG2 4:2:0. Chromium plays it in a loop at the file's frame rate.
/// </summary>
public static class FakeWebcamClip
{
    /// <summary>Writes the clip, one frame in memory at a time; returns how many frames it holds.</summary>
    /// <param name="input">A video decodebin reads (e.g. ../shared/data/driving/d3.mp4).</param>
    /// <param name="output">The .y4m file to write.</param>
    /// <param name="maxFrames">Most frames to take from the start of the input.</param>
    /// <param name="keep">Where to add the driver frames written, in order (index i carries code i), e.g. for re-tracking;
    /// null keeps none (a 640×480 frame is 0.9 MB: 900 of them would sit in the process that runs the server).</param>
    /// <exception cref="MediaException">The input cannot be read or the output written.</exception>
    public static int Write(string input, string output, int maxFrames = 900, List<RgbImage>? keep = null)
    {
        int count = 0;
        using var reader = VideoReader.Open(input);
        int height = reader.Height & ~1;
        int width = (Math.Max(reader.Width, (int)Math.Round(height * 4 / 3.0)) + 7) & ~7; // y4m: a multiple of 8
        using var writer = VideoWriter.Create(output, width, height, reader.FrameRate);
        foreach (var frame in reader.ReadAll().Take(maxFrames))
        {
            var image = Pad(frame.Image, width, height);
            FrameCode.Write(image, (int)(frame.Index & 0xFFFF));
            writer.Write(image);
            keep?.Add(image);
            count++;
        }
        writer.Complete();
        return count;
    }

    /// <summary>The source centred on a grey canvas of <paramref name="width"/>×<paramref name="height"/> (cropped where larger).</summary>
    private static RgbImage Pad(RgbImage src, int width, int height)
    {
        var dst = new RgbImage(width, height);
        dst.Span.Fill(48);
        int w = Math.Min(src.Width, width), x0 = (width - w) / 2;
        for (int y = 0; y < height; y++) src.Row(y)[..(3 * w)].CopyTo(dst.Row(y)[(3 * x0)..]);
        return dst;
    }
}
