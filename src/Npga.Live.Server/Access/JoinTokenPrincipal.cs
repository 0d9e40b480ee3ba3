using System.Globalization;
using System.Security.Claims;

namespace Npga.Live.Server.Access;

/// <summary>
/// A valid join token as the request's user (<c>HttpContext.User</c>, which SignalR hands to the hub as
/// <c>Context.User</c>): one <see cref="AvatarClaim"/> per avatar the token is limited to, and its expiry.
/// </summary>
public static class JoinTokenPrincipal
{
    /// <summary>The identity's authentication type.</summary>
    public const string AuthenticationType = "npga-join-token";

    /// <summary>The claim naming an avatar the token is limited to (none: any avatar).</summary>
    public const string AvatarClaim = "npga:avatar";

    /// <summary>The claim holding the token's expiry, Unix seconds.</summary>
    public const string ExpiresClaim = "exp";

    /// <summary>The user a request with <paramref name="token"/> acts as.</summary>
    public static ClaimsPrincipal Create(JoinToken token) => new(new ClaimsIdentity(
        [.. token.Avatars.Select(a => new Claim(AvatarClaim, a)), new Claim(ExpiresClaim, token.Expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture))],
        AuthenticationType));

    /// <summary>The avatars <paramref name="user"/> may use: the token's list, or empty for any (no token, or one not limited to avatars).</summary>
    public static IReadOnlyList<string> Avatars(ClaimsPrincipal? user) =>
        user?.FindAll(AvatarClaim).Select(c => c.Value).ToList() ?? [];
}
