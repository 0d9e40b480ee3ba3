using System.Diagnostics;
using Xunit.Abstractions;

namespace Npga.Live.Media.Tests.Support;

/// <summary>A small tmpfs mounted for one test (needs root); null with a message when mounting is not possible.
/// Also compiled into tests/Npga.Live.Cli.Tests (full-disk cases of `npga reenact`).</summary>
public sealed class TmpfsMount : IDisposable
{
    private TmpfsMount(string dir) => Dir = dir;

    public string Dir { get; }

    public static TmpfsMount? TryCreate(string options, ITestOutputHelper output)
    {
        var dir = Directory.CreateTempSubdirectory("npga-tmpfs-").FullName;
        var (code, err) = Run("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir);
        if (code == 0) return new TmpfsMount(dir);
        output.WriteLine($"SKIPPED: cannot mount a tmpfs ({options}) at {dir}: {err.Trim()}");
        Directory.Delete(dir);
        return null;
    }

    public void Dispose()
    {
        // A file GStreamer opened here (filesink's fd is not close-on-exec) can be inherited by a
        // child process another test starts at that moment (gst-launch, python), keeping the mount
        // busy for a while: retry, then detach lazily.
        for (int i = 0; i < 20; i++)
        {
            if (Run("umount", Dir).Code == 0) break;
            if (i == 19) Run("umount", "-l", Dir);
            Thread.Sleep(100);
        }
        try { Directory.Delete(Dir); } catch (IOException) { /* still mounted: leave it */ }
    }

    private static (int Code, string Error) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                p.Kill();
                return (-1, "timed out");
            }
            return (p.ExitCode, err.Result);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}
