namespace Npga.Live.Media.GStreamer;

/// <summary><c>GstClockTime</c>: unsigned nanoseconds, with <see cref="None"/> for "unknown".</summary>
public static class GstClockTime
{
    /// <summary><c>GST_CLOCK_TIME_NONE</c>: no time / wait forever.</summary>
    public const ulong None = ulong.MaxValue;

    /// <summary>Nanoseconds to TimeSpan (100 ns ticks, truncated); null for <see cref="None"/>.</summary>
    public static TimeSpan? ToTimeSpan(ulong ns) => ns == None ? null : TimeSpan.FromTicks((long)(ns / 100));

    /// <summary>
    /// TimeSpan to nanoseconds for timeouts: negative (e.g. <see cref="Timeout.InfiniteTimeSpan"/>)
    /// gives <see cref="None"/> (forever).
    /// </summary>
    public static ulong FromTimeSpan(TimeSpan t) => t < TimeSpan.Zero ? None : (ulong)t.Ticks * 100;
}
