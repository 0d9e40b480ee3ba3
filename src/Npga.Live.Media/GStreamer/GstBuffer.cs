using Npga.Live.Media.GStreamer.Interop;

namespace Npga.Live.Media.GStreamer;

/// <summary>An owned, writable <c>GstBuffer</c> to push into an appsrc.</summary>
public sealed unsafe class GstBuffer : IDisposable
{
    private GstBuffer(GstMiniObjectHandle handle) => Handle = handle;

    /// <summary>The native reference; <see cref="GstAppSrc.Push"/> takes it over.</summary>
    public GstMiniObjectHandle Handle { get; }

    private nint Ptr
    {
        get
        {
            ObjectDisposedException.ThrowIf(Handle.IsClosed || Handle.IsInvalid, this);
            return Handle.DangerousGetHandle();
        }
    }

    /// <summary>Allocates a buffer of <paramref name="size"/> bytes with the default allocator (<c>gst_buffer_new_allocate</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is negative.</exception>
    /// <exception cref="GstException">The allocation failed.</exception>
    public static GstBuffer Allocate(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        Gst.Init();
        var b = LibGst.BufferNewAllocate(0, (nuint)size, 0);
        if (b == 0) throw new GstException($"gst_buffer_new_allocate({size}) failed");
        return new GstBuffer(new GstMiniObjectHandle(b));
    }

    /// <summary>Size in bytes.</summary>
    public int Size => (int)LibGst.BufferGetSize(Ptr);

    /// <summary>Presentation timestamp, nanoseconds (<c>GST_BUFFER_PTS</c>).</summary>
    public ulong Pts
    {
        get => *(ulong*)(Ptr + Offsets.BufferPts);
        set => *(ulong*)(Ptr + Offsets.BufferPts) = value;
    }

    /// <summary>Duration, nanoseconds (<c>GST_BUFFER_DURATION</c>).</summary>
    public ulong Duration
    {
        get => *(ulong*)(Ptr + Offsets.BufferDuration);
        set => *(ulong*)(Ptr + Offsets.BufferDuration) = value;
    }

    /// <summary>Copies <paramref name="data"/> into the buffer at <paramref name="offset"/> (<c>gst_buffer_fill</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The data does not fit.</exception>
    public void Fill(int offset, ReadOnlySpan<byte> data)
    {
        if (offset < 0 || offset + (long)data.Length > Size) throw new ArgumentOutOfRangeException(nameof(offset), "data does not fit in the buffer");
        fixed (byte* p = data) LibGst.BufferFill(Ptr, (nuint)offset, p, (nuint)data.Length);
    }

    /// <summary>Maps the buffer (for writing pixels in place); dispose the map before pushing.</summary>
    /// <exception cref="GstException">The buffer cannot be mapped so.</exception>
    public GstBufferMap Map(GstMapFlags flags) => new(Handle, Ptr, flags);

    /// <summary>Releases the buffer (no effect after it was pushed).</summary>
    public void Dispose() => Handle.Dispose();
}
