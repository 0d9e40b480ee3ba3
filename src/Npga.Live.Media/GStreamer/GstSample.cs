using Npga.Live.Media.GStreamer.Interop;

namespace Npga.Live.Media.GStreamer;

/// <summary>A <c>GstSample</c> pulled from an appsink: one buffer with its caps.</summary>
public sealed unsafe class GstSample : IDisposable
{
    internal GstSample(GstMiniObjectHandle handle) => Handle = handle;

    /// <summary>The native reference.</summary>
    public GstMiniObjectHandle Handle { get; }

    private nint Ptr
    {
        get
        {
            ObjectDisposedException.ThrowIf(Handle.IsClosed, this);
            return Handle.DangerousGetHandle();
        }
    }

    private nint Buffer
    {
        get
        {
            var b = LibGst.SampleGetBuffer(Ptr);
            if (b == 0) throw new GstException("sample has no buffer");
            return b;
        }
    }

    /// <summary>Presentation timestamp in nanoseconds (<c>GST_BUFFER_PTS</c>); <see cref="GstClockTime.None"/> when unset.</summary>
    public ulong Pts => *(ulong*)(Buffer + Offsets.BufferPts);

    /// <summary>Buffer duration in nanoseconds; <see cref="GstClockTime.None"/> when unset.</summary>
    public ulong Duration => *(ulong*)(Buffer + Offsets.BufferDuration);

    /// <summary>Buffer size in bytes.</summary>
    public int BufferSize => (int)LibGst.BufferGetSize(Buffer);

    /// <summary>The sample's caps (format, size, frame rate).</summary>
    public GstVideoCaps Caps => GstVideoCaps.FromNative(LibGst.SampleGetCaps(Ptr));

    /// <summary>
    /// The caps' native address: equal for consecutive samples while the format does not change, so
    /// a reader re-parses <see cref="Caps"/> only when it differs.
    /// </summary>
    public nint CapsIdentity => LibGst.SampleGetCaps(Ptr);

    /// <summary>Maps the buffer for reading; dispose the map before the sample.</summary>
    /// <exception cref="GstException">The buffer cannot be mapped.</exception>
    public GstBufferMap Map() => new(Handle, Buffer, GstMapFlags.Read);

    /// <summary>Releases the sample.</summary>
    public void Dispose() => Handle.Dispose();
}
