using Npga.Live.Core.Imaging;
using Npga.Live.Media;

namespace Npga.Live.Cli.Commands;

/// <summary>Opens a CLI input that is either a still image or a video, as a sequence of frames.</summary>
internal static class InputFiles
{
    private static readonly HashSet<string> ImageExtensions = new(StringComparer.OrdinalIgnoreCase)
        { ".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".gif" };

    /// <summary>True when the path names a still image by its extension.</summary>
    public static bool IsImage(string path) => ImageExtensions.Contains(Path.GetExtension(path));

    /// <summary>
    /// The frames of <paramref name="path"/>: one frame at t = 0 for an image, every decoded frame for a video.
    /// </summary>
    /// <exception cref="MediaException">The file cannot be read (message names the file and the cause).</exception>
    public static IEnumerable<VideoFrame> Frames(string path, out double fps, out long? frameCount)
    {
        if (!File.Exists(path)) throw new MediaException(path, $"{path}: file not found");
        if (IsImage(path))
        {
            fps = 0;
            frameCount = 1;
            var img = ImageFile.Read(path);
            return [new VideoFrame(0, TimeSpan.Zero, img)];
        }
        var reader = VideoReader.Open(path);
        fps = reader.FrameRate;
        frameCount = reader.FrameCountEstimate;
        return ReadAndDispose(reader);
    }

    private static IEnumerable<VideoFrame> ReadAndDispose(VideoReader reader)
    {
        using (reader)
        {
            while (reader.TryRead(out var frame)) yield return frame;
        }
    }
}
