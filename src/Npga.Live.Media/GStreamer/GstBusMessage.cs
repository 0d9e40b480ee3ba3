namespace Npga.Live.Media.GStreamer;

/// <summary>
/// A bus message copied into managed memory (the native message is released at once). Kinds the
/// project acts on have their own record; others arrive as this base type.
/// </summary>
/// <param name="Type">The message kind.</param>
/// <param name="SourceName">Name of the object that posted it (e.g. "qtdemux0"), or null.</param>
public record GstBusMessage(GstMessageType Type, string? SourceName);

/// <summary>An ERROR: the pipeline cannot go on.</summary>
/// <param name="SourceName">The element that failed.</param>
/// <param name="Message">GStreamer's human-readable message, e.g. "Could not determine type of stream."</param>
/// <param name="Debug">GStreamer's debug detail (source file, element path, reason), or null.</param>
/// <param name="Domain">The GError domain, e.g. "gst-stream-error-quark".</param>
/// <param name="Code">The GError code within the domain.</param>
public sealed record GstErrorMessage(string? SourceName, string Message, string? Debug, string? Domain, int Code)
    : GstBusMessage(GstMessageType.Error, SourceName)
{
    /// <summary>The message as an exception.</summary>
    public GstException ToException() => new($"{SourceName}: {Message}", Debug, Domain, Code);
}

/// <summary>A WARNING: something went wrong but data still flows.</summary>
/// <param name="SourceName">The element that warned.</param>
/// <param name="Message">GStreamer's message.</param>
/// <param name="Debug">GStreamer's debug detail, or null.</param>
public sealed record GstWarningMessage(string? SourceName, string Message, string? Debug)
    : GstBusMessage(GstMessageType.Warning, SourceName);

/// <summary>EOS: every sink has received end-of-stream.</summary>
/// <param name="SourceName">The pipeline.</param>
public sealed record GstEosMessage(string? SourceName) : GstBusMessage(GstMessageType.Eos, SourceName);

/// <summary>STATE_CHANGED: an element (or the pipeline) changed state.</summary>
/// <param name="SourceName">The element.</param>
/// <param name="OldState">State before.</param>
/// <param name="NewState">State now.</param>
/// <param name="PendingState">Target still to reach (VoidPending when none).</param>
public sealed record GstStateChangedMessage(string? SourceName, GstState OldState, GstState NewState, GstState PendingState)
    : GstBusMessage(GstMessageType.StateChanged, SourceName);
