using Npga.Live.Media.GStreamer;
using Npga.Live.Server.Sessions;

namespace Npga.Live.Server;

/// <summary>
/// What the server's native libraries need before anything else runs: glibc limited to 2 malloc arenas
/// (<see cref="NativeHeap.LimitArenas"/>), GStreamer initialised, and the GStreamer elements a session needs present.
/// The first step of <see cref="LiveServer.Build"/>; idempotent.
/// </summary>
public static class NativeStartup
{
    /// <summary>GStreamer elements a session needs; start-up fails naming the missing ones.</summary>
    public static readonly string[] RequiredElements = ["webrtcbin", "nicesrc", "rtpvp8depay", "rtpvp8pay", "vp8dec", "vp8enc", "videoconvert", "videoscale", "appsrc", "appsink"];

    /// <summary>Limits glibc's arenas, initialises GStreamer and checks <see cref="RequiredElements"/>.</summary>
    /// <exception cref="InvalidOperationException">A GStreamer element is missing (the message names them and the fix).</exception>
    public static void Run()
    {
        NativeHeap.LimitArenas();
        Gst.Init();
        var missing = RequiredElements.Where(e => !Gst.HasElement(e)).ToList();
        if (missing.Count > 0) throw new InvalidOperationException($"GStreamer elements missing: {string.Join(", ", missing)} (run scripts/setup.sh)");
    }
}
