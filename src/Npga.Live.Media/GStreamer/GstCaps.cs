using Npga.Live.Media.GStreamer.Interop;

namespace Npga.Live.Media.GStreamer;

/// <summary>Owned <c>GstCaps</c>: a media format description such as <c>video/x-raw,format=RGB,width=64,height=48</c>.</summary>
public sealed class GstCaps : IDisposable
{
    private GstCaps(GstCapsHandle handle) => Handle = handle;

    /// <summary>The native reference.</summary>
    public GstCapsHandle Handle { get; }

    /// <summary>Parses caps text (<c>gst_caps_from_string</c>).</summary>
    /// <exception cref="GstException">The text is not valid caps.</exception>
    public static GstCaps Parse(string text)
    {
        Gst.Init();
        var caps = LibGst.CapsFromString(text);
        if (caps == 0) throw new GstException($"invalid caps: \"{text}\"");
        return new GstCaps(new GstCapsHandle(caps));
    }

    /// <summary>The video fields of the first structure.</summary>
    public GstVideoCaps Video => GstVideoCaps.FromNative(Handle.DangerousGetHandle());

    /// <summary>The caps as text.</summary>
    public override string ToString() => GstVideoCaps.Describe(Handle.DangerousGetHandle());

    /// <summary>Releases the caps.</summary>
    public void Dispose() => Handle.Dispose();
}
