using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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

    /// <summary>
    /// Wraps <paramref name="size"/> bytes at <paramref name="data"/> as a buffer without copying them
    /// (<c>gst_buffer_new_wrapped_full</c>, memory flagged <c>GST_MEMORY_FLAG_READONLY</c>: an element that wants to write
    /// copies first). GStreamer calls <paramref name="release"/> exactly once, on whichever of its threads drops the
    /// memory's last reference: after the pipeline is done with it, when a push fails, or when this buffer is disposed
    /// unpushed. Until then the bytes must stay where they are, unchanged. Exceptions from <paramref name="release"/> are
    /// swallowed (they cannot cross into native code).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> is zero.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is below 1.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="release"/> is null.</exception>
    /// <exception cref="GstException">GStreamer made no buffer (<paramref name="release"/> has then been called).</exception>
    public static GstBuffer Wrap(nint data, int size, Action release)
    {
        if (data == 0) throw new ArgumentException("no memory to wrap", nameof(data));
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentNullException.ThrowIfNull(release);
        Gst.Init();
        var state = GCHandle.ToIntPtr(GCHandle.Alloc(release));
        var b = LibGst.BufferNewWrappedFull(ReadOnlyMemory, data, (nuint)size, 0, (nuint)size, state,
            (nint)(delegate* unmanaged[Cdecl]<nint, void>)&Released);
        if (b == 0)
        {
            RunRelease(state);
            throw new GstException($"gst_buffer_new_wrapped_full({size}) failed");
        }
        return new GstBuffer(new GstMiniObjectHandle(b));
    }

    private const int ReadOnlyMemory = 1 << 1; // GST_MEMORY_FLAG_READONLY (= GST_MINI_OBJECT_FLAG_LOCK_READONLY)

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void Released(nint state) => RunRelease(state);

    private static void RunRelease(nint state)
    {
        var handle = GCHandle.FromIntPtr(state);
        try
        {
            ((Action)handle.Target!)();
        }
        catch
        {
            // a release hook must not unwind into GStreamer
        }
        finally
        {
            handle.Free();
        }
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
