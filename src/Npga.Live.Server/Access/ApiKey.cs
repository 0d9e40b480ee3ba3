using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Npga.Live.Server.Access;

/// <summary>
/// The admin API key (<see cref="AuthOptions.AdminKeyFile"/>) and its check: a request carries it as
/// <c>X-Api-Key: KEY</c> or <c>Authorization: Bearer KEY</c>. Keys are compared as SHA-256 digests in constant time
/// (<see cref="CryptographicOperations.FixedTimeEquals"/>), so neither the key's bytes nor its length leak through timing.
/// </summary>
public sealed class ApiKey
{
    /// <summary>The shortest key taken, bytes.</summary>
    public const int MinBytes = 16;

    /// <summary>The request header that carries the key (alternatively <c>Authorization: Bearer</c>).</summary>
    public const string Header = "X-Api-Key";

    private readonly byte[] _digest;

    /// <summary>Holds <paramref name="key"/> (only its digest is kept).</summary>
    /// <exception cref="ArgumentException">The key is shorter than <see cref="MinBytes"/>.</exception>
    public ApiKey(ReadOnlySpan<byte> key)
    {
        if (key.Length < MinBytes) throw new ArgumentException($"an API key must be at least {MinBytes} bytes, not {key.Length}", nameof(key));
        _digest = SHA256.HashData(key);
    }

    /// <summary>Whether <paramref name="request"/> carries this key (either header).</summary>
    public bool Admits(HttpRequest request)
    {
        string? given = request.Headers[Header].FirstOrDefault();
        if (string.IsNullOrEmpty(given) && BearerToken.From(request) is { } bearer) given = bearer;
        return Matches(given);
    }

    /// <summary>Whether <paramref name="given"/> (UTF-8) is this key; false for null or empty.</summary>
    public bool Matches(string? given) =>
        !string.IsNullOrEmpty(given) && CryptographicOperations.FixedTimeEquals(_digest, SHA256.HashData(Encoding.UTF8.GetBytes(given)));
}
