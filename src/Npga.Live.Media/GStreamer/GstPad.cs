using Npga.Live.Media.GStreamer.Interop;

namespace Npga.Live.Media.GStreamer;

/// <summary>A <c>GstPad</c>: link state, current caps and data probes.</summary>
public sealed class GstPad : GstObject
{
    internal GstPad(GstObjectHandle handle) : base(handle) { }

    /// <summary>Wraps a borrowed pad pointer, taking a new reference.</summary>
    public static GstPad FromBorrowed(nint pad) => new(GstObjectHandle.FromBorrowed(pad));

    /// <summary>Whether the pad is linked to a peer.</summary>
    public bool IsLinked => LibGst.PadIsLinked(Ptr) != 0;

    /// <summary>Links this (source) pad to <paramref name="sink"/> (<c>gst_pad_link</c>).</summary>
    /// <returns>Ok, or why not (already linked, no common format ...).</returns>
    public GstPadLinkReturn Link(GstPad sink) => LibGst.PadLink(Ptr, sink.Ptr);

    /// <summary>The element the pad belongs to (<c>gst_pad_get_parent_element</c>), or null.</summary>
    public GstElement? ParentElement
    {
        get
        {
            var e = LibGst.PadGetParentElement(Ptr);
            return e == 0 ? null : new GstElement(new GstObjectHandle(e));
        }
    }

    /// <summary>The state of the streaming thread this pad drives, if any (<c>gst_pad_get_task_state</c>; Stopped when none).</summary>
    public GstTaskState TaskState => LibGst.PadGetTaskState(Ptr);

    /// <summary>The pad a ghost pad forwards to (<c>gst_ghost_pad_get_target</c>), or null when it has none. Only for ghost pads.</summary>
    public GstPad? GhostTarget
    {
        get
        {
            var target = LibGst.GhostPadGetTarget(Ptr);
            return target == 0 ? null : new GstPad(new GstObjectHandle(target));
        }
    }

    /// <summary>The negotiated video caps, or null before negotiation.</summary>
    public GstVideoCaps? CurrentCaps
    {
        get
        {
            using var caps = new GstCapsHandle(LibGst.PadGetCurrentCaps(Ptr));
            return caps.IsInvalid ? null : GstVideoCaps.FromNative(caps.DangerousGetHandle());
        }
    }

    /// <summary>
    /// Installs a pad probe (<c>gst_pad_add_probe</c>). <paramref name="callback"/> is an
    /// <c>[UnmanagedCallersOnly]</c> function <c>GstPadProbeReturn (GstPad* pad, GstPadProbeInfo* info, gpointer user_data)</c>;
    /// wrap <c>info</c> in <see cref="GstPadProbeInfo"/> and read <paramref name="state"/> with
    /// <see cref="NativeCallbackState.Get{T}"/>. It runs on the streaming thread and must not throw.
    /// </summary>
    /// <returns>The probe; dispose it to remove the probe. The state is freed when GStreamer drops the probe.</returns>
    /// <exception cref="GstException">The probe could not be installed.</exception>
    public unsafe GstPadProbe AddProbe(GstPadProbeType mask, delegate* unmanaged[Cdecl]<nint, nint, nint, GstPadProbeReturn> callback, object state)
    {
        var userData = NativeCallbackState.Alloc(state);
        var id = LibGst.PadAddProbe(Ptr, mask, (nint)callback, userData, NativeCallbackState.DestroyNotify);
        // id 0 with a non-blocking mask means the probe was called and removed at once; the state is freed then.
        if (id == 0 && (mask & (GstPadProbeType.Idle | GstPadProbeType.Block)) == 0)
            throw new GstException($"gst_pad_add_probe failed on '{Name}'");
        return new GstPadProbe(GstObjectHandle.FromBorrowed(Ptr), id);
    }
}
