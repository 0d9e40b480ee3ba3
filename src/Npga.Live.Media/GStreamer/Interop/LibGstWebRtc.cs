using System.Runtime.InteropServices;

namespace Npga.Live.Media.GStreamer.Interop;

/// <summary>P/Invoke declarations of <c>libgstwebrtc-1.0.so.0</c> (session descriptions), one line per C function.</summary>
internal static partial class LibGstWebRtc
{
    public const string Name = "libgstwebrtc-1.0.so.0";

    /// <summary>Takes ownership of <paramref name="sdpTransferFull"/>.</summary>
    [LibraryImport(Name, EntryPoint = "gst_webrtc_session_description_new")]
    public static partial nint SessionDescriptionNew(GstWebRtcSdpType type, nint sdpTransferFull);

    [LibraryImport(Name, EntryPoint = "gst_webrtc_session_description_free")]
    public static partial void SessionDescriptionFree(nint description);
}

/// <summary>P/Invoke declarations of <c>libgstsdp-1.0.so.0</c> (SDP messages and media sections).</summary>
internal static partial class LibGstSdp
{
    public const string Name = "libgstsdp-1.0.so.0";

    /// <summary>GST_SDP_OK.</summary>
    public const int Ok = 0;

    [LibraryImport(Name, EntryPoint = "gst_sdp_message_new_from_text", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MessageNewFromText(string text, out nint message);

    [LibraryImport(Name, EntryPoint = "gst_sdp_message_copy")]
    public static partial int MessageCopy(nint message, out nint copy);

    [LibraryImport(Name, EntryPoint = "gst_sdp_message_free")]
    public static partial int MessageFree(nint message);

    [LibraryImport(Name, EntryPoint = "gst_sdp_message_as_text")]
    public static partial nint MessageAsText(nint message);

    [LibraryImport(Name, EntryPoint = "gst_sdp_message_get_version")]
    public static partial nint MessageGetVersion(nint message);

    [LibraryImport(Name, EntryPoint = "gst_sdp_message_medias_len")]
    public static partial uint MessageMediasLen(nint message);

    [LibraryImport(Name, EntryPoint = "gst_sdp_message_get_media")]
    public static partial nint MessageGetMedia(nint message, uint index);

    [LibraryImport(Name, EntryPoint = "gst_sdp_media_get_media")]
    public static partial nint MediaGetMedia(nint media);

    [LibraryImport(Name, EntryPoint = "gst_sdp_media_get_port")]
    public static partial uint MediaGetPort(nint media);

    [LibraryImport(Name, EntryPoint = "gst_sdp_media_formats_len")]
    public static partial uint MediaFormatsLen(nint media);

    [LibraryImport(Name, EntryPoint = "gst_sdp_media_get_format")]
    public static partial nint MediaGetFormat(nint media, uint index);

    [LibraryImport(Name, EntryPoint = "gst_sdp_media_attributes_len")]
    public static partial uint MediaAttributesLen(nint media);

    /// <summary>A borrowed <c>const GstSDPAttribute*</c>: two <c>gchar*</c>, key then value ("" for a flag such as <c>a=sendrecv</c>).</summary>
    [LibraryImport(Name, EntryPoint = "gst_sdp_media_get_attribute")]
    public static partial nint MediaGetAttribute(nint media, uint index);

    [LibraryImport(Name, EntryPoint = "gst_sdp_message_attributes_len")]
    public static partial uint MessageAttributesLen(nint message);

    /// <summary>A borrowed <c>const GstSDPAttribute*</c>, as <see cref="MediaGetAttribute"/>.</summary>
    [LibraryImport(Name, EntryPoint = "gst_sdp_message_get_attribute")]
    public static partial nint MessageGetAttribute(nint message, uint index);
}

/// <summary>P/Invoke declarations of <c>libnice.so.10</c> (the ICE agent inside webrtcbin).</summary>
internal static partial class LibNice
{
    public const string Name = "libnice.so.10";

    [LibraryImport(Name, EntryPoint = "nice_address_new")]
    public static partial nint AddressNew();

    [LibraryImport(Name, EntryPoint = "nice_address_free")]
    public static partial void AddressFree(nint address);

    [LibraryImport(Name, EntryPoint = "nice_address_set_from_string", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int AddressSetFromString(nint address, string text);

    [LibraryImport(Name, EntryPoint = "nice_agent_add_local_address")]
    public static partial int AgentAddLocalAddress(nint agent, nint address);
}
