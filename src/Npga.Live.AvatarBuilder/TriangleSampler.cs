using Npga.Live.Core.Gaussians;

namespace Npga.Live.AvatarBuilder;

/// <summary>
/// Places samples on a 3D triangle at a spacing given in photo pixels: the triangle is split into n² equal
/// sub-triangles (n from its longest projected edge) and one sample sits at each sub-triangle's centroid, so
/// neighbouring triangles meet without duplicated or missing samples along shared edges.
/// </summary>
internal static class TriangleSampler
{
    /// <summary>One sample: position, triangle normal, an in-plane direction, the spacing in metres, and the barycentric
    /// coordinates (s along b − a, t along c − a) so the caller can find the same place on another version of the triangle.</summary>
    public delegate void Sample((double X, double Y, double Z) p, (double X, double Y, double Z) normal, (double X, double Y, double Z) tangent, double spacingMetres, double s, double t);

    /// <summary>Samples triangle (a, b, c); the normal follows the right-hand rule a → b → c.</summary>
    public static void Sample3(Camera cam, (double X, double Y, double Z) a, (double X, double Y, double Z) b, (double X, double Y, double Z) c, double spacingPx, Sample emit)
    {
        var pa = PhotoCamera.Project(cam, a); var pb = PhotoCamera.Project(cam, b); var pc = PhotoCamera.Project(cam, c);
        double longest = Math.Max(Dist(pa, pb), Math.Max(Dist(pb, pc), Dist(pc, pa)));
        int n = Math.Clamp((int)Math.Ceiling(longest / spacingPx), 1, 200);
        var e1 = (b.X - a.X, b.Y - a.Y, b.Z - a.Z);
        var e2 = (c.X - a.X, c.Y - a.Y, c.Z - a.Z);
        var normal = GaussianBuffer.Cross(e1, e2);
        if (GaussianBuffer.Dot(normal, normal) < 1e-20) return; // degenerate
        double longest3 = Math.Max(Len(e1), Math.Max(Len(e2), Len((c.X - b.X, c.Y - b.Y, c.Z - b.Z))));
        double spacingM = longest3 / n;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n - i; j++)
            {
                Emit(i + 1.0 / 3, j + 1.0 / 3);
                if (i + j < n - 1) Emit(i + 2.0 / 3, j + 2.0 / 3);
            }

        void Emit(double u, double v)
        {
            double s = u / n, t = v / n;
            emit((a.X + s * e1.Item1 + t * e2.Item1, a.Y + s * e1.Item2 + t * e2.Item2, a.Z + s * e1.Item3 + t * e2.Item3), normal, e1, spacingM, s, t);
        }
    }

    private static double Dist((double U, double V, double Z) p, (double U, double V, double Z) q) => Math.Sqrt((p.U - q.U) * (p.U - q.U) + (p.V - q.V) * (p.V - q.V));

    private static double Len((double X, double Y, double Z) v) => Math.Sqrt(v.X * v.X + v.Y * v.Y + v.Z * v.Z);
}
