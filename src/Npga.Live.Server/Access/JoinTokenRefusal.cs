namespace Npga.Live.Server.Access;

/// <summary>Why a join token was refused (<see cref="JoinTokenCodec.TryRead"/>); <c>/metrics</c> counts each.</summary>
public enum JoinTokenRefusal
{
    /// <summary>No token came with the request.</summary>
    Missing,

    /// <summary>Not <c>payload.signature</c> in base64url, too long, or a payload that is not a version-1 token.</summary>
    Malformed,

    /// <summary>The signature does not match the payload under this server's secret (tampered, or another secret).</summary>
    BadSignature,

    /// <summary>Its expiry has passed.</summary>
    Expired,

    /// <summary>Issued more than <see cref="JoinTokenCodec.ClockSkew"/> in the future (a clock far off).</summary>
    NotYetValid,
}

/// <summary>Texts and metric labels of <see cref="JoinTokenRefusal"/>.</summary>
public static class JoinTokenRefusals
{
    /// <summary>The short reason a client is told (the body of the 401).</summary>
    public static string Describe(this JoinTokenRefusal refusal) => refusal switch
    {
        JoinTokenRefusal.Missing => "a join token is required (?token=… or Authorization: Bearer …)",
        JoinTokenRefusal.Malformed => "the join token is malformed",
        JoinTokenRefusal.BadSignature => "the join token's signature is wrong",
        JoinTokenRefusal.Expired => "the join token has expired",
        JoinTokenRefusal.NotYetValid => "the join token is not valid yet (check the clocks)",
        _ => "the join token was refused",
    };

    /// <summary>The value of the <c>reason</c> label in <c>/metrics</c> (snake case, e.g. <c>bad_signature</c>).</summary>
    public static string Label(this JoinTokenRefusal refusal) => refusal switch
    {
        JoinTokenRefusal.Missing => "missing",
        JoinTokenRefusal.Malformed => "malformed",
        JoinTokenRefusal.BadSignature => "bad_signature",
        JoinTokenRefusal.Expired => "expired",
        JoinTokenRefusal.NotYetValid => "not_yet_valid",
        _ => "other",
    };
}
