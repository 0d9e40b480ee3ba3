using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using OpenCvSharp;

namespace Npga.Live.Core.Imaging;

/// <summary>
/// Loads OpenCvSharp4's native library (<c>libOpenCvSharpExtern.so</c>) so that its codec copies stay its own. The library
/// carries and exports its own libjpeg, libpng and zlib, and needs GTK 3, which brings the system's libjpeg.so.62 and
/// libpng16 into the process as its dependencies: loaded in one group with it, those system libraries bind their internal
/// calls to OpenCV's copies (seen with LD_DEBUG=bindings: libjpeg.so.62's <c>jpeg_consume_input</c> went to OpenCV's), and
/// GStreamer's <c>jpegdec</c> crashed inside OpenCV's libjpeg. So each dependency is loaded first on its own
/// (<c>RTLD_LOCAL</c>), its symbols bound within itself, and only then the library, also <c>RTLD_LOCAL</c>. Registered for the
/// OpenCvSharp assembly when this assembly loads, before any OpenCV call.
/// </summary>
internal static class CvNativeLibrary
{
    private const int RtldLazy = 1, RtldNow = 2, RtldLocal = 0;

    /// <summary>The DT_NEEDED libraries of libOpenCvSharpExtern.so 4.13.0.20261107 beyond libc, libm, libstdc++ and the like.</summary>
    private static readonly string[] Dependencies =
    [
        "libz.so.1", "libjpeg.so.62", "libpng16.so.16", "libtiff.so.6", "libwebp.so.7",
        "libglib-2.0.so.0", "libgobject-2.0.so.0", "libgio-2.0.so.0", "libgdk_pixbuf-2.0.so.0", "libcairo.so.2",
        "libcairo-gobject.so.2", "libatk-1.0.so.0", "libpango-1.0.so.0", "libpangocairo-1.0.so.0", "libfreetype.so.6",
        "libharfbuzz.so.0", "libX11.so.6", "libdrm.so.2", "libatomic.so.1", "libgdk-3.so.0", "libgtk-3.so.0",
    ];
    private const string Name = "OpenCvSharpExtern";

    [ModuleInitializer] // a library's initializer on purpose: the resolver must be in place before any OpenCvSharp call, from any host
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "the resolver must precede every OpenCvSharp P/Invoke, whatever the host")]
    internal static void Register()
    {
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(Mat).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // a resolver is already set for OpenCvSharp (by its own code or a host): leave it
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Name || !OperatingSystem.IsLinux()) return IntPtr.Zero;
        foreach (var dir in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(assembly.Location) ?? "" })
        {
            var path = Path.Combine(dir, $"lib{Name}.so");
            if (!File.Exists(path)) continue;
            foreach (var dependency in Dependencies) DlOpen(dependency, RtldLazy | RtldLocal); // a missing one: the library's own load says so
            var handle = DlOpen(path, RtldNow | RtldLocal);
            if (handle != IntPtr.Zero) return handle;
        }
        return IntPtr.Zero; // the runtime's own search
    }

    [DllImport("libc.so.6", EntryPoint = "dlopen")]
    private static extern IntPtr DlOpen([MarshalAs(UnmanagedType.LPUTF8Str)] string file, int mode);
}
