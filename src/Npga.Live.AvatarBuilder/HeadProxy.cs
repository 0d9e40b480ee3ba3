using Npga.Live.Core;

namespace Npga.Live.AvatarBuilder;

/// <summary>
/// The smooth proxy surface for the parts of the head the face mesh does not cover (hair, ears, the sides and
/// back of the head) and the neck: an ellipsoid round the head's centre and a vertical elliptic cylinder below
/// it, in the canonical head frame (metres). The ellipsoid is fitted through the person's own upper face outline and
/// held to adult head proportions (see <see cref="ForFace"/>).
/// </summary>
internal sealed class HeadProxy
{
    public HeadProxy((double X, double Y, double Z) center, (double X, double Y, double Z) radii, double jawY, double neckTopY, double neckBottomY, double neckRadiusX, double neckRadiusZ, double neckCenterZ)
    {
        Center = center; Radii = radii; JawY = jawY;
        NeckTopY = neckTopY; NeckBottomY = neckBottomY; NeckRadiusX = neckRadiusX; NeckRadiusZ = neckRadiusZ; NeckCenterZ = neckCenterZ;
    }

    public (double X, double Y, double Z) Center { get; }
    public (double X, double Y, double Z) Radii { get; }
    /// <summary>Height just above the chin (chin + 1 cm): below it, in front of the ellipsoid's centre, is the open space under the jaw.</summary>
    public double JawY { get; }
    /// <summary>Top of the neck cylinder: the ellipsoid's centre height, so that the neck runs up into the head (builder version 4; it
    /// used to stop at the chin, and a turned head showed the background between the jaw and the neck).</summary>
    public double NeckTopY { get; }
    public double NeckBottomY { get; }
    public double NeckRadiusX { get; }
    public double NeckRadiusZ { get; }
    public double NeckCenterZ { get; }

    /// <summary>The face oval from the temple over the forehead to the other temple (MediaPipe indices): the part of the face
    /// outline the head goes on from, and which the ellipsoid is fitted through.</summary>
    internal static readonly int[] UpperFaceOval = [454, 356, 389, 251, 284, 332, 297, 338, 10, 109, 67, 103, 54, 21, 162, 127, 234];

    /// <summary>
    /// Places the proxy for a face mesh (468 landmarks, metres, canonical frame): the ellipsoid (centre (0, c_y, c_z),
    /// radii r_x, r_y, r_z) is fitted by Levenberg–Marquardt through the upper face oval (<see cref="UpperFaceOval"/>:
    /// residual ‖((x/r_x), (y − c_y)/r_y, (z − c_z)/r_z)‖ − 1), held to adult head proportions by soft priors (head
    /// length ≈ 195 mm from the forehead back, crown ≈ 120 mm above the eye line, half-breadth ≈ 80 mm), so the face
    /// mesh's edge lies on it and the hair and sides of the head continue from the face instead of standing behind it
    /// (builder version 3; version 2 put a fixed-size ellipsoid just behind the forehead, narrower than the temples, and a
    /// turned head looked like a mask in front of an egg). The neck hangs below the chin.
    /// </summary>
    public static HeadProxy ForFace(ReadOnlySpan<float> mesh)
    {
        double foreheadZ = mesh[3 * 10 + 2], chinY = mesh[3 * 152 + 1];
        double eyeY = 0.5 * (mesh[3 * 33 + 1] + mesh[3 * 263 + 1]);
        var oval = new (double X, double Y, double Z)[UpperFaceOval.Length];
        for (int i = 0; i < oval.Length; i++) { int k = UpperFaceOval[i]; oval[i] = (mesh[3 * k], mesh[3 * k + 1], mesh[3 * k + 2]); }
        double[] Residuals(double[] q)
        {
            var (cy, cz, rx, ry, rz) = (q[0], q[1], q[2], q[3], q[4]);
            var r = new double[oval.Length + 3];
            for (int i = 0; i < oval.Length; i++)
            {
                var (x, y, z) = oval[i];
                double u = x / rx, v = (y - cy) / ry, w = (z - cz) / rz;
                r[i] = (Math.Sqrt(u * u + v * v + w * w) - 1) * (0.075 / 0.003); // ≈ 1 per 3 mm off the surface
            }
            r[^3] = (cz - rz - (foreheadZ - 0.195)) / 0.01; // back of the head
            r[^2] = (cy + ry - (eyeY + 0.12)) / 0.01;       // crown
            r[^1] = (rx - 0.08) / 0.01;                     // half-breadth
            return r;
        }
        var q = LevenbergMarquardt.Minimise(Residuals, [eyeY, foreheadZ - 0.1, 0.078, 0.115, 0.105], 50);
        double Clamp(double v, double lo, double hi) => double.IsFinite(v) ? Math.Clamp(v, lo, hi) : 0.5 * (lo + hi);
        double rX = Clamp(q[2], 0.065, 0.1), rY = Clamp(q[3], 0.085, 0.14), rZ = Clamp(q[4], 0.085, 0.13);
        double cY = Clamp(q[0], eyeY - 0.02, eyeY + 0.05), cZ = Clamp(q[1], foreheadZ - 0.15, foreheadZ - 0.05);
        return new HeadProxy((0.0, cY, cZ), (rX, rY, rZ), jawY: chinY + 0.01, neckTopY: cY, neckBottomY: chinY - 0.16, neckRadiusX: 0.058, neckRadiusZ: 0.055, neckCenterZ: foreheadZ - 0.116);
    }

    /// <summary>First hit of the ray o + t·d (t &gt; 0) with the ellipsoid, or with the neck below it; its surface normal.</summary>
    public bool Intersect((double X, double Y, double Z) o, (double X, double Y, double Z) d, out (double X, double Y, double Z) hit, out (double X, double Y, double Z) normal, out bool onNeck)
    {
        onNeck = false;
        if (IntersectEllipsoid(o, d, out double t))
        {
            hit = (o.X + t * d.X, o.Y + t * d.Y, o.Z + t * d.Z);
            normal = EllipsoidNormal(hit);
            return true;
        }
        if (IntersectNeck(o, d, out t))
        {
            hit = (o.X + t * d.X, o.Y + t * d.Y, o.Z + t * d.Z);
            normal = GaussianBuffer.Normalize((hit.X / (NeckRadiusX * NeckRadiusX), 0, (hit.Z - NeckCenterZ) / (NeckRadiusZ * NeckRadiusZ)));
            onNeck = true;
            return true;
        }
        hit = normal = default;
        return false;
    }

    /// <summary>The point of the ellipsoid in direction (θ, φ) from its centre, with its normal.</summary>
    public ((double X, double Y, double Z) P, (double X, double Y, double Z) N) EllipsoidPoint((double X, double Y, double Z) unit)
    {
        var p = (Center.X + Radii.X * unit.X, Center.Y + Radii.Y * unit.Y, Center.Z + Radii.Z * unit.Z);
        return (p, EllipsoidNormal(p));
    }

    /// <summary>
    /// About one point per <paramref name="spacing"/>² of the ellipsoid's surface (between 500 and 20000), spread evenly by a
    /// Fibonacci sphere mapped onto it, each with its outward normal.
    /// </summary>
    /// <param name="spacing">Point spacing, metres.</param>
    public IEnumerable<((double X, double Y, double Z) P, (double X, double Y, double Z) N)> SurfacePoints(double spacing)
    {
        double area = 4 * Math.PI * Math.Pow(Radii.X * Radii.Y * Radii.Z, 2.0 / 3);
        int count = (int)Math.Clamp(area / (spacing * spacing), 500, 20000);
        double golden = Math.PI * (3 - Math.Sqrt(5));
        for (int i = 0; i < count; i++)
        {
            double y = 1 - 2 * (i + 0.5) / count, rad = Math.Sqrt(1 - y * y), th = golden * i;
            yield return EllipsoidPoint((rad * Math.Cos(th), y, rad * Math.Sin(th)));
        }
    }

    /// <summary>The neck cylinder's point at angle <paramref name="theta"/> (0: the head's +x side, π/2: the front) and height <paramref name="y"/>, with its outward normal.</summary>
    public ((double X, double Y, double Z) P, (double X, double Y, double Z) N) NeckPoint(double theta, double y)
    {
        double cos = Math.Cos(theta), sin = Math.Sin(theta);
        return ((NeckRadiusX * cos, y, NeckCenterZ + NeckRadiusZ * sin), GaussianBuffer.Normalize((cos / NeckRadiusX, 0, sin / NeckRadiusZ)));
    }

    /// <summary>Whether <paramref name="p"/> lies strictly inside the ellipsoid.</summary>
    public bool InsideEllipsoid((double X, double Y, double Z) p)
        => Sq((p.X - Center.X) / Radii.X) + Sq((p.Y - Center.Y) / Radii.Y) + Sq((p.Z - Center.Z) / Radii.Z) < 1 - 1e-9;

    /// <summary>Whether <paramref name="p"/> lies strictly inside the neck cylinder (between its bottom and top).</summary>
    public bool InsideNeck((double X, double Y, double Z) p)
        => p.Y > NeckBottomY && p.Y < NeckTopY && Sq(p.X / NeckRadiusX) + Sq((p.Z - NeckCenterZ) / NeckRadiusZ) < 1 - 1e-9;

    private static double Sq(double v) => v * v;

    private (double X, double Y, double Z) EllipsoidNormal((double X, double Y, double Z) p)
        => GaussianBuffer.Normalize(((p.X - Center.X) / (Radii.X * Radii.X), (p.Y - Center.Y) / (Radii.Y * Radii.Y), (p.Z - Center.Z) / (Radii.Z * Radii.Z)));

    private bool IntersectEllipsoid((double X, double Y, double Z) o, (double X, double Y, double Z) d, out double t)
    {
        // Scale space so the ellipsoid is the unit sphere.
        double ox = (o.X - Center.X) / Radii.X, oy = (o.Y - Center.Y) / Radii.Y, oz = (o.Z - Center.Z) / Radii.Z;
        double dx = d.X / Radii.X, dy = d.Y / Radii.Y, dz = d.Z / Radii.Z;
        double a = dx * dx + dy * dy + dz * dz, b = 2 * (ox * dx + oy * dy + oz * dz), c = ox * ox + oy * oy + oz * oz - 1;
        double disc = b * b - 4 * a * c;
        t = 0;
        if (disc < 0) return false;
        t = (-b - Math.Sqrt(disc)) / (2 * a);
        return t > 0;
    }

    private bool IntersectNeck((double X, double Y, double Z) o, (double X, double Y, double Z) d, out double t)
    {
        double ox = o.X / NeckRadiusX, oz = (o.Z - NeckCenterZ) / NeckRadiusZ, dx = d.X / NeckRadiusX, dz = d.Z / NeckRadiusZ;
        double a = dx * dx + dz * dz, b = 2 * (ox * dx + oz * dz), c = ox * ox + oz * oz - 1;
        double disc = b * b - 4 * a * c;
        t = 0;
        if (a < 1e-12 || disc < 0) return false;
        t = (-b - Math.Sqrt(disc)) / (2 * a);
        double y = o.Y + t * d.Y;
        return t > 0 && y <= NeckTopY && y >= NeckBottomY;
    }
}
