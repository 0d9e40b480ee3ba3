using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Npga.Live.Server.Avatars;

namespace Npga.Live.Server.Access;

/// <summary>
/// Issues and checks signed, expiring join tokens. A token is <c>PAYLOAD.SIGNATURE</c>, both base64url without padding:
/// PAYLOAD is the UTF-8 JSON <c>{"v":1,"iat":UNIX_S,"exp":UNIX_S,"n":NONCE,"av":[AVATAR…]}</c> (<c>av</c> left out
/// when any avatar may be used), SIGNATURE is HMAC-SHA256 under the server's secret of the ASCII text
/// <c>npga-join.</c> followed by PAYLOAD exactly as sent, compared in constant time
/// (<see cref="CryptographicOperations.FixedTimeEquals"/>) against the canonical encoding, so any changed character of
/// either part is refused. Thread-safe.
/// </summary>
public sealed class JoinTokenCodec
{
    /// <summary>The shortest secret taken, bytes.</summary>
    public const int MinSecretBytes = 32;

    /// <summary>The longest token read, characters (a longer one is <see cref="JoinTokenRefusal.Malformed"/>).</summary>
    public const int MaxTokenChars = 2048;

    /// <summary>The most avatars one token may be limited to.</summary>
    public const int MaxAvatars = 32;

    /// <summary>The longest lifetime <see cref="Issue"/> gives a token.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(366);

    /// <summary>How far in the future a token's issue time may lie (clocks of the issuer and the server apart).</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private static readonly byte[] Domain = "npga-join."u8.ToArray();
    private readonly byte[] _secret;

    /// <summary>Creates a codec signing with <paramref name="secret"/> (copied).</summary>
    /// <exception cref="ArgumentException">The secret is shorter than <see cref="MinSecretBytes"/>.</exception>
    public JoinTokenCodec(ReadOnlySpan<byte> secret)
    {
        if (secret.Length < MinSecretBytes)
            throw new ArgumentException($"a token secret must be at least {MinSecretBytes} bytes, not {secret.Length}", nameof(secret));
        _secret = secret.ToArray();
    }

    /// <summary>A new token valid from <paramref name="now"/> for <paramref name="lifetime"/> (both in whole seconds).</summary>
    /// <param name="lifetime">How long it is accepted: 1 s to <see cref="MaxLifetime"/>.</param>
    /// <param name="avatars">Avatar ids it is limited to (at most <see cref="MaxAvatars"/>); empty: any avatar.</param>
    /// <param name="now">The issue time (the clock of the caller; tests pass one in the past).</param>
    /// <exception cref="ArgumentOutOfRangeException">A lifetime outside its range, or too many avatars.</exception>
    /// <exception cref="ArgumentException">An avatar id that is not 1-64 of <c>A-Z a-z 0-9 _ -</c>.</exception>
    public string Issue(TimeSpan lifetime, IReadOnlyList<string> avatars, DateTimeOffset now)
    {
        if (lifetime < TimeSpan.FromSeconds(1) || lifetime > MaxLifetime)
            throw new ArgumentOutOfRangeException(nameof(lifetime), lifetime, $"a token lives 1 s to {MaxLifetime.TotalDays:0} days");
        if (avatars.Count > MaxAvatars) throw new ArgumentOutOfRangeException(nameof(avatars), avatars.Count, $"at most {MaxAvatars} avatars");
        foreach (var a in avatars)
            if (!AvatarCatalog.IsValidId(a)) throw new ArgumentException($"'{a}' is not an avatar id (1-64 of A-Z a-z 0-9 _ -)", nameof(avatars));
        long iat = now.ToUnixTimeSeconds();
        var payload = new Payload(1, iat, iat + (long)Math.Ceiling(lifetime.TotalSeconds),
            Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(12)), avatars.Count == 0 ? null : [.. avatars.Distinct(StringComparer.Ordinal)]);
        var body = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(payload, PayloadJson.Default.Payload));
        return body + "." + Sign(body);
    }

    /// <summary>Checks <paramref name="token"/> at time <paramref name="now"/>.</summary>
    /// <param name="token">The token as the client sent it (null or empty: <see cref="JoinTokenRefusal.Missing"/>).</param>
    /// <param name="now">The server's clock.</param>
    /// <param name="valid">What the token grants, when it is accepted.</param>
    /// <param name="refusal">Why it was refused, when it is not.</param>
    /// <returns>Whether the token is accepted. Never throws for any input.</returns>
    public bool TryRead(string? token, DateTimeOffset now, [NotNullWhen(true)] out JoinToken? valid, out JoinTokenRefusal refusal)
    {
        valid = null;
        refusal = Check(token, now, ref valid);
        return valid is not null;
    }

    private JoinTokenRefusal Check(string? token, DateTimeOffset now, ref JoinToken? valid)
    {
        if (string.IsNullOrEmpty(token)) return JoinTokenRefusal.Missing;
        if (token.Length > MaxTokenChars) return JoinTokenRefusal.Malformed;
        int dot = token.IndexOf('.');
        if (dot <= 0 || dot != token.LastIndexOf('.') || dot == token.Length - 1) return JoinTokenRefusal.Malformed;
        var body = token[..dot];
        if (!IsBase64Url(body) || !IsBase64Url(token.AsSpan(dot + 1))) return JoinTokenRefusal.Malformed;
        var expected = Encoding.ASCII.GetBytes(Sign(body));
        var given = Encoding.ASCII.GetBytes(token[(dot + 1)..]);
        if (!CryptographicOperations.FixedTimeEquals(expected, given)) return JoinTokenRefusal.BadSignature;

        Payload? p;
        try
        {
            p = JsonSerializer.Deserialize(Base64Url.DecodeFromChars(body), PayloadJson.Default.Payload);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            return JoinTokenRefusal.Malformed;
        }
        if (p is null || p.V != 1 || p.N is null || p.Exp <= p.Iat || (p.Av?.Count ?? 0) > MaxAvatars || p.Av?.Any(a => !AvatarCatalog.IsValidId(a)) == true)
            return JoinTokenRefusal.Malformed;
        long nowS = now.ToUnixTimeSeconds();
        if (nowS >= p.Exp) return JoinTokenRefusal.Expired;
        if (p.Iat > nowS + (long)ClockSkew.TotalSeconds) return JoinTokenRefusal.NotYetValid;
        valid = new JoinToken(DateTimeOffset.FromUnixTimeSeconds(p.Iat), DateTimeOffset.FromUnixTimeSeconds(p.Exp), p.N, p.Av ?? []);
        return default;
    }

    private string Sign(string body)
    {
        var message = new byte[Domain.Length + body.Length];
        Domain.CopyTo(message, 0);
        Encoding.ASCII.GetBytes(body, message.AsSpan(Domain.Length));
        return Base64Url.EncodeToString(HMACSHA256.HashData(_secret, message));
    }

    private static bool IsBase64Url(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) return false;
        return true;
    }

    internal sealed record Payload(
        [property: JsonPropertyName("v")] int V,
        [property: JsonPropertyName("iat")] long Iat,
        [property: JsonPropertyName("exp")] long Exp,
        [property: JsonPropertyName("n")] string? N,
        [property: JsonPropertyName("av"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] List<string>? Av);
}

[JsonSerializable(typeof(JoinTokenCodec.Payload))]
[JsonSourceGenerationOptions(UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
internal sealed partial class PayloadJson : JsonSerializerContext;
