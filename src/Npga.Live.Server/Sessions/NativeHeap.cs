using System.Runtime.InteropServices;

namespace Npga.Live.Server.Sessions;

/// <summary>
/// glibc's malloc settings for a server whose sessions come and go, each with its own threads (pipeline stages, the
/// renderer's pool, ONNX Runtime, GStreamer): by default glibc gives threads up to 8 arenas per core, and memory freed in
/// an arena is rarely returned, so a server's resident size climbs with every session (seen here: +17 MB a session over 20
/// sessions; with 2 arenas it stays level). Elsewhere than glibc these calls do nothing.
/// </summary>
public static partial class NativeHeap
{
    private const int MArenaMax = -8; // mallopt's M_ARENA_MAX

    /// <summary>Limits malloc to <paramref name="arenas"/> arenas (call at start, before the threads); false where unsupported.</summary>
    public static bool LimitArenas(int arenas = 2)
    {
        try
        {
            return OperatingSystem.IsLinux() && MallOpt(MArenaMax, arenas) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Returns free heap memory to the system (<c>malloc_trim(0)</c>), e.g. after a session ended.</summary>
    public static void Trim()
    {
        try
        {
            if (OperatingSystem.IsLinux()) MallocTrim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int MallOpt(int param, int value);

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
