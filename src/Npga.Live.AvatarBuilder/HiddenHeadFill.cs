using Npga.Live.Core.Gaussians;
using Npga.Live.Core.Imaging;

namespace Npga.Live.AvatarBuilder;

/// <summary>
/// The parts of the head proxy (<see cref="HeadProxy"/>) that the photo cannot see but a turned head shows, besides the
/// back of the head: the sides of the ellipsoid and of the neck (which now runs up into the head) hidden behind the face
/// itself, and the back of the neck. Without them a head turned 30° or more showed the background between the face's
/// edge and the proxy, and between the jaw and the neck (builder version 3). All positions are in the canonical head frame
/// (metres, y up, z out of the face); colours are linear RGB in [0, 1].
/// <list type="bullet">
/// <item>A proxy sample facing the photo camera whose photo ray passes through the face oval and meets the face mesh
/// first is hidden by the face. It takes the photo's colour just inside the face outline nearest its projection (the
/// skin at the cheek's edge beside the cheeks, the hairline above the temples): the nearest visible surface's colour,
/// the simplest inpainting, not a guess of what is there.</item>
/// <item>The back of the neck takes the neck's colour (the median of the photo's neck samples, or of the jaw's edge when
/// the photo shows no neck).</item>
/// </list>
/// </summary>
internal static class HiddenHeadFill
{
    /// <summary>
    /// Adds the proxy samples hidden behind the face in the photo (ellipsoid and neck), coloured from the face's edge,
    /// and the back of the neck in <paramref name="neckColour"/>.
    /// </summary>
    /// <param name="buf">Destination.</param>
    /// <param name="proxy">The head proxy.</param>
    /// <param name="cam">The photo camera (head frame → photo pixels).</param>
    /// <param name="photo">The photo.</param>
    /// <param name="facePoly">The face oval in photo pixels (<see cref="OneShotAvatarBuilder.FaceOval"/> order).</param>
    /// <param name="seen">The face mesh as photographed (468·3 floats, head frame), for the occlusion test.</param>
    /// <param name="triangles">The mesh's triangles.</param>
    /// <param name="neckColour">Colour of the back of the neck.</param>
    /// <param name="spacingPx">Sample spacing, photo pixels at the head's depth.</param>
    public static void AddHiddenSides(GaussianBuffer buf, HeadProxy proxy, Camera cam, RgbImage photo, (double X, double Y)[] facePoly,
        float[] seen, int[][] triangles, (double R, double G, double B) neckColour, double spacingPx)
    {
        var depth = new FaceDepth(cam, seen, triangles);
        var eyes = new[] { EyeBox(cam, seen, Npga.Live.Tracking.Landmarks.FaceLandmarks.RightEye), EyeBox(cam, seen, Npga.Live.Tracking.Landmarks.FaceLandmarks.LeftEye) };
        double sm = PhotoCamera.MetresAtHead(cam, spacingPx);
        double cx = facePoly.Average(p => p.X), cy = facePoly.Average(p => p.Y);
        double faceW = facePoly.Max(p => p.X) - facePoly.Min(p => p.X);

        void Consider((double X, double Y, double Z) p, (double X, double Y, double Z) n, bool neck)
        {
            if (!PhotoCamera.SeesFront(cam, p, n))
            {
                // Facing away: the ellipsoid's back is BackOfHeadHair's; the neck's back is skin (or hair) never seen.
                if (neck) buf.Add(p, n, (0, 1, 0), 0.75 * sm, 0.001, neckColour, 0.99);
                return;
            }
            var (u, v, z) = PhotoCamera.Project(cam, p);
            if (!OneShotAvatarBuilder.Inside(facePoly, u, v)) return;   // the photo's own rays cover it (or it is background)
            // Hidden only behind the face mesh's surface (not in its eye or mouth openings, where the eyes and the mouth's
            // interior are, nor in front of it).
            if (depth.At(u, v) is not double zFace || z < zFace + 0.002) return;
            // Nor behind the eyes: their lids' and openings' Gaussians let some light through (s5 lost 0.5 dB at the eyes' corners).
            foreach (var (x0, y0, x1, y1) in eyes) if (u > x0 && u < x1 && v > y0 && v < y1) return;
            var (ex, ey) = OneShotAvatarBuilder.NearestOnOutline(facePoly, u, v);
            // Not within two sample spacings of the outline: the ellipsoid passes through the face's edge, and samples there
            // showed past it in the photo's own view (face-region PSNR s5 28.75 → 27.1 dB).
            // Nor deeper inside than a quarter of the face's width: what lies behind the eyes and the nose is never seen, and
            // samples there showed through the eyes' and lids' semi-transparent Gaussians.
            double edge = Math.Sqrt((u - ex) * (u - ex) + (v - ey) * (v - ey));
            if (edge < 2 * spacingPx || edge > 0.25 * faceW) return;
            // Just inside the outline, towards the face's centre: the face's own edge colour.
            double dx = cx - ex, dy = cy - ey, len = Math.Max(1e-9, Math.Sqrt(dx * dx + dy * dy));
            double inset = 0.04 * faceW;
            var colour = OneShotAvatarBuilder.Sample(photo, ex + inset * dx / len, ey + inset * dy / len);
            buf.Add(p, n, (0, 1, 0), 0.75 * sm, 0.001, colour, 0.99);
        }

        foreach (var (p, n) in proxy.SurfacePoints(sm))
            if (!proxy.InsideNeck(p)) Consider(p, n, neck: false);
        // Neck: a grid over the elliptic cylinder, left out where it runs inside the ellipsoid.
        double circumference = Math.PI * (proxy.NeckRadiusX + proxy.NeckRadiusZ);
        int around = Math.Max(16, (int)(circumference / sm));
        for (double y = proxy.NeckBottomY + sm / 2; y < proxy.NeckTopY; y += sm)
            for (int k = 0; k < around; k++)
            {
                var (p, n) = proxy.NeckPoint(2 * Math.PI * (k + 0.5) / around, y);
                if (proxy.InsideEllipsoid(p)) continue;
                Consider(p, n, neck: true);
            }
    }

    /// <summary>An eye contour's projected bounding box, widened by half the eye's width on each side (photo pixels).</summary>
    private static (double X0, double Y0, double X1, double Y1) EyeBox(Camera cam, float[] seen, int[] contour)
    {
        var pts = contour.Select(i => PhotoCamera.Project(cam, (seen[3 * i], seen[3 * i + 1], seen[3 * i + 2]))).ToArray();
        double x0 = pts.Min(p => p.U), x1 = pts.Max(p => p.U), y0 = pts.Min(p => p.V), y1 = pts.Max(p => p.V);
        double m = 0.5 * (x1 - x0);
        return (x0 - m, y0 - m, x1 + m, y1 + m);
    }

    /// <summary>Depth (camera z, metres) of the face mesh as photographed, looked up per photo pixel by its projected triangles.</summary>
    private sealed class FaceDepth
    {
        private readonly (double U, double V, double Z)[] _p;
        private readonly int[][] _tris;

        public FaceDepth(Camera cam, float[] seen, int[][] triangles)
        {
            _p = new (double, double, double)[seen.Length / 3];
            for (int i = 0; i < _p.Length; i++) _p[i] = PhotoCamera.Project(cam, (seen[3 * i], seen[3 * i + 1], seen[3 * i + 2]));
            _tris = triangles;
        }

        /// <summary>The nearest face depth at (u, v), or null where no triangle covers it.</summary>
        public double? At(double u, double v)
        {
            double? best = null;
            foreach (var t in _tris)
            {
                var (a, b, c) = (_p[t[0]], _p[t[1]], _p[t[2]]);
                double det = (b.U - a.U) * (c.V - a.V) - (c.U - a.U) * (b.V - a.V);
                if (Math.Abs(det) < 1e-12) continue;
                double s = ((u - a.U) * (c.V - a.V) - (c.U - a.U) * (v - a.V)) / det;
                double r = ((b.U - a.U) * (v - a.V) - (u - a.U) * (b.V - a.V)) / det;
                if (s < 0 || r < 0 || s + r > 1) continue;
                double z = a.Z + s * (b.Z - a.Z) + r * (c.Z - a.Z);
                if (best is null || z < best) best = z;
            }
            return best;
        }
    }
}
