using Npga.Live.Core;
using Npga.Live.Core.Imaging;
using Npga.Live.Media;
using Xunit.Abstractions;

namespace Npga.Live.Tracking.Tests;

/// <summary>Access to ../shared/data for tests; they return early with a message when it is absent.</summary>
internal static class SharedData
{
    public static string? Driving(string clip)
    {
        var dir = RepoPaths.SharedData;
        if (dir is null) return null;
        var p = Path.Combine(dir, "driving", clip);
        return File.Exists(p) ? p : null;
    }

    /// <summary>True (and a message written) when the shared data is absent, so the test should stop.</summary>
    public static bool Missing(ITestOutputHelper output, params string?[] paths)
    {
        if (paths.All(p => p is not null)) return false;
        output.WriteLine("SKIPPED: ../shared/data is absent (real footage needed); nothing to check here");
        return true;
    }

    public static List<VideoFrame> Frames(string path, Func<long, bool> pick, int max = int.MaxValue)
    {
        var list = new List<VideoFrame>();
        using var reader = VideoReader.Open(path);
        while (list.Count < max && reader.TryRead(out var f))
            if (pick(f.Index)) list.Add(f);
        return list;
    }
}
