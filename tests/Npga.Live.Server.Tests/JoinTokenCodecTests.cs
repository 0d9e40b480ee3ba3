using System.Buffers.Text;
using System.Text;
using Npga.Live.Server.Access;

namespace Npga.Live.Server.Tests;

/// <summary>Join tokens without a server: issue, read back, refuse what was changed, expired or signed by another secret.</summary>
public class JoinTokenCodecTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    private static JoinTokenCodec Codec(byte fill = 7) => new(Enumerable.Repeat(fill, 32).ToArray());

    [Fact]
    public void A_token_reads_back_with_its_expiry_and_avatars()
    {
        var codec = Codec();
        var token = codec.Issue(TimeSpan.FromHours(1), ["d9", "default"], Now);
        Assert.True(codec.TryRead(token, Now.AddMinutes(59), out var read, out _));
        Assert.Equal(Now, read.IssuedAt);
        Assert.Equal(Now.AddHours(1), read.Expires);
        Assert.Equal(new[] { "d9", "default" }, read.Avatars);
        Assert.True(read.Covers("d9"));
        Assert.False(read.Covers("d14"));
        Assert.True(codec.TryRead(codec.Issue(TimeSpan.FromMinutes(5), [], Now), Now, out var any, out _));
        Assert.Empty(any.Avatars);
        Assert.True(any.Covers("d14"));
        Assert.NotEqual(codec.Issue(TimeSpan.FromHours(1), [], Now), codec.Issue(TimeSpan.FromHours(1), [], Now)); // the nonce
    }

    [Fact]
    public void Expired_missing_malformed_and_future_tokens_are_refused_with_their_reason()
    {
        var codec = Codec();
        var token = codec.Issue(TimeSpan.FromHours(1), [], Now);
        JoinTokenRefusal Refusal(string? t, DateTimeOffset at)
        {
            Assert.False(codec.TryRead(t, at, out var none, out var why));
            Assert.Null(none);
            return why;
        }
        Assert.Equal(JoinTokenRefusal.Expired, Refusal(token, Now.AddHours(1)));
        Assert.Equal(JoinTokenRefusal.Expired, Refusal(token, Now.AddDays(3)));
        Assert.Equal(JoinTokenRefusal.NotYetValid, Refusal(token, Now.AddMinutes(-6)));
        Assert.True(codec.TryRead(token, Now.AddMinutes(-4), out _, out _)); // within the clock skew
        Assert.Equal(JoinTokenRefusal.Missing, Refusal(null, Now));
        Assert.Equal(JoinTokenRefusal.Missing, Refusal("", Now));
        foreach (var bad in (string[])["x", "abc", ".", "a.", ".b", "a.b.c", token + "=", token.Replace('.', ' '), token + "." + token, new string('a', 5000)])
            Assert.Equal(JoinTokenRefusal.Malformed, Refusal(bad, Now));
    }

    [Fact]
    public void A_token_with_any_character_changed_or_signed_with_another_secret_is_refused()
    {
        var codec = Codec();
        var token = codec.Issue(TimeSpan.FromHours(1), ["default"], Now);
        for (int i = 0; i < token.Length; i++)
        {
            if (token[i] == '.') continue;
            var flipped = token[..i] + (token[i] == 'A' ? 'B' : 'A') + token[(i + 1)..];
            Assert.False(codec.TryRead(flipped, Now, out _, out var why), $"accepted with character {i} changed");
            Assert.Equal(JoinTokenRefusal.BadSignature, why);
        }

        // One byte of the payload flipped and re-encoded (a longer scope, a later expiry): the signature no longer fits.
        var dot = token.IndexOf('.');
        var payload = Base64Url.DecodeFromChars(token.AsSpan(0, dot));
        var json = Encoding.UTF8.GetString(payload);
        var later = Encoding.UTF8.GetBytes(json.Replace("\"exp\":1800003600", "\"exp\":1900003600"));
        Assert.NotEqual(json, Encoding.UTF8.GetString(later));
        Assert.False(codec.TryRead(Base64Url.EncodeToString(later) + token[dot..], Now, out _, out var forged));
        Assert.Equal(JoinTokenRefusal.BadSignature, forged);
        payload[^3] ^= 1;
        Assert.False(codec.TryRead(Base64Url.EncodeToString(payload) + token[dot..], Now, out _, out _));

        Assert.False(Codec(fill: 8).TryRead(token, Now, out _, out var other));
        Assert.Equal(JoinTokenRefusal.BadSignature, other);
    }

    [Fact]
    public void Bad_secrets_lifetimes_and_scopes_are_refused_when_issuing()
    {
        Assert.Throws<ArgumentException>(() => new JoinTokenCodec(new byte[31]));
        var codec = Codec();
        Assert.Throws<ArgumentOutOfRangeException>(() => codec.Issue(TimeSpan.Zero, [], Now));
        Assert.Throws<ArgumentOutOfRangeException>(() => codec.Issue(TimeSpan.FromDays(400), [], Now));
        Assert.Throws<ArgumentException>(() => codec.Issue(TimeSpan.FromHours(1), ["../etc"], Now));
    }

    [Fact]
    public void Api_keys_compare_whole_keys_only()
    {
        var key = new ApiKey("0123456789abcdef-admin"u8);
        Assert.True(key.Matches("0123456789abcdef-admin"));
        Assert.False(key.Matches("0123456789abcdef-admiN"));
        Assert.False(key.Matches("0123456789abcdef-admin "));
        Assert.False(key.Matches("0123456789abcdef"));
        Assert.False(key.Matches(""));
        Assert.False(key.Matches(null));
        Assert.Throws<ArgumentException>(() => new ApiKey("short"u8));
    }

    [Fact]
    public void Secret_files_are_trimmed_and_must_be_long_enough()
    {
        var dir = Directory.CreateTempSubdirectory("npga-secret-").FullName;
        try
        {
            var path = Path.Combine(dir, "secret");
            File.WriteAllText(path, new string('s', 40) + "\n");
            Assert.Equal(40, SecretFile.Read(path, "token secret", 32).Length);
            File.WriteAllText(path, "  short\n");
            Assert.Contains("holds 5 bytes; at least 32", Assert.Throws<InvalidOperationException>(() => SecretFile.Read(path, "token secret", 32)).Message);
            Assert.Contains("cannot read the token secret file", Assert.Throws<InvalidOperationException>(() => SecretFile.Read(Path.Combine(dir, "none"), "token secret", 32)).Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Settings_are_checked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LiveOptions { Auth = { AdminKeyFile = "/k" } }.Validate()); // no token secret
        Assert.Throws<ArgumentOutOfRangeException>(() => new LiveOptions { RateLimits = { JoinsPerMinute = -1 } }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new LiveOptions { RateLimits = { HubCallsPerSecond = 100, HubCallBurst = 10 } }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new LiveOptions { EmbedAncestors = ["https://example.org; script-src *"] }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new LiveOptions { EmbedAncestors = ["https://example.org/page"] }.Validate());
        new LiveOptions { EmbedAncestors = ["https://example.org", "https://*.example.net:8443", "'self'"], RateLimits = { JoinsPerMinute = 0 } }.Validate();
    }
}
