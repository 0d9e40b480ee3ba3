using Npga.Live.Avatar.Tests;
using System.Diagnostics;
using System.Text.Json;
using Npga.Live.Core;
using Npga.Live.Core.Imaging;
using Npga.Live.Media;
using Xunit.Abstractions;

namespace Npga.Live.Cli.Tests;

/// <summary>What the `npga reenact` tests share: a fixture avatar, clips made with VideoWriter, frame comparisons, a tmpfs.</summary>
internal static class ReenactTestKit
{
    private static readonly Lazy<string> FixtureAvatarLazy = new(MakeFixtureAvatar);

    /// <summary>
    /// A fixture package (random Gaussians in a head-sized ellipsoid, small random F and G, no CNN; not a face), built once
    /// per test run with scripts/testdata/make_avatar_fixture.py and removed at exit.
    /// </summary>
    public static string FixtureAvatar => FixtureAvatarLazy.Value;

    private static string MakeFixtureAvatar()
    {
        var dir = Directory.CreateTempSubdirectory("npga-reenact-avatar-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(dir, true); } catch (IOException) { } };
        Fixtures.Make(Path.Combine(dir, "a"), "--n", "2000", "--no-cnn", "--seed", "5");
        return Path.Combine(dir, "a");
    }

    /// <summary>A driving clip from real footage, or null (and a SKIPPED line) when ../shared/data is absent.</summary>
    public static string? SharedClip(string name, ITestOutputHelper output)
    {
        var path = RepoPaths.SharedData is { } d ? Path.Combine(d, "driving", name) : null;
        if (path is not null && File.Exists(path)) return path;
        output.WriteLine($"SKIPPED: ../shared/data/driving/{name} is absent");
        return null;
    }

    /// <summary>Writes <paramref name="frames"/> as an MP4 (H.264) at <paramref name="fps"/>.</summary>
    public static string WriteClip(string path, IEnumerable<RgbImage> frames, double fps)
    {
        VideoWriter? w = null;
        try
        {
            foreach (var f in frames) (w ??= VideoWriter.Create(path, f.Width, f.Height, fps)).Write(f);
            w!.Complete();
        }
        finally
        {
            w?.Dispose();
        }
        return path;
    }

    public static RgbImage Solid(int w, int h, byte v)
    {
        var img = new RgbImage(w, h);
        img.Span.Fill(v);
        return img;
    }

    public static RgbImage Noise(int w, int h, Random rng)
    {
        var img = new RgbImage(w, h);
        rng.NextBytes(img.Span);
        return img;
    }

    /// <summary>Every frame of a video, decoded.</summary>
    public static List<VideoFrame> ReadAll(string path)
    {
        using var r = VideoReader.Open(path);
        return r.ReadAll().ToList();
    }

    /// <summary>Mean absolute difference per channel value, 0..255.</summary>
    public static double MeanAbsDiff(RgbImage a, RgbImage b)
    {
        Assert.Equal((a.Width, a.Height), (b.Width, b.Height));
        long s = 0;
        var pa = a.Span;
        var pb = b.Span;
        for (int i = 0; i < pa.Length; i++) s += Math.Abs(pa[i] - pb[i]);
        return (double)s / pa.Length;
    }

    /// <summary>
    /// Mean absolute difference of the <paramref name="block"/>×<paramref name="block"/> block means: insensitive to the
    /// codec's fine, zero-mean error, sensitive to anything that moves or changes colour.
    /// </summary>
    public static double BlockMeanDiff(RgbImage a, RgbImage b, int block = 8)
    {
        Assert.Equal((a.Width, a.Height), (b.Width, b.Height));
        double total = 0;
        int blocks = 0;
        for (int by = 0; by + block <= a.Height; by += block)
            for (int bx = 0; bx + block <= a.Width; bx += block)
                for (int c = 0; c < 3; c++)
                {
                    long sa = 0, sb = 0;
                    for (int y = by; y < by + block; y++)
                        for (int x = bx; x < bx + block; x++)
                        {
                            int o = (y * a.Width + x) * 3 + c;
                            sa += a.Pixels[o];
                            sb += b.Pixels[o];
                        }
                    total += Math.Abs(sa - sb) / (double)(block * block);
                    blocks++;
                }
        return total / blocks;
    }

    public static JsonElement ReadJson(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.Clone();
    }

    /// <summary>Runs `npga` with stderr watched line by line; <paramref name="onLine"/> may signal the process.</summary>
    public static (int ExitCode, string Stderr) RunWatched(TimeSpan timeout, Action<Process, string> onLine, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "npga.dll");
        var psi = new ProcessStartInfo("dotnet", ["exec", dll, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.Environment[ContentRoot.EnvironmentVariable] = RepoPaths.RequireRoot();
        using var p = new Process { StartInfo = psi };
        var err = new System.Text.StringBuilder();
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (err) err.AppendLine(e.Data);
            onLine(p, e.Data);
        };
        p.Start();
        p.BeginErrorReadLine();
        var stdout = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(true);
            throw new TimeoutException($"npga {string.Join(' ', args)} did not finish in {timeout.TotalSeconds} s (a hang)");
        }
        p.WaitForExit(); // drain the async stderr reader
        stdout.Wait();
        lock (err) return (p.ExitCode, err.ToString());
    }

    /// <summary>Sends SIGINT (what Ctrl-C sends) to a process.</summary>
    public static void Interrupt(int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-INT", pid.ToString()]) { UseShellExecute = false })!;
        kill.WaitForExit(5000);
    }
}
