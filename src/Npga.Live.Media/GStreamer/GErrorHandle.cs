using System.Runtime.InteropServices;
using Npga.Live.Media.GStreamer.Interop;

namespace Npga.Live.Media.GStreamer;

/// <summary>An owned <c>GError*</c> as returned through a <c>GError**</c> out-parameter; freed with <c>g_error_free</c>.</summary>
public sealed unsafe class GErrorHandle : SafeHandle
{
    /// <summary>An invalid handle.</summary>
    public GErrorHandle() : base(0, ownsHandle: true) { }

    /// <summary>Wraps an error the caller owns (may be 0: no error).</summary>
    public GErrorHandle(nint owned) : base(0, ownsHandle: true) => SetHandle(owned);

    /// <inheritdoc />
    public override bool IsInvalid => handle == 0;

    /// <summary>The error's UTF-8 message, or null for no error.</summary>
    public string? Message => IsInvalid ? null : Marshal.PtrToStringUTF8(((GError*)handle)->Message);

    /// <summary>The error's domain, e.g. <c>gst-stream-error-quark</c>, or null for no error.</summary>
    public string? Domain => IsInvalid ? null : Marshal.PtrToStringUTF8(LibGLib.QuarkToString(((GError*)handle)->Domain));

    /// <summary>The error's code within its domain (0 for no error).</summary>
    public int Code => IsInvalid ? 0 : ((GError*)handle)->Code;

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        LibGLib.ErrorFree(handle);
        return true;
    }
}
