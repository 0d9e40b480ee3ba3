using Npga.Live.Avatar.Tests;
using System.Diagnostics;
using Xunit.Abstractions;

namespace Npga.Live.Cli.Tests;

/// <summary>A <see cref="FactAttribute"/> that runs only where a C compiler (<c>cc</c>) is installed.</summary>
public sealed class CCompilerFactAttribute : FactAttribute
{
    public CCompilerFactAttribute()
    {
        if (!File.Exists("/usr/bin/cc")) Skip = "no C compiler (/usr/bin/cc) to build the stand-in driver library";
    }
}

/// <summary>
/// ILGPU imports the CUDA driver as "cuda", which .NET probes as libcuda.so only; a machine with the driver but without
/// the development symlink has just libcuda.so.1. A stand-in driver built here as libcuda.so.1 (its cuInit writes a mark
/// and answers "no device") must be loaded by <c>npga render --renderer ilgpu-cuda</c>, which then reports no CUDA device.
/// </summary>
public sealed class CudaDriverLookupTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);
    private readonly string _dir = Directory.CreateTempSubdirectory("npga-fakecuda-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private const string StandIn = """
        #include <stdio.h>
        #include <stdlib.h>
        static void mark(const char *what) { const char *p = getenv("NPGA_FAKE_CUDA_MARK"); FILE *f = p ? fopen(p, "a") : NULL; if (f) { fprintf(f, "%s\n", what); fclose(f); } }
        int cuInit(int flags) { mark("cuInit"); return 100; } /* CUDA_ERROR_NO_DEVICE */
        int cuDriverGetVersion(int *v) { mark("cuDriverGetVersion"); *v = 12080; return 0; }
        int cuDeviceGetCount(int *c) { mark("cuDeviceGetCount"); *c = 0; return 0; }
        int cuGetErrorString(int e, const char **s) { *s = "no CUDA-capable device is detected"; return 0; }
        """;

    [CCompilerFact]
    public void TheDriverIsFoundAsLibcudaSo1()
    {
        string source = Path.Combine(_dir, "fake.c"), library = Path.Combine(_dir, "libcuda.so.1"), mark = Path.Combine(_dir, "mark");
        File.WriteAllText(source, StandIn);
        using (var cc = Process.Start(new ProcessStartInfo("/usr/bin/cc", ["-shared", "-fPIC", "-o", library, source]) { RedirectStandardError = true })!)
        {
            string err = cc.StandardError.ReadToEnd();
            cc.WaitForExit();
            Assert.True(cc.ExitCode == 0, err);
        }
        var avatar = Fixtures.Make(Path.Combine(_dir, "a"), ["--n", "200"]);
        var env = new Dictionary<string, string> { ["LD_LIBRARY_PATH"] = _dir, ["NPGA_FAKE_CUDA_MARK"] = mark };
        var r = CliRunner.Run(Limit, env, "render", "--avatar", avatar, "--width", "32", "--height", "32", "--no-cnn", "--renderer", "ilgpu-cuda",
            "--out", Path.Combine(_dir, "x.png"));
        output.WriteLine($"exit {r.ExitCode}: {r.Stderr.Trim()}");
        Assert.True(File.Exists(mark), "the stand-in libcuda.so.1 was never loaded");
        Assert.Contains("cuInit", File.ReadAllText(mark));
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("error: no CUDA device found", r.Stderr.Trim());
    }
}
