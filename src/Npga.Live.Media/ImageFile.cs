using Npga.Live.Core.Imaging;

namespace Npga.Live.Media;

/// <summary>Reads still images (through GStreamer's decoders) and writes PNG files.</summary>
public static class ImageFile
{
    /// <summary>
    /// Decodes an image file (PNG, JPEG, and whatever else GStreamer's <c>decodebin</c> reads, a
    /// video's first frame included) into packed 8-bit RGB. An alpha channel is dropped (the stored
    /// colour values are kept, not composited); EXIF orientation is not applied.
    /// </summary>
    /// <param name="path">The image file.</param>
    /// <param name="maxPixels">Largest accepted width·height; PNG, JPEG, GIF and BMP headers are checked before anything is decoded.</param>
    /// <returns>The image, width and height as stored in the file.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="MediaException">Missing, empty, unreadable, corrupt or unsupported file; an image over <paramref name="maxPixels"/>; or a timeout.</exception>
    public static RgbImage Read(string path, long maxPixels = VideoReaderOptions.DefaultMaxPixels)
    {
        using var reader = VideoReader.OpenAs(path, new VideoReaderOptions { MaxPixels = maxPixels }, "image");
        if (!reader.TryRead(out var frame))
            throw new MediaException(path, $"cannot read image '{path}': it contains no picture");
        return frame.Image;
    }

    /// <summary>
    /// Writes <paramref name="image"/> as a lossless 8-bit RGB PNG (the project's own encoder:
    /// zlib via <see cref="System.IO.Compression.ZLibStream"/>, CRC-32 per chunk). The file is
    /// written to a temporary name beside <paramref name="path"/> and then renamed, so a reader never
    /// sees half a file.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="MediaException">The file cannot be written (missing directory, no permission, disk full); the message names the file.</exception>
    public static void WritePng(RgbImage image, string path)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = System.IO.Path.GetFullPath(path);
        var temp = full + $".{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                PngEncoder.Write(image, file);
                file.Flush(flushToDisk: false);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            try { File.Delete(temp); } catch (Exception) { /* best effort */ }
            throw new MediaException(path, $"cannot write PNG '{path}': {e.Message}", e);
        }
    }
}
