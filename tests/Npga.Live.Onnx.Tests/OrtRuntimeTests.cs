using Npga.Live.Onnx.Native;

namespace Npga.Live.Onnx.Tests;

public class OrtRuntimeTests
{
    [Fact]
    public void SharedRuntimeIsOrt_1_30_0()
    {
        var rt = OrtRuntime.Shared;
        Assert.Equal("1.30.0", rt.Version);
        Assert.Equal(30u, rt.ApiVersion);
        Assert.True(File.Exists(rt.LibraryPath));
        Assert.Same(rt, OrtRuntime.Shared);
    }

    [Fact]
    public void LoadingTheSameLibraryAgainGivesTheSameRuntime()
    {
        var rt = OrtRuntime.Shared;
        Assert.Same(rt, OrtRuntime.Load(rt.LibraryPath));
    }

    [Fact]
    public void AvailableProvidersIncludeCpu()
    {
        var providers = OrtRuntime.Shared.AvailableProviders;
        Assert.Contains("CPUExecutionProvider", providers);
        Assert.Equal("CPUExecutionProvider", providers[^1]); // ORT lists CPU last
    }

    [Fact]
    public void MissingLibraryNamesThePathAndSetupScript()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-dir", "libonnxruntime.so.1");
        var e = Assert.Throws<DllNotFoundException>(() => OrtRuntime.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("scripts/setup.sh", e.Message);
    }

    [Fact]
    public void LibraryWithoutOrtGetApiBaseIsRejected()
    {
        var libc = new[] { "/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6" }.FirstOrDefault(File.Exists);
        if (libc is null) return; // not a Debian-like x64 system
        var e = Assert.Throws<EntryPointNotFoundException>(() => OrtRuntime.Load(libc));
        Assert.Contains("OrtGetApiBase", e.Message);
    }

    [Fact]
    public void LocatorPrefersTheEnvironmentVariable()
    {
        var lib = OrtRuntime.Shared.LibraryPath;
        Assert.Equal(lib, OrtLibraryLocator.Resolve(lib, repoRoot: "/nonexistent"));
    }

    [Fact]
    public void LocatorRejectsAnEnvironmentVariableNamingNoFile()
    {
        var e = Assert.Throws<DllNotFoundException>(() => OrtLibraryLocator.Resolve("/nonexistent/libonnxruntime.so", "/nonexistent"));
        Assert.Contains("NPGA_ORT_LIBRARY=/nonexistent/libonnxruntime.so", e.Message);
        Assert.Contains("scripts/setup.sh", e.Message);
    }

    [Fact]
    public void LocatorFallsBackToTheCheckoutsNodeModules()
    {
        var root = Npga.Live.Core.RepoPaths.RequireRoot();
        var path = OrtLibraryLocator.Resolve(null, root);
        Assert.Equal(Path.Combine(root, "node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1"), path);
    }

    [Fact]
    public void LocatorListsWhatItTriedWhenNothingIsThere()
    {
        var e = Assert.Throws<DllNotFoundException>(() => OrtLibraryLocator.Resolve("", "/nonexistent-root"));
        Assert.Contains("NPGA_ORT_LIBRARY (unset)", e.Message);
        Assert.Contains("/nonexistent-root/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1", e.Message);
        Assert.Contains("scripts/setup.sh", e.Message);

        e = Assert.Throws<DllNotFoundException>(() => OrtLibraryLocator.Resolve(null, null, "no checkout here"));
        Assert.Contains("no checkout here", e.Message);
    }
}
