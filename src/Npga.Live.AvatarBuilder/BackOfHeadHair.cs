using Npga.Live.Core.Gaussians;

namespace Npga.Live.AvatarBuilder;

/// <summary>
/// The back of the head, the part of the head proxy's ellipsoid (<see cref="HeadProxy"/>) that faces away from the photo's
/// camera, drawn as hair (builder version 5). Up to version 4 it was one flat colour, which a head turned 60° or more
/// showed as a plain disc. Now each Gaussian is a short streak along the head's meridian (the direction hair falls, from
/// the crown down). Strands one sample spacing wide run down the head, each in runs of about four spacings that take one
/// of the colours the photo shows at the head's rim (what borders the unseen back), at half their contrast. That is
/// texture drawn from the person's own hair colours, not a guess of their hairstyle. Positions are in the canonical head
/// frame (metres, y up, z out of the face), colours linear RGB in [0, 1].
/// </summary>
internal static class BackOfHeadHair
{
    /// <summary>Streak σ along the meridian and across it, in sample spacings (across: 2σ covers one spacing with overlap).</summary>
    private const double AlongSigma = 1.8, AcrossSigma = 0.55;

    /// <summary>Length of one strand's run of a single colour, in sample spacings.</summary>
    private const double RunLength = 4;

    /// <summary>
    /// Adds the hidden back of the ellipsoid as hair streaks in the colours of <paramref name="hair"/>.
    /// </summary>
    /// <param name="buf">Destination.</param>
    /// <param name="proxy">The head proxy.</param>
    /// <param name="cam">The photo camera (head frame → photo pixels); samples facing it are the photo's own.</param>
    /// <param name="hair">Photo colours that may be hair: the head's rim as the photo sees it.</param>
    /// <param name="skin">The face's skin colour: candidates within 0.15 of it (bare temples, ears, a high forehead) are
    /// not hair, unless fewer than ten others remain (a bald head, or hair the colour of skin).</param>
    /// <param name="fallback">Colour used when <paramref name="hair"/> is empty.</param>
    /// <param name="spacingPx">Sample spacing, photo pixels at the head's depth.</param>
    public static void Add(GaussianBuffer buf, HeadProxy proxy, Camera cam, IReadOnlyList<(double R, double G, double B)> hair,
        (double R, double G, double B) skin, (double R, double G, double B) fallback, double spacingPx)
    {
        var palette = Palette(hair, skin, fallback);
        double sm = PhotoCamera.MetresAtHead(cam, spacingPx);
        double girth = 0.5 * (proxy.Radii.X + proxy.Radii.Z); // horizontal radius, for the strands' angular width
        foreach (var (p, nrm) in proxy.SurfacePoints(sm))
        {
            if (PhotoCamera.SeesFront(cam, p, nrm)) continue;                   // seen in the photo: the rays covered it
            if (p.Y < proxy.JawY - 0.01 && p.Z > proxy.Center.Z) continue;    // under the jaw, in front: leave open
            if (proxy.InsideNeck(p)) continue;                                   // inside the neck
            // Strand coordinates: azimuth round the vertical axis (arc length at the head's girth) and the arc down from the crown.
            double ux = (p.X - proxy.Center.X) / proxy.Radii.X, uy = (p.Y - proxy.Center.Y) / proxy.Radii.Y, uz = (p.Z - proxy.Center.Z) / proxy.Radii.Z;
            double across = Math.Atan2(ux, uz) * girth, down = Math.Acos(Math.Clamp(uy, -1, 1)) * proxy.Radii.Y;
            long strand = (long)Math.Floor(across / sm), run = (long)Math.Floor(down / (RunLength * sm) + 0.37 * strand);
            var colour = palette[(int)(Hash(strand, run) % (ulong)palette.Length)];
            double shade = 0.94 + 0.12 * ((Hash(strand, run ^ 0x5bd1e995) & 0xffff) / 65535.0); // ±6% brightness per run
            // The meridian: "down" projected onto the tangent plane (degenerate at the crown, where any direction serves).
            var fall = (-nrm.Y * nrm.X, -1 + nrm.Y * nrm.Y, -nrm.Y * nrm.Z);
            buf.AddAnisotropic(p, nrm, fall, AlongSigma * sm, AcrossSigma * sm, 0.001,
                (Math.Min(1, shade * colour.R), Math.Min(1, shade * colour.G), Math.Min(1, shade * colour.B)), 0.99);
        }
    }

    /// <summary>
    /// The candidates not of the skin's colour (all of them when fewer than ten are not), then those within 0.2 (RGB distance)
    /// of their median (skin, background the colour key left), each halfway to it; the median alone when none is that near,
    /// the fallback when there are no candidates.
    /// </summary>
    private static (double R, double G, double B)[] Palette(IReadOnlyList<(double R, double G, double B)> candidates,
        (double R, double G, double B) skin, (double R, double G, double B) fallback)
    {
        if (candidates.Count == 0) return [fallback];
        var notSkin = candidates.Where(c => OneShotAvatarBuilder.ColourDistance(c, skin) > 0.15).ToList();
        var hair = notSkin.Count >= 10 ? notSkin : candidates;
        var median = OneShotAvatarBuilder.Median(hair);
        // Half the contrast of the photo's hair: a run stands for many strands, whose colours average.
        return [.. hair.Where(h => OneShotAvatarBuilder.ColourDistance(h, median) < 0.2)
            .Select(h => (0.5 * (h.R + median.R), 0.5 * (h.G + median.G), 0.5 * (h.B + median.B))).DefaultIfEmpty(median)];
    }

    /// <summary>A fixed 64-bit mix of two integers (splitmix64's finaliser), so the same photo always gives the same avatar.</summary>
    private static ulong Hash(long a, long b)
    {
        ulong x = unchecked((ulong)a * 0x9E3779B97F4A7C15UL ^ (ulong)b * 0xC2B2AE3D27D4EB4FUL);
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
