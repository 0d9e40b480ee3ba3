using System.Diagnostics;

namespace Npga.Live.Media.Tests.Support;

/// <summary>Runs <c>gst-launch-1.0</c> (the independent reference tool) with a time limit.</summary>
public static class GstLaunch
{
    /// <summary>Runs a pipeline given as gst-launch arguments, e.g. "videotestsrc", "num-buffers=3", "!", "fakesink".</summary>
    /// <exception cref="InvalidOperationException">Non-zero exit or timeout; the message holds stderr.</exception>
    public static void Run(params string[] pipeline) => Run(TimeSpan.FromSeconds(60), pipeline);

    public static void Run(TimeSpan timeout, params string[] pipeline)
    {
        var psi = new ProcessStartInfo("gst-launch-1.0")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-q");
        foreach (var a in pipeline) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start gst-launch-1.0");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"gst-launch-1.0 {string.Join(' ', pipeline)} timed out");
        }
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"gst-launch-1.0 {string.Join(' ', pipeline)} failed ({p.ExitCode}): {stderr.Result}{stdout.Result}");
    }

    /// <summary>
    /// Decodes <paramref name="path"/> with gst-launch (decodebin ! videoconvert ! RGB) to raw bytes:
    /// GStreamer's own frames, rows padded to 4 bytes, frame after frame.
    /// </summary>
    public static byte[] DecodeToRawRgb(string path)
    {
        var raw = Path.Combine(TestMedia.Dir, $"ref-{Guid.NewGuid():N}.rgb");
        Run("filesrc", $"location={path}", "!", "decodebin", "!", "videoconvert", "!", "video/x-raw,format=RGB", "!",
            "filesink", $"location={raw}");
        try { return File.ReadAllBytes(raw); }
        finally { File.Delete(raw); }
    }

    /// <summary>Runs a process (e.g. python) and returns stdout; null when it cannot start.</summary>
    public static string? Exec(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi);
            if (p is null) return null;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                p.Kill(entireProcessTree: true);
                return null;
            }
            return p.ExitCode == 0 ? stdout.Result : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
