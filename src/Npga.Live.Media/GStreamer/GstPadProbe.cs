using Npga.Live.Media.GStreamer.Interop;

namespace Npga.Live.Media.GStreamer;

/// <summary>An installed pad probe; disposing removes it (<c>gst_pad_remove_probe</c>).</summary>
public sealed class GstPadProbe : IDisposable
{
    private readonly GstObjectHandle _pad;

    internal GstPadProbe(GstObjectHandle pad, nuint id)
    {
        _pad = pad;
        Id = id;
    }

    /// <summary>The probe id (0 when it already ran and removed itself).</summary>
    public nuint Id { get; }

    /// <summary>Removes the probe (if still installed) and drops the pad reference.</summary>
    public void Dispose()
    {
        if (_pad.IsClosed) return;
        if (Id != 0) LibGst.PadRemoveProbe(_pad.DangerousGetHandle(), Id);
        _pad.Dispose();
    }
}
