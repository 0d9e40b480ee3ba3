using System.Runtime.InteropServices;
using Npga.Live.Media.GStreamer.Interop;

namespace Npga.Live.Media.GStreamer;

/// <summary>
/// An owned <c>GstSDPMessage</c> (libgstsdp): a parsed session description, read-only here.
/// Media sections are read by index; values are copied into managed strings.
/// </summary>
public sealed class GstSdpMessage : IDisposable
{
    private readonly Handle _handle;

    private GstSdpMessage(nint owned) => _handle = new Handle(owned);

    private nint Ptr
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed || _handle.IsInvalid, this);
            return _handle.DangerousGetHandle();
        }
    }

    /// <summary>Parses SDP text (<c>gst_sdp_message_new_from_text</c>). The parser is lenient: it skips lines it does not know.</summary>
    /// <exception cref="GstException">The parser refused the text, or it holds a NUL character (C would end the text there).</exception>
    public static GstSdpMessage Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int nul = text.IndexOf('\0');
        if (nul >= 0) throw new GstException($"the SDP text holds a NUL character (at {nul})"); // at 0, the parser asserted 'size != 0'
        Gst.Init();
        var r = LibGstSdp.MessageNewFromText(text, out var msg);
        if (r != LibGstSdp.Ok || msg == 0)
        {
            if (msg != 0) LibGstSdp.MessageFree(msg);
            throw new GstException($"gst_sdp_message_new_from_text refused the text (GstSDPResult {r})");
        }
        return new GstSdpMessage(msg);
    }

    /// <summary>Copies a borrowed <c>GstSDPMessage*</c> (<c>gst_sdp_message_copy</c>).</summary>
    /// <exception cref="GstException">The copy failed.</exception>
    public static GstSdpMessage CopyOf(nint borrowed)
    {
        if (borrowed == 0 || LibGstSdp.MessageCopy(borrowed, out var copy) != LibGstSdp.Ok || copy == 0)
            throw new GstException("gst_sdp_message_copy failed");
        return new GstSdpMessage(copy);
    }

    /// <summary>The <c>v=</c> line's value ("0"), or null when the text had none.</summary>
    public string? Version => Marshal.PtrToStringUTF8(LibGstSdp.MessageGetVersion(Ptr));

    /// <summary>Number of media sections (<c>m=</c> lines).</summary>
    public int MediaCount => (int)LibGstSdp.MessageMediasLen(Ptr);

    /// <summary>The media kind of section <paramref name="index"/>: "video", "audio", "application" ...</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such section.</exception>
    public string MediaKind(int index) => Marshal.PtrToStringUTF8(LibGstSdp.MediaGetMedia(Media(index))) ?? "";

    /// <summary>The port of section <paramref name="index"/> (0 means the section is rejected/disabled).</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such section.</exception>
    public int MediaPort(int index) => (int)LibGstSdp.MediaGetPort(Media(index));

    /// <summary>The formats of section <paramref name="index"/> (for RTP: payload type numbers as text, in preference order).</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such section.</exception>
    public IReadOnlyList<string> MediaFormats(int index)
    {
        var media = Media(index);
        var n = LibGstSdp.MediaFormatsLen(media);
        var list = new string[n];
        for (uint i = 0; i < n; i++) list[i] = Marshal.PtrToStringUTF8(LibGstSdp.MediaGetFormat(media, i)) ?? "";
        return list;
    }

    /// <summary>Every value of attribute <paramref name="key"/> ("rtpmap", "fmtp" ...) in section <paramref name="index"/>, in order; a flag attribute such as <c>a=sendrecv</c> has the value "".</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such section.</exception>
    public IReadOnlyList<string> MediaAttributeValues(int index, string key)
    {
        var media = Media(index);
        return AttributeValues(LibGstSdp.MediaAttributesLen(media), i => LibGstSdp.MediaGetAttribute(media, i), key);
    }

    /// <summary>
    /// Every value of session-level attribute <paramref name="key"/> (before the first <c>m=</c>
    /// line), in order; a flag attribute such as <c>a=recvonly</c> has the value "".
    /// </summary>
    public IReadOnlyList<string> AttributeValues(string key)
    {
        var message = Ptr;
        return AttributeValues(LibGstSdp.MessageAttributesLen(message), i => LibGstSdp.MessageGetAttribute(message, i), key);
    }

    /// <summary>
    /// The values of the attributes named <paramref name="key"/> among <paramref name="count"/> (one pass: the
    /// <c>gst_sdp_*_get_attribute_val_n</c> functions search from the first attribute for each n, so listing n values
    /// that way takes n² steps, seconds for an offer of a few thousand repeated lines).
    /// </summary>
    private static unsafe List<string> AttributeValues(uint count, Func<uint, nint> attribute, string key)
    {
        var wanted = System.Text.Encoding.UTF8.GetBytes(key);
        var list = new List<string>();
        for (uint i = 0; i < count; i++)
        {
            var attr = (nint*)attribute(i); // GstSDPAttribute: gchar *key, gchar *value
            if (attr == null || attr[0] == 0) continue;
            if (!MemoryMarshal.CreateReadOnlySpanFromNullTerminated((byte*)attr[0]).SequenceEqual(wanted)) continue;
            list.Add(Marshal.PtrToStringUTF8(attr[1]) ?? "");
        }
        return list;
    }

    /// <summary>The message as SDP text (<c>gst_sdp_message_as_text</c>), lines ending in CRLF.</summary>
    public string ToText() => LibGLib.TakeString(LibGstSdp.MessageAsText(Ptr)) ?? "";

    /// <summary>
    /// Wraps the message in a new <c>GstWebRTCSessionDescription</c>, which takes it over: this
    /// object is unusable afterwards. Free the result with <c>gst_webrtc_session_description_free</c>.
    /// </summary>
    internal nint TransferToSessionDescription(GstWebRtcSdpType type)
    {
        var msg = Ptr;
        _handle.SetHandleAsInvalid();
        return LibGstWebRtc.SessionDescriptionNew(type, msg);
    }

    /// <summary>The raw pointer, valid while this message is not disposed.</summary>
    internal nint DangerousPointer => Ptr;

    /// <summary>Frees the message.</summary>
    public void Dispose() => _handle.Dispose();

    /// <summary>An owned <c>GstSDPMessage*</c>, freed with <c>gst_sdp_message_free</c>.</summary>
    private sealed class Handle : SafeHandle
    {
        public Handle(nint owned) : base(0, ownsHandle: true) => SetHandle(owned);

        public override bool IsInvalid => handle == 0;

        protected override bool ReleaseHandle()
        {
            LibGstSdp.MessageFree(handle);
            return true;
        }
    }

    private nint Media(int index)
    {
        if (index < 0 || index >= MediaCount) throw new ArgumentOutOfRangeException(nameof(index), index, $"the SDP has {MediaCount} media sections");
        return LibGstSdp.MessageGetMedia(Ptr, (uint)index);
    }
}
