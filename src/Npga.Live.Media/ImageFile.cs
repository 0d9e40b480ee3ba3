using Npga.Live.Core.Imaging;
using OpenCvSharp;

namespace Npga.Live.Media;

/// <summary>Reads still images (OpenCV's codecs, GStreamer's for anything else) and writes PNG files (OpenCV's encoder).</summary>
public static class ImageFile
{
    /// <summary>
    /// Decodes an image file into packed 8-bit RGB: PNG, JPEG and BMP through OpenCV's <c>imdecode</c>, anything else
    /// (GIF, WebP, TIFF, a video's first frame, whatever GStreamer's <c>decodebin</c> reads) and any file OpenCV refuses
    /// through GStreamer. An alpha channel is dropped (the stored colour values are kept, not composited); a grey image
    /// becomes three equal channels; 16-bit samples are scaled to 8 bits; EXIF orientation is not applied.
    /// </summary>
    /// <param name="path">The image file.</param>
    /// <param name="maxPixels">Largest accepted width·height; PNG, JPEG, GIF and BMP headers are checked before anything is decoded.</param>
    /// <returns>The image, width and height as stored in the file.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="MediaException">Missing, empty, unreadable, corrupt or unsupported file; an image over <paramref name="maxPixels"/>; or a timeout.</exception>
    public static RgbImage Read(string path, long maxPixels = VideoReaderOptions.DefaultMaxPixels)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (ImageHeader.TryReadSize(path, out var w, out var h, out var format) && format is "PNG" or "JPEG" or "BMP"
            && !FrameSizeGate.Exceeds(w, h, maxPixels) && TryDecode(path) is { } image)
            return image;
        // GStreamer: the other formats, and every refusal (size gate, corrupt or truncated file) with its message.
        using var reader = VideoReader.OpenAs(path, new VideoReaderOptions { MaxPixels = maxPixels }, "image");
        if (!reader.TryRead(out var frame))
            throw new MediaException(path, $"cannot read image '{path}': it contains no picture");
        return frame.Image;
    }

    /// <summary>OpenCV's decoding of the file, or null where OpenCV cannot read it or decodes nothing.</summary>
    private static RgbImage? TryDecode(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        try
        {
            using var decoded = Cv2.ImDecode(bytes, ImreadModes.Color | ImreadModes.IgnoreOrientation);
            return decoded.Empty() ? null : CvImage.FromCodec(decoded);
        }
        catch (OpenCVException)
        {
            return null;
        }
    }

    /// <summary>
    /// Writes <paramref name="image"/> as a lossless 8-bit RGB PNG (OpenCV's encoder, zlib level 1). The file is written to
    /// a temporary name beside <paramref name="path"/> and then renamed, so a reader never sees half a file.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="MediaException">The file cannot be written (missing directory, no permission, disk full); the message names the file.</exception>
    public static void WritePng(RgbImage image, string path)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] png;
        using (var bgr = CvImage.ToCodec(image))
            Cv2.ImEncode(".png", bgr, out png, [(int)ImwriteFlags.PngCompression, 1]);
        var full = System.IO.Path.GetFullPath(path);
        var temp = full + $".{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                file.Write(png);
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
