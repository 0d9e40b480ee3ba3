using System.Runtime.InteropServices;

namespace Npga.Live.Media.GStreamer.Interop;

// C structs and struct fields that GStreamer exposes only through macros (GST_BUFFER_PTS,
// GST_MESSAGE_TYPE, GST_EVENT_TYPE, G_OBJECT_GET_CLASS ...). Layouts are those of GLib 2.74 /
// GStreamer 1.22 on LP64 Linux; the tests check them against GStreamer's own behaviour.

/// <summary><c>GValue</c>: a GType and two 8-byte data words (24 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct GValue
{
    public nuint GType;
    public ulong Data0;
    public ulong Data1;
}

/// <summary><c>GError</c>: domain quark, code, UTF-8 message.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct GError
{
    public uint Domain;
    public int Code;
    public nint Message;
}

/// <summary><c>GstMapInfo</c> (104 bytes): the mapped region of a buffer; passed back to unmap.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct GstMapInfo
{
    public nint Memory;
    public GstMapFlags Flags;
    public nint Data;
    public nuint Size;
    public nuint MaxSize;
    public fixed ulong UserData[4];
    public fixed ulong Reserved[4];
}

/// <summary>Field offsets of GStreamer structs whose C accessors are macros.</summary>
internal static class Offsets
{
    /// <summary>sizeof(GstMiniObject): type, refcount, lockstate, flags, copy, dispose, free, priv_uint, priv_pointer.</summary>
    public const int MiniObjectSize = 64;

    /// <summary>GstBuffer: mini_object, pool, pts, dts, duration, offset, offset_end.</summary>
    public const int BufferPts = MiniObjectSize + 8;
    public const int BufferDts = MiniObjectSize + 16;
    public const int BufferDuration = MiniObjectSize + 24;

    /// <summary>GstMessage: mini_object, type, timestamp, src, seqnum.</summary>
    public const int MessageType = MiniObjectSize;
    public const int MessageSrc = MiniObjectSize + 16;

    /// <summary>GstEvent: mini_object, type, timestamp, seqnum.</summary>
    public const int EventType = MiniObjectSize;

    /// <summary>GstWebRTCSessionDescription: type (enum, padded to 8), sdp.</summary>
    public const int SessionDescriptionSdp = 8;

    /// <summary>GParamSpec: g_type_instance, name, flags, value_type, owner_type.</summary>
    public const int ParamSpecValueType = 24;
}

/// <summary>Fundamental GTypes (G_TYPE_MAKE_FUNDAMENTAL(n) = n &lt;&lt; 2).</summary>
internal static class GTypes
{
    public const nuint Boolean = 5 << 2;
    public const nuint Int = 6 << 2;
    public const nuint UInt = 7 << 2;
    public const nuint Int64 = 10 << 2;
    public const nuint UInt64 = 11 << 2;
    public const nuint String = 16 << 2;
    public const nuint Object = 20 << 2;
}
