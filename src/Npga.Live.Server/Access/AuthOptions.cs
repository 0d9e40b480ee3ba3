namespace Npga.Live.Server.Access;

/// <summary>
/// Who may join (configuration section <c>Live:Auth</c>, e.g. <c>Live__Auth__TokenSecretFile=/run/secrets/npga</c>).
/// With no token secret the server is open, as on a loopback-only machine: anyone who reaches it may join.
/// </summary>
public sealed class AuthOptions
{
    /// <summary>
    /// File holding the secret that signs join tokens (<see cref="SecretFile"/>, at least
    /// <see cref="JoinTokenCodec.MinSecretBytes"/> bytes). Set: every request to <c>/hub</c> needs a valid token
    /// (<see cref="JoinTokenGate"/>); <c>npga token --secret-file</c> and <c>POST /admin/tokens</c> issue them.
    /// Unset (the default): no token is asked for.
    /// </summary>
    public string? TokenSecretFile { get; set; }

    /// <summary>
    /// File holding the admin API key (at least <see cref="ApiKey.MinBytes"/> bytes). Set (with a token secret):
    /// <c>POST /admin/tokens</c> issues join tokens to requests carrying the key. Unset (the default): there is no admin endpoint.
    /// </summary>
    public string? AdminKeyFile { get; set; }

    /// <summary>Lifetime of a token from <c>POST /admin/tokens</c> that asks for none, seconds (default 3600).</summary>
    public double DefaultTokenSeconds { get; set; } = 3600;

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value outside its range (the message names it).</exception>
    public void Validate()
    {
        if (AdminKeyFile is not null && TokenSecretFile is null)
            throw new ArgumentOutOfRangeException(nameof(AdminKeyFile), AdminKeyFile, "an admin key needs Auth:TokenSecretFile (the endpoint issues join tokens)");
        if (!(DefaultTokenSeconds >= 1 && DefaultTokenSeconds <= JoinTokenCodec.MaxLifetime.TotalSeconds))
            throw new ArgumentOutOfRangeException(nameof(DefaultTokenSeconds), DefaultTokenSeconds, $"1 to {JoinTokenCodec.MaxLifetime.TotalSeconds:0} s");
    }
}
