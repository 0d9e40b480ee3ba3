using Npga.Live.Server.Sessions;

namespace Npga.Live.Server.Whip;

/// <summary>A live session started by WHIP, at <c>/whip/sessions/{Id}</c>.</summary>
/// <param name="Id">The resource id: 128 random bits as 32 lowercase hex digits (unguessable; it is the session's only credential besides the join token).</param>
/// <param name="Session">The live session.</param>
/// <param name="OfferMids">The offer's <c>a=mid</c> values by m-line, for trickled candidates (PATCH).</param>
/// <param name="OfferUfrag">The offer's ICE username fragment (a PATCH with another is an ICE restart, not supported).</param>
public sealed record WhipResource(string Id, LiveSession Session, IReadOnlyList<string?> OfferMids, string? OfferUfrag);
