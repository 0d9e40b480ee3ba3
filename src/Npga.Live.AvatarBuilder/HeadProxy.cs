namespace Npga.Live.AvatarBuilder;

/// <summary>
/// The smooth proxy surface for the parts of the head the face mesh does not cover (hair, ears, the sides and
/// back of the head) and the neck: an ellipsoid round the head's centre and a vertical elliptic cylinder below
/// it, in the canonical head frame (metres). Sized from adult head proportions (head breadth ≈ 150 mm, length
/// ≈ 190 mm, with some room for hair) and placed from the person's own face mesh.
/// </summary>
internal sealed class HeadProxy
{
    public HeadProxy((double X, double Y, double Z) center, (double X, double Y, double Z) radii, double neckTopY, double neckBottomY, double neckRadiusX, double neckRadiusZ, double neckCenterZ)
    {
        Center = center; Radii = radii;
        NeckTopY = neckTopY; NeckBottomY = neckBottomY; NeckRadiusX = neckRadiusX; NeckRadiusZ = neckRadiusZ; NeckCenterZ = neckCenterZ;
    }

    public (double X, double Y, double Z) Center { get; }
    public (double X, double Y, double Z) Radii { get; }
    public double NeckTopY { get; }
    public double NeckBottomY { get; }
    public double NeckRadiusX { get; }
    public double NeckRadiusZ { get; }
    public double NeckCenterZ { get; }

    /// <summary>
    /// Places the proxy for a face mesh (468 landmarks, metres, canonical frame): the ellipsoid's front sits just
    /// behind the forehead, its sides just outside the face outline; the neck hangs below the chin.
    /// </summary>
    public static HeadProxy ForFace(ReadOnlySpan<float> mesh)
    {
        double maxAbsX = 0, foreheadZ = mesh[3 * 10 + 2], chinY = mesh[3 * 152 + 1];
        double eyeY = 0.5 * (mesh[3 * 33 + 1] + mesh[3 * 263 + 1]);
        for (int i = 0; i < mesh.Length / 3; i++) maxAbsX = Math.Max(maxAbsX, Math.Abs(mesh[3 * i]));
        double rx = Math.Max(0.078, maxAbsX + 0.008), ry = 0.115, rz = 0.105;
        double cz = foreheadZ - 0.006 - rz;
        var center = (0.0, eyeY - 0.002, cz);
        return new HeadProxy(center, (rx, ry, rz), neckTopY: chinY + 0.01, neckBottomY: chinY - 0.16, neckRadiusX: 0.058, neckRadiusZ: 0.055, neckCenterZ: cz - 0.005);
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
