using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Npga.Live.Media.GStreamer;

/// <summary>
/// Passes a managed object through a native callback's <c>gpointer user_data</c>: a GCHandle that
/// GLib frees through <see cref="DestroyNotify"/> when it drops the callback (handler disconnected,
/// probe removed, object finalized). Callbacks are <c>[UnmanagedCallersOnly]</c> static methods
/// that recover their object with <see cref="Get{T}"/> and must never let an exception escape.
/// </summary>
public static unsafe class NativeCallbackState
{
    /// <summary>Allocates the handle passed as <c>user_data</c>.</summary>
    public static nint Alloc(object state) => GCHandle.ToIntPtr(GCHandle.Alloc(state));

    /// <summary>The object behind a <c>user_data</c> made by <see cref="Alloc"/>.</summary>
    public static T Get<T>(nint userData) where T : class => (T)GCHandle.FromIntPtr(userData).Target!;

    /// <summary>A <c>GDestroyNotify</c> that frees a handle made by <see cref="Alloc"/>.</summary>
    public static nint DestroyNotify => (nint)(delegate* unmanaged[Cdecl]<nint, void>)&Free;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void Free(nint userData)
    {
        if (userData != 0) GCHandle.FromIntPtr(userData).Free();
    }
}
