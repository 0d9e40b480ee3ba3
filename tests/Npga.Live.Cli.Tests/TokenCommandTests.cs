using Npga.Live.Server.Access;

namespace Npga.Live.Cli.Tests;

/// <summary><c>npga token</c> as a process: what it prints is accepted by the server's validator with the same secret only.</summary>
public class TokenCommandTests
{
    [Fact]
    public void A_printed_token_round_trips_through_the_servers_validator()
    {
        var dir = Directory.CreateTempSubdirectory("npga-token-").FullName;
        try
        {
            var secret = Path.Combine(dir, "token.secret");
            File.WriteAllText(secret, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48)) + "\n");
            var before = DateTimeOffset.UtcNow;
            var run = CliRunner.Run(TimeSpan.FromSeconds(60), "token", "--secret-file", secret, "--ttl", "2h", "--scope", "default,d9");
            Assert.True(run.ExitCode == 0, run.Stderr);
            var token = run.Stdout.Trim();
            Assert.DoesNotContain('\n', token);
            Assert.Contains("expires", run.Stderr);

            var codec = new JoinTokenCodec(SecretFile.Read(secret, "token secret", JoinTokenCodec.MinSecretBytes));
            Assert.True(codec.TryRead(token, DateTimeOffset.UtcNow, out var read, out var why), why.ToString());
            Assert.Equal(new[] { "default", "d9" }, read.Avatars);
            Assert.InRange(read.Expires - before, TimeSpan.FromHours(2) - TimeSpan.FromSeconds(1), TimeSpan.FromHours(2) + TimeSpan.FromSeconds(120));
            Assert.False(codec.TryRead(token, before.AddHours(2).AddMinutes(3), out _, out var later));
            Assert.Equal(JoinTokenRefusal.Expired, later);
            Assert.False(new JoinTokenCodec(new byte[32]).TryRead(token, DateTimeOffset.UtcNow, out _, out var other));
            Assert.Equal(JoinTokenRefusal.BadSignature, other);

            var any = CliRunner.Run(TimeSpan.FromSeconds(60), "token", "--secret-file", secret); // default: 1 h, any avatar
            Assert.True(codec.TryRead(any.Stdout.Trim(), DateTimeOffset.UtcNow, out var unlimited, out _));
            Assert.Empty(unlimited.Avatars);

            var badTtl = CliRunner.Run(TimeSpan.FromSeconds(60), "token", "--secret-file", secret, "--ttl", "soon");
            Assert.Equal(2, badTtl.ExitCode);
            Assert.Contains("--ttl 'soon' is not a duration", badTtl.Stderr);
            File.WriteAllText(secret, "short");
            var shortSecret = CliRunner.Run(TimeSpan.FromSeconds(60), "token", "--secret-file", secret);
            Assert.Equal(2, shortSecret.ExitCode);
            Assert.Contains("at least 32", shortSecret.Stderr);
            Assert.Equal("", shortSecret.Stdout);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
