using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Npga.Live.Core.Imaging;
using Npga.Live.Media.GStreamer;

namespace Npga.Live.Media;

/// <summary>
/// Refuses frames larger than a pixel limit before they are decoded. Decoders that
/// <c>decodebin</c> plugs in get a pad probe on their input and output; the probe reads the size
/// announced by each CAPS event (a parser's <c>video/x-h264, width=…, height=…</c> or
/// <c>image/png, width=…</c> arrives before the first encoded buffer, so an oversized stream never
/// reaches the decoder) and, once the limit is exceeded, drops every later buffer and CAPS event. The
/// reader polls <see cref="Refusal"/> and reports it. The converter's input is probed too, as a last
/// line for raw streams and decoders whose input caps carry no size.
/// </summary>
internal sealed unsafe class FrameSizeGate : IDisposable
{
    private readonly List<GstPadProbe> _probes = new();
    private readonly long _maxPixels;
    private GSignalConnection? _elementAdded;
    private volatile string? _refusal;
    private bool _disposed;

    public FrameSizeGate(long maxPixels) => _maxPixels = maxPixels;

    /// <summary>Why the stream was refused ("20000x20000 (image/png) …"), or null.</summary>
    public string? Refusal => _refusal;

    /// <summary>Whether <paramref name="width"/>·<paramref name="height"/> is over the limits.</summary>
    public static bool Exceeds(long width, long height, long maxPixels)
        => width > RgbImage.MaxSide || height > RgbImage.MaxSide || width * height > maxPixels;

    /// <summary>The refusal text for a size.</summary>
    public static string Describe(long width, long height, string what, long maxPixels)
        => $"the {what} is {width}x{height} = {width * height / 1e6:0.##} megapixels, above the limit of "
           + $"{maxPixels / 1e6:0.##} megapixels (or {RgbImage.MaxSide} pixels a side); refused before decoding";

    /// <summary>Watches <paramref name="pipeline"/> for decoders and probes <paramref name="converter"/>'s input.</summary>
    public void Attach(GstElement pipeline, GstElement converter)
    {
        _elementAdded = pipeline.ConnectSignal("deep-element-added",
            (nint)(delegate* unmanaged[Cdecl]<nint, nint, nint, nint, void>)&OnDeepElementAdded, this);
        using var sink = converter.GetStaticPad("sink") ?? throw new GstException($"'{converter.Name}' has no sink pad");
        AddProbe(sink);
    }

    public void Dispose()
    {
        lock (_probes)
        {
            if (_disposed) return;
            _disposed = true;
            _elementAdded?.Dispose();
            foreach (var p in _probes) p.Dispose();
            _probes.Clear();
        }
    }

    private void AddProbe(GstPad pad)
    {
        lock (_probes)
        {
            if (_disposed) return;
            _probes.Add(pad.AddProbe(
                GstPadProbeType.EventDownstream | GstPadProbeType.EventFlush | GstPadProbeType.Buffer | GstPadProbeType.BufferList,
                &OnProbe, this));
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnDeepElementAdded(nint bin, nint subBin, nint element, nint userData)
    {
        try
        {
            var gate = NativeCallbackState.Get<FrameSizeGate>(userData);
            using var e = GstElement.FromBorrowed(element);
            var klass = e.FactoryKlass;
            if (!klass.Contains("Decoder", StringComparison.Ordinal)) return;
            if (!klass.Contains("Video", StringComparison.Ordinal) && !klass.Contains("Image", StringComparison.Ordinal)) return;
            foreach (var name in (ReadOnlySpan<string>)["sink", "src"])
            {
                using var pad = e.GetStaticPad(name);
                if (pad is not null) gate.AddProbe(pad);
            }
        }
        catch (Exception)
        {
            // Never let an exception cross into native code; the converter probe still guards.
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static GstPadProbeReturn OnProbe(nint pad, nint infoPtr, nint userData)
    {
        try
        {
            var gate = NativeCallbackState.Get<FrameSizeGate>(userData);
            var info = new GstPadProbeInfo(infoPtr);
            var type = info.EventType;
            if (gate._refusal is not null)
            {
                // Drop data and caps; let the other events pass, since GStreamer warns about data
                // after a missing segment event even when the probe then drops that data.
                return type is GstEventType.Unknown or GstEventType.Caps ? GstPadProbeReturn.Drop : GstPadProbeReturn.Ok;
            }
            if (type != GstEventType.Caps) return GstPadProbeReturn.Ok;
            if (info.EventCaps is not { } caps || caps.Width <= 0 || caps.Height <= 0) return GstPadProbeReturn.Ok;
            if (!Exceeds(caps.Width, caps.Height, gate._maxPixels)) return GstPadProbeReturn.Ok;
            gate._refusal = Describe(caps.Width, caps.Height, $"stream ({caps.MediaType})", gate._maxPixels);
            return GstPadProbeReturn.Drop;
        }
        catch (Exception)
        {
            return GstPadProbeReturn.Ok;
        }
    }
}
