using System.Runtime.InteropServices;

namespace Npga.Live.Onnx.Native;

/// <summary>
/// Base of the binding's native handles: owns one ORT object and releases it exactly once, through the
/// <c>Release*</c> entry of the <see cref="OrtApi"/> table it came from (the library is never unloaded, so the
/// entry stays valid for the process's life). Zero is the invalid value.
/// </summary>
internal abstract class OrtHandle : SafeHandle
{
    protected OrtHandle(OrtApi api, IntPtr handle) : base(IntPtr.Zero, ownsHandle: true)
    {
        Api = api;
        SetHandle(handle);
    }

    /// <summary>The table whose <c>Release*</c> entry frees this handle.</summary>
    protected OrtApi Api { get; }

    /// <inheritdoc />
    public override bool IsInvalid => handle == IntPtr.Zero;
}
