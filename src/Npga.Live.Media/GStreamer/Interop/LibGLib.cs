using System.Runtime.InteropServices;

namespace Npga.Live.Media.GStreamer.Interop;

/// <summary>P/Invoke declarations of <c>libglib-2.0.so.0</c> (memory and GError).</summary>
internal static partial class LibGLib
{
    public const string Name = "libglib-2.0.so.0";

    [LibraryImport(Name, EntryPoint = "g_free")]
    public static partial void Free(nint mem);

    [LibraryImport(Name, EntryPoint = "g_error_free")]
    public static partial void ErrorFree(nint error);

    [LibraryImport(Name, EntryPoint = "g_quark_to_string")]
    public static partial nint QuarkToString(uint quark);

    /// <summary>Reads a UTF-8 <c>gchar*</c> the caller owns and frees it with <c>g_free</c>.</summary>
    public static string? TakeString(nint utf8)
    {
        if (utf8 == 0) return null;
        try { return Marshal.PtrToStringUTF8(utf8); }
        finally { Free(utf8); }
    }
}
