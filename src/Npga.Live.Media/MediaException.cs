namespace Npga.Live.Media;

/// <summary>
/// Reading or writing a media file failed: missing or unreadable file, unsupported or corrupt
/// content, no video stream, a frame over the size limit, a pipeline error (disk full, unwritable
/// path) or a timeout. <see cref="Exception.Message"/> names the file and the cause; the inner
/// exception, when present, is the <see cref="GStreamer.GstException"/> or I/O error underneath.
/// </summary>
public class MediaException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The file concerned (may be null).</param>
    /// <param name="message">The full message, naming the file and the cause.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public MediaException(string? path, string message, Exception? inner = null) : base(message, inner) => Path = path;

    /// <summary>The file concerned, or null.</summary>
    public string? Path { get; }
}
