namespace Npga.Live.Server.Limits;

/// <summary>
/// Request and call rates (configuration section <c>Live:RateLimits</c>, e.g. <c>--Live:RateLimits:JoinsPerMinute=10</c>).
/// Each is a token bucket: a client may spend the whole limit at once, and it refills evenly over the period. 0 turns
/// that limit off. Per client IP address: behind a reverse proxy every client has the proxy's address, so raise them there.
/// </summary>
public sealed class RateLimitOptions
{
    /// <summary>
    /// Hub connection attempts per client IP a minute: <c>/hub/negotiate</c> requests and WebSocket connects (a page
    /// makes both for each connection). Past it the server answers 429 (default 60).
    /// </summary>
    public int ConnectsPerMinute { get; set; } = 60;

    /// <summary>Hub <c>Join</c> calls per client IP a minute (a Join starts a session: the costly call). Past it Join fails with <c>rate limited:</c> (default 30).</summary>
    public int JoinsPerMinute { get; set; } = 30;

    /// <summary>
    /// Hub calls per connection a second, sustained (default 200; the page sends at most ~60 a second while the view
    /// is dragged and the expression pad moved). Past it, and past <see cref="HubCallBurst"/>, calls fail with <c>rate limited:</c>.
    /// </summary>
    public int HubCallsPerSecond { get; set; } = 200;

    /// <summary>Hub calls a connection may make at once before <see cref="HubCallsPerSecond"/> applies (default 1000).</summary>
    public int HubCallBurst { get; set; } = 1000;

    /// <summary>Requests to <c>/admin/tokens</c> per client IP a minute; past it 429 (default 30).</summary>
    public int AdminRequestsPerMinute { get; set; } = 30;

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value outside its range (the message names it).</exception>
    public void Validate()
    {
        foreach (var (name, value) in new[] { (nameof(ConnectsPerMinute), ConnectsPerMinute), (nameof(JoinsPerMinute), JoinsPerMinute),
                     (nameof(HubCallsPerSecond), HubCallsPerSecond), (nameof(HubCallBurst), HubCallBurst), (nameof(AdminRequestsPerMinute), AdminRequestsPerMinute) })
            if (value is < 0 or > 1_000_000) throw new ArgumentOutOfRangeException(name, value, "0 (off) to 1000000");
        if (HubCallsPerSecond > 0 && HubCallBurst < HubCallsPerSecond)
            throw new ArgumentOutOfRangeException(nameof(HubCallBurst), HubCallBurst, $"at least HubCallsPerSecond ({HubCallsPerSecond})");
    }
}
