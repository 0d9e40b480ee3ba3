using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Npga.Live.Media.GStreamer.Interop;

namespace Npga.Live.Media.GStreamer;

/// <summary>
/// A <c>GstPromise</c>: the reply channel of an asynchronous element action (webrtcbin's
/// "create-answer", "set-remote-description" ...). Made with a change callback, so that
/// <see cref="Wait"/> can give up after a timeout (plain <c>gst_promise_wait</c> cannot).
/// </summary>
public sealed unsafe class GstPromise : IDisposable
{
    private readonly ManualResetEventSlim _changed;

    private GstPromise(GstMiniObjectHandle handle, ManualResetEventSlim changed)
    {
        Handle = handle;
        _changed = changed;
    }

    /// <summary>The native reference; pass <see cref="Ptr"/> to the action, which takes its own reference.</summary>
    public GstMiniObjectHandle Handle { get; }

    /// <summary>The raw pointer, valid while this promise is not disposed.</summary>
    public nint Ptr
    {
        get
        {
            ObjectDisposedException.ThrowIf(Handle.IsClosed, this);
            return Handle.DangerousGetHandle();
        }
    }

    /// <summary>Creates a pending promise (<c>gst_promise_new_with_change_func</c>).</summary>
    /// <exception cref="GstException">GStreamer cannot be loaded.</exception>
    public static GstPromise Create()
    {
        Gst.Init();
        var changed = new ManualResetEventSlim(false);
        var userData = NativeCallbackState.Alloc(changed);
        var p = LibGst.PromiseNewWithChangeFunc(
            (nint)(delegate* unmanaged[Cdecl]<nint, nint, void>)&OnChanged, userData, NativeCallbackState.DestroyNotify);
        if (p == 0)
        {
            GCHandle.FromIntPtr(userData).Free();
            throw new GstException("gst_promise_new_with_change_func failed");
        }
        return new GstPromise(new GstMiniObjectHandle(p), changed);
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for the answer; at the timeout the promise is
    /// interrupted (<c>gst_promise_interrupt</c>), so a late answer is dropped.
    /// </summary>
    /// <returns>Replied (read <see cref="Reply"/>), Expired (the element dropped it) or Interrupted (the timeout, or <see cref="Interrupt"/>).</returns>
    public GstPromiseResult Wait(TimeSpan timeout)
    {
        if (!_changed.Wait(timeout < TimeSpan.Zero ? Timeout.InfiniteTimeSpan : timeout))
            LibGst.PromiseInterrupt(Ptr);
        return LibGst.PromiseWait(Ptr); // settled by now: returns at once
    }

    /// <summary>Interrupts a pending promise (wakes <see cref="Wait"/> with Interrupted); no effect once answered.</summary>
    public void Interrupt()
    {
        if (!Handle.IsClosed) LibGst.PromiseInterrupt(Ptr);
    }

    /// <summary>The reply structure (<c>gst_promise_get_reply</c>), borrowed and valid while the promise lives; 0 when the reply carries none.</summary>
    public nint Reply => LibGst.PromiseGetReply(Ptr);

    /// <summary>The reply as text (<c>gst_structure_to_string</c>), or null when there is none.</summary>
    public string? ReplyText
    {
        get
        {
            var s = Reply;
            return s == 0 ? null : LibGLib.TakeString(LibGst.StructureToString(s));
        }
    }

    /// <summary>The message of the reply's <c>error</c> field (a <c>GError</c>), or null when the reply has none.</summary>
    public string? ReplyError
    {
        get
        {
            var s = Reply;
            if (s == 0) return null;
            var v = LibGst.StructureGetValue(s, "error");
            if (v == null) return null;
            var err = (GError*)LibGObject.ValueGetBoxed(v);
            return err == null ? "unknown error" : Marshal.PtrToStringUTF8(err->Message) ?? "unknown error";
        }
    }

    /// <summary>The boxed pointer stored in field <paramref name="field"/> of the reply (borrowed), or 0 when absent.</summary>
    public nint ReplyBoxed(string field)
    {
        var s = Reply;
        if (s == 0) return 0;
        var v = LibGst.StructureGetValue(s, field);
        return v == null ? 0 : LibGObject.ValueGetBoxed(v);
    }

    /// <summary>Drops this reference (the element may hold its own until it answers).</summary>
    public void Dispose() => Handle.Dispose();

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnChanged(nint promise, nint userData)
    {
        try
        {
            NativeCallbackState.Get<ManualResetEventSlim>(userData).Set();
        }
        catch (Exception)
        {
            // never unwind into native code
        }
    }
}
