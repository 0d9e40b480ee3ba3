namespace Npga.Live.Server.Access;

/// <summary>
/// What a valid join token grants (<see cref="JoinTokenCodec"/>): joining the hub until <see cref="Expires"/>, with the
/// avatars in <see cref="Avatars"/> only, or any avatar when that list is empty. A token may be used any number of
/// times until it expires (a page reconnects, opens a second tab); the nonce only makes every token distinct.
/// </summary>
/// <param name="IssuedAt">When it was issued (whole seconds, UTC).</param>
/// <param name="Expires">When it stops being accepted (whole seconds, UTC).</param>
/// <param name="Nonce">Random text (base64url) that makes it unique.</param>
/// <param name="Avatars">Avatar ids it is limited to; empty: any avatar the server offers.</param>
public sealed record JoinToken(DateTimeOffset IssuedAt, DateTimeOffset Expires, string Nonce, IReadOnlyList<string> Avatars)
{
    /// <summary>Whether this token lets a session show avatar <paramref name="avatarId"/> (ids compare ordinally).</summary>
    public bool Covers(string avatarId) => Avatars.Count == 0 || Avatars.Contains(avatarId, StringComparer.Ordinal);
}
