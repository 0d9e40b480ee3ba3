namespace Npga.Live.Onnx.Tests;

public class OrtRuntimeTests
{
    [Fact]
    public void SharedRuntimeIsThePackagesOrt_1_32_0()
    {
        var rt = OrtRuntime.Shared;
        Assert.Equal("1.32.0", rt.Version);
        Assert.Same(rt, OrtRuntime.Shared);
        Assert.Contains("1.32.0", rt.ToString());
    }

    [Fact]
    public void AvailableProvidersIncludeCpu()
    {
        var providers = OrtRuntime.Shared.AvailableProviders;
        Assert.Contains("CPUExecutionProvider", providers);
        Assert.Equal("CPUExecutionProvider", providers[^1]); // ORT lists CPU last
    }

    [Fact]
    public void OnlyLinuxX64sNativeLibraryIsCopiedBesideTheAssemblies()
    {
        // <RuntimeIdentifier>linux-x64</RuntimeIdentifier>: the package's library lands beside the assemblies, and no
        // runtimes/<rid>/native tree of every other platform comes with it.
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "libonnxruntime.so")));
        Assert.False(Directory.Exists(Path.Combine(AppContext.BaseDirectory, "runtimes")));
    }
}
