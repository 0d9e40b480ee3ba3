using System.Threading.RateLimiting;

namespace Npga.Live.Server.Limits;

/// <summary>Token-bucket settings for a rate: the whole burst at once, then refilled evenly.</summary>
public static class TokenBuckets
{
    /// <summary>A bucket of <paramref name="burst"/> tokens refilled at <paramref name="perSecond"/> tokens a second, no queue.</summary>
    /// <param name="burst">Tokens the bucket holds (at least 1).</param>
    /// <param name="perSecond">Refill rate, tokens a second (positive): one token every 1/rate s for rates up to 10 a second, else round(rate) tokens each second.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="burst"/> under 1, or a rate that is not positive.</exception>
    public static TokenBucketRateLimiterOptions Of(int burst, double perSecond)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        if (!(perSecond > 0)) throw new ArgumentOutOfRangeException(nameof(perSecond), perSecond, "must be positive");
        // Partitioned limiters replenish on a 100 ms timer: keep periods at or above it.
        bool slow = perSecond <= 10;
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = slow ? 1 : (int)Math.Round(perSecond),
            ReplenishmentPeriod = slow ? TimeSpan.FromSeconds(1 / perSecond) : TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }

    /// <summary>A bucket of <paramref name="perMinute"/> tokens refilled at that many a minute.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="perMinute"/> under 1.</exception>
    public static TokenBucketRateLimiterOptions PerMinute(int perMinute) => Of(perMinute, perMinute / 60.0);

    /// <summary>The wait a refused lease suggests, whole seconds (at least 1), or null when it names none.</summary>
    public static int? RetryAfterSeconds(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)) : null;
}
