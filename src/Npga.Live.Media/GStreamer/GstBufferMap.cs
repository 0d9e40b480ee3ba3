using System.Runtime.InteropServices;
using Npga.Live.Media.GStreamer.Interop;

namespace Npga.Live.Media.GStreamer;

/// <summary>
/// A mapped <c>GstBuffer</c> (<c>gst_buffer_map</c>): its bytes as a span, valid until
/// <see cref="Dispose"/> unmaps it. Keeps the owning sample or buffer alive meanwhile. Use with
/// <c>using var map = sample.Map();</c> and do not copy the struct.
/// </summary>
public unsafe ref struct GstBufferMap
{
    private readonly SafeHandle _owner;
    private readonly nint _buffer;
    private readonly GstMapFlags _flags;
    private GstMapInfo _info;
    private bool _mapped;

    internal GstBufferMap(SafeHandle owner, nint buffer, GstMapFlags flags)
    {
        _owner = owner;
        _buffer = buffer;
        _flags = flags;
        bool added = false;
        owner.DangerousAddRef(ref added);
        GstMapInfo info;
        if (LibGst.BufferMap(buffer, &info, flags) == 0)
        {
            owner.DangerousRelease();
            throw new GstException($"gst_buffer_map failed ({flags}){((flags & GstMapFlags.Write) != 0 ? ": buffer not writable" : "")}");
        }
        _info = info;
        _mapped = true;
    }

    /// <summary>Number of mapped bytes.</summary>
    public readonly int Length => (int)_info.Size;

    /// <summary>The mapped bytes, read-only.</summary>
    public readonly ReadOnlySpan<byte> Span
    {
        get
        {
            if (!_mapped) throw new ObjectDisposedException(nameof(GstBufferMap));
            return new ReadOnlySpan<byte>((void*)_info.Data, (int)_info.Size);
        }
    }

    /// <summary>The mapped bytes, writable (only for a map made with <see cref="GstMapFlags.Write"/>).</summary>
    /// <exception cref="InvalidOperationException">The map is read-only.</exception>
    public readonly Span<byte> WritableSpan
    {
        get
        {
            if (!_mapped) throw new ObjectDisposedException(nameof(GstBufferMap));
            if ((_flags & GstMapFlags.Write) == 0) throw new InvalidOperationException("buffer mapped read-only");
            return new Span<byte>((void*)_info.Data, (int)_info.Size);
        }
    }

    /// <summary>Unmaps (<c>gst_buffer_unmap</c>); later calls do nothing.</summary>
    public void Dispose()
    {
        if (!_mapped) return;
        _mapped = false;
        var info = _info;
        LibGst.BufferUnmap(_buffer, &info);
        _owner.DangerousRelease();
    }
}
