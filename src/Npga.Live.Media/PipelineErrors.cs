using Npga.Live.Media.GStreamer;

namespace Npga.Live.Media;

/// <summary>Turns GStreamer bus errors into the cause part of a <see cref="MediaException"/> message.</summary>
internal static class PipelineErrors
{
    // GstStreamError codes (gst-stream-error-quark).
    private const int StreamTypeNotFound = 4;
    private const int StreamCodecNotFound = 6;
    private const int StreamDecode = 7;
    private const int StreamDemux = 9;

    /// <summary>"GStreamer (qtdemux0): This file contains no playable streams. [no known streams found]" plus a hint where one helps.</summary>
    public static string Describe(GstErrorMessage e)
    {
        var text = $"GStreamer ({e.SourceName}): {e.Message.TrimEnd('.')}";
        var reason = DebugReason(e.Debug);
        if (reason is not null) text += $" [{reason}]";
        var hint = Hint(e);
        return hint is null ? text : $"{hint}; {text}";
    }

    private static string? Hint(GstErrorMessage e)
    {
        if (e.Domain == "gst-stream-error-quark")
        {
            switch (e.Code)
            {
                case StreamTypeNotFound:
                    return "not a media format GStreamer recognises (unsupported, corrupt, or not a video/image file)";
                case StreamCodecNotFound:
                    return "no decoder is installed for this stream's codec";
                case StreamDecode:
                    return "the stream is corrupt and could not be decoded";
                case StreamDemux when e.Message.Contains("no playable streams", StringComparison.OrdinalIgnoreCase):
                    return "the container holds no playable stream (the file may be truncated: an MP4 whose index (moov) is missing cannot be read)";
                case StreamDemux:
                    return "the container is corrupt or truncated";
            }
        }
        if (e.Debug?.Contains("not-negotiated", StringComparison.Ordinal) == true)
            return "the decoded format could not be converted to RGB";
        return null;
    }

    /// <summary>The last line of GStreamer's debug string (the reason, without the source path), if short.</summary>
    private static string? DebugReason(string? debug)
    {
        if (string.IsNullOrWhiteSpace(debug)) return null;
        var last = debug.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
        // A line like "../gst/isomp4/qtdemux.c(509): func (): /GstPipeline:..." is only a location.
        if (last.Contains(".c(", StringComparison.Ordinal) && last.Contains("): ", StringComparison.Ordinal)) return null;
        return last.Length > 200 ? last[..200] : last;
    }
}
