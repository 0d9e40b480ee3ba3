namespace Npga.Live.Media.GStreamer;

/// <summary>A GStreamer call failed; <see cref="Exception.Message"/> carries GStreamer's own message.</summary>
public class GstException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, with GStreamer's message.</param>
    /// <param name="debug">GStreamer's debug detail (source file, element path), if any.</param>
    /// <param name="domain">The GError domain, e.g. <c>gst-resource-error-quark</c>, if any.</param>
    /// <param name="code">The GError code within <paramref name="domain"/>.</param>
    public GstException(string message, string? debug = null, string? domain = null, int code = 0)
        : base(message)
    {
        Debug = debug;
        Domain = domain;
        Code = code;
    }

    /// <summary>GStreamer's debug detail, or null.</summary>
    public string? Debug { get; }

    /// <summary>The GError domain, or null.</summary>
    public string? Domain { get; }

    /// <summary>The GError code (0 when none).</summary>
    public int Code { get; }

    internal static GstException FromGError(string what, nint gerror)
    {
        using var err = new GErrorHandle(gerror);
        var msg = err.Message ?? "unknown error";
        return new GstException($"{what}: {msg}", domain: err.Domain, code: err.Code);
    }
}
