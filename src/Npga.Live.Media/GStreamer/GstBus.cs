using System.Runtime.InteropServices;
using Npga.Live.Media.GStreamer.Interop;

namespace Npga.Live.Media.GStreamer;

/// <summary>A pipeline's <c>GstBus</c>, polled from the caller's thread (no GLib main loop needed).</summary>
public sealed class GstBus : GstObject
{
    internal GstBus(GstObjectHandle handle) : base(handle) { }

    /// <summary>
    /// Takes the next message of one of <paramref name="types"/>, waiting up to
    /// <paramref name="timeout"/> (<c>gst_bus_timed_pop_filtered</c>); messages of other types that
    /// come first are discarded. <see cref="TimeSpan.Zero"/> polls; a negative timeout waits forever.
    /// </summary>
    /// <returns>The message (ERROR, WARNING, EOS and STATE_CHANGED as typed records), or null at the timeout.</returns>
    public unsafe GstBusMessage? Pop(TimeSpan timeout, GstMessageType types)
    {
        var msg = LibGst.BusTimedPopFiltered(Ptr, GstClockTime.FromTimeSpan(timeout), types);
        if (msg == 0) return null;
        try
        {
            var type = *(GstMessageType*)(msg + Offsets.MessageType);
            var src = *(nint*)(msg + Offsets.MessageSrc);
            var source = src == 0 ? null : LibGLib.TakeString(LibGst.ObjectGetName(src));
            switch (type)
            {
                case GstMessageType.Error:
                {
                    LibGst.MessageParseError(msg, out var gerror, out var debug);
                    using var err = new GErrorHandle(gerror);
                    return new GstErrorMessage(source, err.Message ?? "unknown error", LibGLib.TakeString(debug), err.Domain, err.Code);
                }
                case GstMessageType.Warning:
                {
                    LibGst.MessageParseWarning(msg, out var gerror, out var debug);
                    using var err = new GErrorHandle(gerror);
                    return new GstWarningMessage(source, err.Message ?? "unknown warning", LibGLib.TakeString(debug));
                }
                case GstMessageType.Eos:
                    return new GstEosMessage(source);
                case GstMessageType.StateChanged:
                    LibGst.MessageParseStateChanged(msg, out var oldState, out var newState, out var pending);
                    return new GstStateChangedMessage(source, oldState, newState, pending);
                default:
                    return new GstBusMessage(type, source);
            }
        }
        finally
        {
            LibGst.MiniObjectUnref(msg);
        }
    }

    /// <summary>The name GStreamer gives a message type, e.g. "state-changed".</summary>
    public static string TypeName(GstMessageType type)
    {
        Gst.Init();
        return Marshal.PtrToStringUTF8(LibGst.MessageTypeGetName(type)) ?? type.ToString();
    }
}
