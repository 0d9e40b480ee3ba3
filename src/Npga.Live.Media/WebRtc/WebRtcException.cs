namespace Npga.Live.Media.WebRtc;

/// <summary>
/// A WebRTC session could not be set up: the offer is malformed, has no video m-line, or offers
/// no codec this server encodes and decodes; webrtcbin refused a description or did not answer in
/// time; or a GStreamer element is missing. <see cref="Exception.Message"/> says which; the inner
/// exception, when present, is the <see cref="GStreamer.GstException"/> underneath.
/// </summary>
public class WebRtcException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed and why.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public WebRtcException(string message, Exception? inner = null) : base(message, inner) { }
}
