using System.Runtime.InteropServices;
using Npga.Live.Media.GStreamer.Interop;

namespace Npga.Live.Media.GStreamer;

/// <summary>
/// The fields of a caps' first structure that video code needs, e.g. for
/// <c>video/x-raw, format=RGB, width=512, height=512, framerate=25/1</c>. Fields absent from the
/// caps read as null / 0.
/// </summary>
/// <param name="MediaType">The structure name: "video/x-raw", "video/x-h264", "image/png" ...</param>
/// <param name="Format">The raw pixel format ("RGB", "I420" ...), or null.</param>
/// <param name="Width">Width in pixels, 0 when absent.</param>
/// <param name="Height">Height in pixels, 0 when absent.</param>
/// <param name="FramerateNumerator">Frame rate numerator (frames), 0 when absent or variable.</param>
/// <param name="FramerateDenominator">Frame rate denominator (seconds), 1 when absent.</param>
public readonly record struct GstVideoCaps(string MediaType, string? Format, int Width, int Height, int FramerateNumerator, int FramerateDenominator)
{
    /// <summary>Frames per second, 0 when unknown or variable (0/1).</summary>
    public double FrameRate => FramerateNumerator > 0 && FramerateDenominator > 0 ? (double)FramerateNumerator / FramerateDenominator : 0;

    /// <summary>Reads borrowed caps (<c>GstCaps*</c>, not released here); empty caps give an empty MediaType.</summary>
    public static GstVideoCaps FromNative(nint caps)
    {
        if (caps == 0 || LibGst.CapsGetSize(caps) == 0) return new GstVideoCaps("", null, 0, 0, 0, 1);
        var s = LibGst.CapsGetStructure(caps, 0);
        var name = Marshal.PtrToStringUTF8(LibGst.StructureGetName(s)) ?? "";
        var format = Marshal.PtrToStringUTF8(LibGst.StructureGetString(s, "format"));
        if (LibGst.StructureGetInt(s, "width", out var w) == 0) w = 0;
        if (LibGst.StructureGetInt(s, "height", out var h) == 0) h = 0;
        if (LibGst.StructureGetFraction(s, "framerate", out var n, out var d) == 0) { n = 0; d = 1; }
        return new GstVideoCaps(name, format, w, h, n, d);
    }

    /// <summary>The full text of borrowed caps (<c>gst_caps_to_string</c>).</summary>
    public static string Describe(nint caps) => caps == 0 ? "(no caps)" : LibGLib.TakeString(LibGst.CapsToString(caps)) ?? "";
}
