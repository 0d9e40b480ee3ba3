using Npga.Live.Pipeline.Reenact;

namespace Npga.Live.Server.Sessions;

/// <summary>
/// The last second or so of a live session's frames (up to <see cref="Capacity"/>): stage times and server latency, for
/// the medians the page and <c>/metrics</c> show. Thread-safe: written by the encode thread, read by the stats timer.
/// </summary>
public sealed class StageWindow
{
    /// <summary>Frames kept.</summary>
    public const int Capacity = 64;

    private readonly (double Track, double Render, double Encode, double Latency, long At)[] _ring = new (double, double, double, double, long)[Capacity];
    private int _next, _count;
    private readonly object _lock = new();

    /// <summary>Adds one frame's times (ms) stamped now.</summary>
    public void Add(ReenactStageMs timings, double encodeMs, double latencyMs)
    {
        lock (_lock)
        {
            _ring[_next] = (timings.Track, timings.Deform + timings.Render + timings.Refine, encodeMs, latencyMs, System.Diagnostics.Stopwatch.GetTimestamp());
            _next = (_next + 1) % Capacity;
            _count = Math.Min(_count + 1, Capacity);
        }
    }

    /// <summary>Medians (ms) of the frames of the last <paramref name="window"/>: track, deform + render + refine, encode,
    /// latency; NaN each when there were none.</summary>
    public (double Track, double Render, double Encode, double Latency) Medians(TimeSpan window)
    {
        var recent = Recent(window);
        return (Median(recent.Select(s => s.Track)), Median(recent.Select(s => s.Render)), Median(recent.Select(s => s.Encode)), Median(recent.Select(s => s.Latency)));
    }

    /// <summary>
    /// Share of wall time the session's render stage (deform + render + refine) was busy over the last
    /// <paramref name="window"/>: the sum of the render times of the frames finished in it, over its length (or over the
    /// age of the oldest frame kept, when every kept frame falls inside it). The render stage splats on every core it is
    /// given, so 1 means it renders without pause and the session can go no faster. Null when no frame finished in the window.
    /// </summary>
    public double? RenderLoad(TimeSpan window)
    {
        var recent = Recent(window);
        if (recent.Count == 0) return null;
        var span = recent.Count == Capacity ? System.Diagnostics.Stopwatch.GetElapsedTime(recent[^1].At) : window;
        return recent.Sum(s => s.Render) / Math.Max(span.TotalMilliseconds, 1);
    }

    /// <summary>The kept frames finished within the last <paramref name="window"/>, newest first.</summary>
    private List<(double Track, double Render, double Encode, double Latency, long At)> Recent(TimeSpan window)
    {
        var recent = new List<(double Track, double Render, double Encode, double Latency, long At)>();
        lock (_lock)
        {
            for (int i = 0; i < _count; i++)
            {
                var s = _ring[(_next - 1 - i + Capacity) % Capacity];
                if (System.Diagnostics.Stopwatch.GetElapsedTime(s.At) > window) break; // newest to oldest: the rest are older
                recent.Add(s);
            }
        }
        return recent;
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]);
    }
}
