using Npga.Live.Media.GStreamer.Interop;

namespace Npga.Live.Media.GStreamer;

/// <summary>
/// Entry points of the GStreamer binding: one-time initialisation, the registry and
/// <c>gst_parse_launch</c>. Every other call of the binding initialises GStreamer through
/// <see cref="Init"/> first, so callers never need to.
/// </summary>
public static class Gst
{
    private static readonly object InitLock = new();
    private static volatile bool _initialized;

    /// <summary>Initialises GStreamer once per process (<c>gst_init_check</c>); later calls return at once.</summary>
    /// <exception cref="GstException">The libraries are missing or initialisation failed (GStreamer's message).</exception>
    public static void Init()
    {
        if (_initialized) return;
        lock (InitLock)
        {
            if (_initialized) return;
            int ok;
            nint error;
            try
            {
                ok = LibGst.InitCheck(0, 0, out error);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                throw new GstException(
                    $"GStreamer 1.x cannot be loaded ({e.Message}); install gstreamer1.0-tools and the base/good/bad/ugly/libav plugin packages");
            }
            if (ok == 0) throw GstException.FromGError("gst_init_check failed", error);
            _initialized = true;
        }
    }

    /// <summary>The runtime version, e.g. "GStreamer 1.22.0".</summary>
    public static string Version
    {
        get
        {
            Init();
            return LibGLib.TakeString(LibGst.VersionString()) ?? "";
        }
    }

    /// <summary>Whether an element factory of this name (e.g. "x264enc") is installed.</summary>
    public static bool HasElement(string factoryName)
    {
        Init();
        var factory = LibGst.ElementFactoryFind(factoryName);
        if (factory == 0) return false;
        LibGst.ObjectUnref(factory);
        return true;
    }

    /// <summary>Builds a pipeline from a <c>gst-launch-1.0</c> description (<c>gst_parse_launch</c>).</summary>
    /// <param name="description">E.g. <c>"videotestsrc ! appsink name=sink"</c>; quote file names.</param>
    /// <returns>The top-level element (a <c>GstPipeline</c> when the description has more than one element), owned by the caller.</returns>
    /// <exception cref="GstException">The description does not parse or names a missing element or property (GStreamer's message).</exception>
    public static GstElement ParseLaunch(string description)
    {
        Init();
        var element = LibGst.ParseLaunch(description, out var error);
        if (error != 0)
        {
            // A non-null element with an error set is a "recoverable" parse error; treat it as failure.
            if (element != 0) LibGst.ObjectUnref(LibGst.ObjectRefSink(element));
            throw GstException.FromGError("gst_parse_launch failed", error);
        }
        if (element == 0) throw new GstException($"gst_parse_launch returned nothing for \"{description}\"");
        return new GstElement(new GstObjectHandle(LibGst.ObjectRefSink(element)));
    }
}
