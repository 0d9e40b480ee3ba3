using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npga.Live.Avatar;
using Npga.Live.Avatar.Deform;
using Npga.Live.Core.Gaussians;
using Npga.Live.Core.Imaging;
using Npga.Live.Tracking;
using Npga.Live.Tracking.Landmarks;

namespace Npga.Live.AvatarBuilder;

/// <summary>Settings of <see cref="OneShotAvatarBuilder"/>.</summary>
public sealed class OneShotOptions
{
    /// <summary>Side of the avatar's default (square) camera, pixels.</summary>
    public int CameraSize { get; init; } = 512;

    /// <summary>Focal length of the photo's camera as a multiple of its long side (weak perspective wants a long lens).</summary>
    public double FocalFactor { get; init; } = 2.5;

    /// <summary>About how many Gaussians cover the face mesh; the rest of the head gets about half as many again.</summary>
    public int FaceGaussians { get; init; } = 20000;

    /// <summary>Smallest accepted distance between the outer eye corners, photo pixels.</summary>
    public double MinEyeCornerDistancePx { get; init; } = 30;

    /// <summary>Side of the default camera's square crop as a multiple of the face's height (forehead to chin).</summary>
    public double CropFaceHeights { get; init; } = 2.1;
}

/// <summary>What <see cref="OneShotAvatarBuilder.Build"/> made.</summary>
/// <param name="Manifest">The package manifest.</param>
/// <param name="Canonical">The canonical Gaussians A_c (SH degree 0, features from the prior's field).</param>
/// <param name="PhotoCamera">The photo's estimated camera (full photo size, OpenCV axes, world = canonical head frame).</param>
/// <param name="FacesInPhoto">Faces the detector saw (the largest was used).</param>
/// <param name="Parts">Gaussian counts per part (face, eyes, mouth, teeth, head, back, neck).</param>
/// <param name="Seconds">Build time.</param>
public sealed record OneShotResult(AvatarManifest Manifest, GaussianCloud Canonical, Camera PhotoCamera, int FacesInPhoto, IReadOnlyDictionary<string, int> Parts, double Seconds);

/// <summary>
/// Builds an NPGA avatar from one photo in a few seconds (no Python at run time): track the face (468 landmarks,
/// head pose and scale by the expression model's fit), estimate the photo's camera, un-pose the landmarks into
/// the person's own canonical face mesh (metres, canonical head frame), and place flat Gaussians on it coloured
/// from the photo; add the rest of the visible head (hair, ears, neck) on a smooth proxy surface (ellipsoid and
/// neck cylinder) from the image round the face, the unseen back of the head as hair (<see cref="BackOfHeadHair"/>), and a mouth
/// interior (dark cavity and teeth) and eyeballs in the mesh's openings, so an opened mouth is not a hole. The
/// per-Gaussian features come from the prior's feature field, and the package uses the shared prior F (no G, no
/// CNN). Driven by F, the Gaussians follow the expression model's deformation (NPGA eqs. 4, 6).
/// <para>
/// The manifest's <c>created_by.version</c> is <see cref="Version"/>. Version 2 registers the photo on the mesh (the photo
/// camera's principal point on the face and its depth at the face, <see cref="PhotoCamera.FromFit"/>); version 1 put the
/// principal point at the image centre and coloured the face from 10–22 px too high in s9. Version 3 fits the head proxy
/// through the face's upper outline (<see cref="HeadProxy.ForFace"/>); version 4 runs the neck up into the head and draws
/// the proxy hidden behind the face (<see cref="HiddenHeadFill"/>), so a turned head shows no background inside it;
/// version 5 draws the back of the head as streaks of the hair colours at the head's rim instead of one flat colour.
/// </para>
/// </summary>
public sealed class OneShotAvatarBuilder : IDisposable
{
    private static readonly int[] UpperTeeth = [80, 81, 82, 13, 312, 311, 310];
    private static readonly int[] LowerTeeth = [88, 178, 87, 14, 317, 402, 318];
    /// <summary>MediaPipe's face oval (silhouette), in order.</summary>
    internal static readonly int[] FaceOval = [10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109];

    private readonly DeformationPrior _prior;
    private readonly OneShotOptions _options;
    private readonly FaceTracker _tracker;

    /// <summary>The builder's version, written to the manifest's <c>created_by.version</c>.</summary>
    public const string Version = "5";

    /// <summary>Creates a builder that drives its avatars with <paramref name="prior"/>.</summary>
    /// <exception cref="ArgumentException">The prior is for another expression model than the tracker's.</exception>
    public OneShotAvatarBuilder(DeformationPrior prior, OneShotOptions? options = null, TrackerOptions? tracker = null)
    {
        _prior = prior;
        _options = options ?? new OneShotOptions();
        _tracker = new FaceTracker(tracker ?? new TrackerOptions { Smoothing = false, AdaptNeutral = false });
        if (_tracker.ExpressionModel is null || _tracker.ExpressionModel.Id != prior.ExpressionModelId)
            throw new ArgumentException($"the prior {prior.Id} is driven by {prior.ExpressionModelId}, the tracker fits {_tracker.ExpressionModel?.Id ?? "no expression model"}");
    }

    /// <summary>
    /// Builds an avatar from <paramref name="photo"/>.
    /// </summary>
    /// <param name="photo">The photo (any size the decoder accepts).</param>
    /// <param name="name">Avatar name for the manifest.</param>
    /// <param name="source">Provenance (photo file, licence, credit) for the manifest.</param>
    /// <exception cref="AvatarBuildException">No face, or a face too small to model.</exception>
    public OneShotResult Build(RgbImage photo, string name, AvatarSource source)
    {
        var clock = Stopwatch.StartNew();
        var track = _tracker.Track(photo, 0, 0);
        if (!track.Face || track.LandmarksPx is null || track.Pose is null)
            throw new AvatarBuildException("no face found in the photo");
        var lm = track.LandmarksPx;
        double iod = Math.Sqrt(Sq(lm[3 * 33] - lm[3 * 263]) + Sq(lm[3 * 33 + 1] - lm[3 * 263 + 1]));
        if (iod < _options.MinEyeCornerDistancePx)
            throw new AvatarBuildException($"the face is too small: its eye corners are {iod:F0} px apart, at least {_options.MinEyeCornerDistancePx:F0} px are needed");
        var model = _tracker.ExpressionModel!;
        var pose = track.Pose;
        // The person's face as photographed (colours are looked up here), and the same face in the prior's canonical space,
        // where the Gaussians are placed: the photo's own expression z_photo removed and the prior's canonical code z_c added,
        // X_c = X_seen + B·(z_c − z_photo). z_photo becomes the avatar's rest code, so F at the rest code gives back the photo.
        var (seen, origin) = Unpose(lm, pose, model);
        double focal = _options.FocalFactor * Math.Max(photo.Width, photo.Height);
        var cam = PhotoCamera.FromFit(pose.Rotation, pose.Scale, origin, seen, photo.Width, photo.Height, focal);
        var mesh = (float[])seen.Clone();
        var offset = new float[mesh.Length];
        var toCanonical = _prior.CanonicalCode.Zip(pose.ZExp, (c, p) => c - p).ToArray();
        model.Shape(toCanonical, offset);
        for (int i = 0; i < mesh.Length; i++) mesh[i] += offset[i] - model.Canonical[i];

        var buf = new GaussianBuffer();
        var parts = new Dictionary<string, int>();
        void Part(string key, Action add) { int before = buf.Count; add(); parts[key] = buf.Count - before; }

        double spacing = FaceSpacing(seen, model.Triangles, cam);
        var facePoly = FaceOval.Select(i => (Px: (double)lm[3 * i], Py: (double)lm[3 * i + 1])).ToArray();
        Part("face", () => AddFace(buf, mesh, seen, model.Triangles, cam, photo, spacing));
        Part("eyes", () => { AddFan(buf, mesh, seen, FaceLandmarks.RightEye, 0.0025, cam, photo, spacing, EyeFill, null); AddFan(buf, mesh, seen, FaceLandmarks.LeftEye, 0.0025, cam, photo, spacing, EyeFill, null); });
        Part("mouth", () => AddFan(buf, mesh, seen, FaceLandmarks.InnerLips, 0.012, cam, photo, spacing, MouthFill, MouthInterior));
        Part("throat", () => AddThroat(buf, mesh, cam, spacing));
        Part("teeth", () => { AddTeeth(buf, mesh, UpperTeeth, LowerTeeth, 0.003, cam, spacing); AddTeeth(buf, mesh, LowerTeeth, UpperTeeth, 0.0035, cam, spacing); });
        var proxy = HeadProxy.ForFace(seen);
        IReadOnlyList<(double R, double G, double B)> hair = [];
        (double R, double G, double B)? neckSeen = null;
        Part("head", () => hair = AddProxyFromPhoto(buf, proxy, cam, photo, facePoly, spacing * 1.4, lm, out _, out neckSeen));
        var skin = JawEdgeColour(photo, lm);
        Part("back", () => BackOfHeadHair.Add(buf, proxy, cam, hair, skin, DefaultHair, spacing * 1.8));
        var neckColour = neckSeen ?? skin;
        Part("sides", () => HiddenHeadFill.AddHiddenSides(buf, proxy, cam, photo, facePoly, seen, model.Triangles, neckColour, spacing * 1.8));

        var cloud = buf.ToCloud(_prior.FeatureDim);
        _prior.SampleFeatures(cloud.Means, cloud.Features);
        RecolourAtRest(cloud, buf.PhotoColoured, pose.ZExp, cam, photo);

        double faceHeight = Math.Abs(lm[3 * 152 + 1] - lm[3 * 10 + 1]);
        double cropSide = _options.CropFaceHeights * faceHeight;
        double cu = facePoly.Average(p => p.Px), cv = 0.5 * (lm[3 * 10 + 1] + lm[3 * 152 + 1]) - 0.12 * faceHeight;
        var defaultCamera = PhotoCamera.Crop(cam, cu, cv, cropSide, _options.CameraSize);
        var extra = new Dictionary<string, JsonElement>(source.Extra ?? []);
        extra["photo_camera"] = JsonSerializer.SerializeToElement(new { width = cam.Width, height = cam.Height, fx = cam.Fx, fy = cam.Fy, cx = cam.Cx, cy = cam.Cy, R = cam.R, t = cam.T });
        extra["crop"] = JsonSerializer.SerializeToElement(new { center = new[] { cu, cv }, side = cropSide });
        var manifest = new AvatarManifest
        {
            Format = AvatarManifest.CurrentFormat,
            Name = name,
            CreatedBy = new AvatarCreatedBy { Tool = "npga avatar create (OneShotAvatarBuilder)", Version = Version },
            Source = source with { Extra = extra },
            ExpressionModel = new AvatarExpressionModelRef { Id = model.Id, K = model.K },
            ShDegree = 0,
            FeatureDim = _prior.FeatureDim,
            LatentDim = 0,
            Networks = new AvatarNetworks { F = Path.GetFileName(_prior.F), FSplit = _prior.FSplit?.Select(Path.GetFileName).ToArray()! },
            DefaultCamera = AvatarCameraSpec.FromCamera(defaultCamera),
            RestCode = pose.ZExp,
            Background = [0, 0, 0],
            Metrics = new JsonObject
            {
                ["gaussians"] = cloud.Count,
                ["parts"] = new JsonObject(parts.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
                ["faces_in_photo"] = track.Faces,
                ["deformation_prior"] = _prior.Id,
                ["tracking_fit_rms_mm"] = Math.Round(pose.ResidualMm, 3),
            },
        };
        return new OneShotResult(manifest, cloud, cam, track.Faces, parts, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Looks the photo colour of the face and eye Gaussians up again where F puts them at rest, μ + F(μ; r) − F(μ; 0) (the
    /// avatar's rest state, <see cref="AvatarDynamics"/>), instead of where the landmark mesh put them. F reproduces the
    /// photo's expression r only to about a millimetre (r lies outside the codes F was trained on) and moves the fill of an
    /// eye opening with the nearer lid, so colours taken on the landmark mesh land beside their place at rest (the eyes'
    /// colours sat on the upper lids). Gaussians the photo sees at a grazing angle keep their mirrored colours.
    /// </summary>
    private void RecolourAtRest(GaussianCloud cloud, IReadOnlyList<bool> photoColoured, float[] rest, Camera cam, RgbImage photo)
    {
        var index = Enumerable.Range(0, cloud.Count).Where(i => photoColoured[i]).ToArray();
        if (index.Length == 0) return;
        int n = index.Length, c = cloud.FeatureDim;
        var mu = new float[3 * n];
        var feat = new float[c * n];
        for (int j = 0; j < n; j++)
        {
            cloud.Means.AsSpan(3 * index[j], 3).CopyTo(mu.AsSpan(3 * j));
            cloud.Features.AsSpan(c * index[j], c).CopyTo(feat.AsSpan(c * j));
        }
        using var session = new Npga.Live.Onnx.OrtSession(_prior.F, new Npga.Live.Onnx.OrtSessionOptions { IntraOpThreads = 1 });
        float[] Run(float[] z) => session.Run(
            [Npga.Live.Onnx.OrtTensor.FromFloat("mu", [n, 3], mu), Npga.Live.Onnx.OrtTensor.FromFloat("feat", [n, c], feat), Npga.Live.Onnx.OrtTensor.FromFloat("z_exp", [1, z.Length], z)],
            ["d_mu"])["d_mu"].Float!;
        var atRest = Run(rest);
        var atZero = Run(new float[rest.Length]);
        for (int j = 0; j < n; j++)
        {
            var p = (mu[3 * j] + atRest[3 * j] - atZero[3 * j], mu[3 * j + 1] + atRest[3 * j + 1] - atZero[3 * j + 1], mu[3 * j + 2] + atRest[3 * j + 2] - atZero[3 * j + 2]);
            var uv = PhotoCamera.Project(cam, p);
            GaussianBuffer.SetColour(cloud, index[j], Sample(photo, uv.U, uv.V));
        }
    }

    /// <summary>Writes <paramref name="result"/> as an npga-avatar/1 package, copying the prior's F.</summary>
    public void Write(OneShotResult result, string directory) => AvatarPackage.Save(directory, result.Manifest, result.Canonical, _prior.Directory);

    /// <summary>
    /// The person's face mesh in the canonical head frame: X = Rᵀ(Y − T)/s for the flipped landmarks Y (x right, y up,
    /// pixels), with T the similarity's translation recovered from the fitted shape on the stable landmarks (Umeyama's t
    /// given R and s). Returns the mesh (468×3, metres) and T (the head origin in the flipped pixel frame).
    /// </summary>
    private static (float[] Mesh, (double X, double Y, double Z) Origin) Unpose(float[] lm, Npga.Live.Tracking.Expression.PoseExpression pose, Npga.Live.Tracking.Expression.ExpressionModel model)
    {
        int n = FaceLandmarks.Count;
        var shape = new float[n * 3];
        model.Shape(pose.ZExp, shape);
        var r = pose.Rotation;
        double s = pose.Scale;
        double my0 = 0, my1 = 0, my2 = 0, ms0 = 0, ms1 = 0, ms2 = 0;
        foreach (int i in model.StableIndices)
        {
            my0 += lm[3 * i]; my1 -= lm[3 * i + 1]; my2 -= lm[3 * i + 2];
            ms0 += shape[3 * i]; ms1 += shape[3 * i + 1]; ms2 += shape[3 * i + 2];
        }
        int k = model.StableIndices.Length;
        my0 /= k; my1 /= k; my2 /= k; ms0 /= k; ms1 /= k; ms2 /= k;
        double t0 = my0 - s * (r[0] * ms0 + r[1] * ms1 + r[2] * ms2);
        double t1 = my1 - s * (r[3] * ms0 + r[4] * ms1 + r[5] * ms2);
        double t2 = my2 - s * (r[6] * ms0 + r[7] * ms1 + r[8] * ms2);
        var mesh = new float[n * 3];
        for (int i = 0; i < n; i++)
        {
            double y0 = lm[3 * i] - t0, y1 = -lm[3 * i + 1] - t1, y2 = -lm[3 * i + 2] - t2;
            mesh[3 * i] = (float)((r[0] * y0 + r[3] * y1 + r[6] * y2) / s);
            mesh[3 * i + 1] = (float)((r[1] * y0 + r[4] * y1 + r[7] * y2) / s);
            mesh[3 * i + 2] = (float)((r[2] * y0 + r[5] * y1 + r[8] * y2) / s);
        }
        return (mesh, (t0, t1, t2));
    }

    private double FaceSpacing(float[] mesh, int[][] triangles, Camera cam)
    {
        int count = 0;
        foreach (var t in triangles) TriangleSampler.Sample3(cam, P(mesh, t[0]), P(mesh, t[1]), P(mesh, t[2]), 1.0, (_, _, _, _, _, _) => count++);
        return Math.Max(0.75, Math.Sqrt(count / (double)_options.FaceGaussians));
    }

    /// <summary>
    /// Samples the face mesh, coloured from the photo. Where the photo sees the surface at a grazing angle or not at all
    /// (the far cheek of a three-quarter view), the colour comes from the mirrored point (−x, y, z) on the other half of the
    /// face when that one is better seen, blended by visibility: faces are nearly symmetric, the wrong side of the photo is not.
    /// </summary>
    private static void AddFace(GaussianBuffer buf, float[] mesh, float[] seen, int[][] triangles, Camera cam, RgbImage photo, double spacing)
    {
        var centre = cam.Center;
        foreach (var t in triangles)
            TriangleSampler.Sample3(cam, P(mesh, t[0]), P(mesh, t[1]), P(mesh, t[2]), spacing, (pos, _, tan, sm, bs, bt) =>
            {
                // Colour and visibility where this place is in the photo (the seen mesh), position on the canonical one.
                var p = Lerp(seen, t[0], t[1], t[2], bs, bt);
                var n = GaussianBuffer.Cross(Sub(P(seen, t[1]), P(seen, t[0])), Sub(P(seen, t[2]), P(seen, t[0])));
                var nOut = GaussianBuffer.Normalize(GaussianBuffer.Dot(n, p) >= 0 ? n : (-n.X, -n.Y, -n.Z));
                double own = Visibility(p, nOut, centre);
                var uv = PhotoCamera.Project(cam, p);
                var colour = Sample(photo, uv.U, uv.V);
                if (own < MirrorBelow)
                {
                    var mp = (-p.X, p.Y, p.Z);
                    var mn = (-nOut.X, nOut.Y, nOut.Z);
                    double mirrored = Visibility(mp, mn, centre);
                    if (mirrored > own)
                    {
                        var muv = PhotoCamera.Project(cam, mp);
                        var mc = Sample(photo, muv.U, muv.V);
                        double w = Math.Clamp(own / MirrorBelow, 0, 1); // 1: own colour, 0: mirrored
                        colour = (w * colour.R + (1 - w) * mc.R, w * colour.G + (1 - w) * mc.G, w * colour.B + (1 - w) * mc.B);
                    }
                }
                var nPos = GaussianBuffer.Cross(Sub(P(mesh, t[1]), P(mesh, t[0])), Sub(P(mesh, t[2]), P(mesh, t[0])));
                buf.Add(pos, nPos, tan, 0.5 * sm, 0.0004, colour, 0.97, photoColoured: own >= MirrorBelow);
            });
    }

    /// <summary>
    /// Visibility (cosine between the surface normal and the direction to the photo's camera) below which a face sample
    /// takes (part of) its colour from the mirrored point. At 0.2 the nose's far flank, a strip seen within 3–12° of edge-on
    /// in s9, took the painting's other flank's shading and drew a thin dark line from the inner eye corner round the
    /// nostril; at 0.05 that line is mostly gone (a fainter one stays round the nostril wing, from the photo's own colour
    /// at the nose's silhouette), face-region PSNR 27.22 dB against 27.20, the five clips' mouth, eye and brow
    /// correlations within ±0.03. A three-quarter view's far cheek, facing away, still takes the mirrored colours.
    /// </summary>
    private const double MirrorBelow = 0.05;

    private static (double X, double Y, double Z) Lerp(float[] mesh, int a, int b, int c, double s, double t)
    {
        var pa = P(mesh, a); var pb = P(mesh, b); var pc = P(mesh, c);
        return (pa.X + s * (pb.X - pa.X) + t * (pc.X - pa.X), pa.Y + s * (pb.Y - pa.Y) + t * (pc.Y - pa.Y), pa.Z + s * (pb.Z - pa.Z) + t * (pc.Z - pa.Z));
    }

    private static (double X, double Y, double Z) Sub((double X, double Y, double Z) a, (double X, double Y, double Z) b) => (a.X - b.X, a.Y - b.Y, a.Z - b.Z);

    /// <summary>Cosine between a surface normal and the direction to the camera centre (≤ 0: facing away).</summary>
    private static double Visibility((double X, double Y, double Z) p, (double X, double Y, double Z) nOut, (double X, double Y, double Z) camera)
        => GaussianBuffer.Dot(nOut, GaussianBuffer.Normalize((camera.X - p.X, camera.Y - p.Y, camera.Z - p.Z)));

    /// <summary>
    /// Colour (RGB, 0..1) of the mouth-interior fan, what an opened mouth shows between the lips: a shadowed cavity,
    /// near black. The tracker reads a dark red gap between pale painted lips as the lips themselves (its inner-lip
    /// points land inside the gap), so the re-tracked opening of the default avatar grows as the gap darkens: mouth
    /// correlation (smoothed re-tracker) on d9 0.53 with (0.16, 0.05, 0.05), 0.63 with (0.10, 0.05, 0.05), 0.67 with
    /// (0.06, 0.045, 0.045), 0.69 with (0.02, 0.015, 0.015); d0, d3, d6 and d14 rise by 0.01–0.05 with it.
    /// </summary>
    private static readonly (double R, double G, double B) MouthInterior = (0.04, 0.03, 0.03);

    /// <summary>Dark brown, the back of the head's colour when no colour of the head's rim in the photo passes the background key.</summary>
    private static readonly (double R, double G, double B) DefaultHair = (0.2, 0.15, 0.1);

    /// <summary>How an opening's fan is sampled: spacing as a multiple of the face's, and Gaussian scale = k·spacing (m) + add (m).</summary>
    private readonly record struct FanSampling(double SpacingFactor, double ScalePerSpacing, double ScaleAddMetres);

    /// <summary>
    /// The eye fill carries the painted iris and sclera, so it is sampled like the skin round it (finer than the fan's
    /// slanted triangles would be at the face's spacing, and without the mouth fan's extra 0.3 mm): with the larger mouth
    /// settings (σ ≈ 1.7 mm, 2.6 photo pixels in s9) the iris, 12 px across, blurred into the lids and the eye read as
    /// half closed at rest. Measured on s9 built by this version (re-tracked eye openness against the driver's), d0/d3/d6/d9/d14:
    /// 0.37/−0.32/0.12/0.36/0.44 with the mouth's settings, 0.58/−0.14/0.30/0.52/0.63 with these.
    /// </summary>
    private static readonly FanSampling EyeFill = new(0.6, 0.5, 0);

    /// <summary>The mouth fan is one flat dark colour: coarse, soft Gaussians that close the opening.</summary>
    private static readonly FanSampling MouthFill = new(1, 0.7, 0.0003);

    /// <summary>Fills an opening (eye or mouth contour) with a fan of triangles whose apex sits <paramref name="depth"/> behind the contour's centroid.</summary>
    private static void AddFan(GaussianBuffer buf, float[] mesh, float[] seen, int[] contour, double depth, Camera cam, RgbImage photo, double spacing, FanSampling fill, (double, double, double)? colour)
    {
        var apex = Apex(mesh, contour, depth);
        var seenApex = Apex(seen, contour, depth);
        for (int k = 0; k < contour.Length; k++)
        {
            int ia = contour[k], ib = contour[(k + 1) % contour.Length];
            var a = P(mesh, ia); var b = P(mesh, ib);
            var sa = P(seen, ia); var sb = P(seen, ib);
            TriangleSampler.Sample3(cam, apex, a, b, spacing * fill.SpacingFactor, (p, _, tan, sm, s, t) =>
            {
                var q = (seenApex.X + s * (sa.X - seenApex.X) + t * (sb.X - seenApex.X), seenApex.Y + s * (sa.Y - seenApex.Y) + t * (sb.Y - seenApex.Y), seenApex.Z + s * (sa.Z - seenApex.Z) + t * (sb.Z - seenApex.Z));
                var uv = PhotoCamera.Project(cam, q);
                buf.Add(p, (0, 0, 1), tan, fill.ScalePerSpacing * sm + fill.ScaleAddMetres, 0.0005, colour ?? Sample(photo, uv.U, uv.V), 0.99, photoColoured: colour is null);
            });
        }
    }

    private static (double X, double Y, double Z) Apex(float[] mesh, int[] contour, double depth)
    {
        double cx = 0, cy = 0, cz = 0;
        foreach (int i in contour) { cx += mesh[3 * i]; cy += mesh[3 * i + 1]; cz += mesh[3 * i + 2]; }
        return (cx / contour.Length, cy / contour.Length, cz / contour.Length - depth);
    }

    /// <summary>
    /// The back of the mouth: a dark elliptical wall behind the lips (22 mm behind the inner-lip contour's centre, 8 mm below
    /// it; half-axes 0.4 × the mouth-corner distance across and 22 mm down/up), facing the camera. Hidden by the face at
    /// rest; through an opened mouth it is what the viewer sees past the fan and the teeth, instead of the inside of the
    /// neck and the back of the head (skin and hair colours that read as a closed mouth).
    /// </summary>
    private static void AddThroat(GaussianBuffer buf, float[] mesh, Camera cam, double spacing)
    {
        var c = Apex(mesh, FaceLandmarks.InnerLips, 0.022);
        c = (c.X, c.Y - 0.008, c.Z);
        var l = P(mesh, FaceLandmarks.MouthLeft); var r = P(mesh, FaceLandmarks.MouthRight);
        double a = 0.4 * Math.Sqrt((l.X - r.X) * (l.X - r.X) + (l.Y - r.Y) * (l.Y - r.Y) + (l.Z - r.Z) * (l.Z - r.Z)), b = 0.022;
        const int Segments = 24;
        for (int k = 0; k < Segments; k++)
        {
            double t0 = 2 * Math.PI * k / Segments, t1 = 2 * Math.PI * (k + 1) / Segments;
            var p0 = (c.X + a * Math.Cos(t0), c.Y + b * Math.Sin(t0), c.Z);
            var p1 = (c.X + a * Math.Cos(t1), c.Y + b * Math.Sin(t1), c.Z);
            TriangleSampler.Sample3(cam, c, p0, p1, spacing, (p, _, tan, sm, _, _) =>
                buf.Add(p, (0, 0, 1), tan, 0.9 * sm + 0.0005, 0.0005, (0.09, 0.03, 0.03), 0.99));
        }
    }

    /// <summary>
    /// A band of teeth <paramref name="back"/> metres behind the inner rim of one lip (<paramref name="path"/>), from 2 mm
    /// inside that lip to 1.2 mm short of the middle of the canonical lip gap (the other lip's rim, <paramref name="facing"/>,
    /// index-matched). F moves a point in the gap with the nearer lip, so a band that stays on its own lip's side opens with
    /// that lip (upper teeth stay under the upper lip, lower teeth go down with the jaw) instead of being split and smeared
    /// across the opened mouth. At rest (the photo's closed lips) both bands are behind the lips.
    /// </summary>
    private static void AddTeeth(GaussianBuffer buf, float[] mesh, int[] path, int[] facing, double back, Camera cam, double spacing)
    {
        // A point of the band's edge behind vertex k: 2 mm inside its own lip, or 1.2 mm short of the gap's middle.
        (double X, double Y, double Z) Edge(int k, bool nearMiddle)
        {
            var p = P(mesh, path[k]); var f = P(mesh, facing[k]);
            double dir = Math.Sign(f.Y - p.Y);
            double y = nearMiddle ? 0.5 * (p.Y + f.Y) - dir * 0.0012 : p.Y - dir * 0.002;
            return (p.X, y, p.Z - back);
        }
        for (int k = 0; k + 1 < path.Length; k++)
        {
            var a = Edge(k, false); var b = Edge(k + 1, false);
            var a2 = Edge(k, true); var b2 = Edge(k + 1, true);
            void Emit((double X, double Y, double Z) p, (double X, double Y, double Z) n, (double X, double Y, double Z) t, double sm, double s, double u)
                => buf.Add(p, (0, 0, 1), t, 0.9 * sm + 0.0004, 0.0005, (0.80, 0.77, 0.70), 0.99);
            // A denser, softer band than the skin: a few stray samples must not read as gaps between teeth.
            TriangleSampler.Sample3(cam, a, b, b2, 0.6 * spacing, Emit);
            TriangleSampler.Sample3(cam, a, b2, a2, 0.6 * spacing, Emit);
        }
    }

    /// <summary>
    /// Rays through a pixel grid round the face, outside the face oval (and, above the eyes, one spacing inside its edge), hit the proxy; each hit becomes a Gaussian with the
    /// pixel's colour, stretched along the surface's slope so that steep parts stay closed (a pixel's footprint on a surface
    /// at angle θ to the view is 1/cos θ longer). Pixels of the photo's background colour (sampled in the top corners of the
    /// head region) are left out: a simple colour key, since no segmentation runs here. Returns the colours of the
    /// ellipsoid's rim as the photo sees it (hits at a grazing angle, above the jaw: what borders the unseen back), from
    /// which <see cref="BackOfHeadHair"/> draws the back of the head.
    /// </summary>
    private static List<(double R, double G, double B)> AddProxyFromPhoto(GaussianBuffer buf, HeadProxy proxy, Camera cam, RgbImage photo, (double Px, double Py)[] facePoly, double spacing, float[] lm, out int hits,
        out (double R, double G, double B)? neckColour)
    {
        var neck = new List<(double R, double G, double B)>();
        double faceH = Math.Abs(lm[3 * 152 + 1] - lm[3 * 10 + 1]);
        double minX = facePoly.Min(p => p.Px), maxX = facePoly.Max(p => p.Px);
        double faceW = maxX - minX;
        double x0 = Math.Max(0, minX - 0.6 * faceW), x1 = Math.Min(photo.Width, maxX + 0.6 * faceW);
        double y0 = Math.Max(0, lm[3 * 10 + 1] - 0.75 * faceH), y1 = Math.Min(photo.Height, lm[3 * 152 + 1] + 0.6 * faceH);
        double eyeV = 0.5 * (lm[3 * 33 + 1] + lm[3 * 263 + 1]);
        var keys = new[] { Patch(photo, x0, y0, 0.08 * faceW), Patch(photo, x1 - 0.08 * faceW, y0, 0.08 * faceW) };
        var rim = new List<(double R, double G, double B)>();
        hits = 0;
        for (double v = y0 + spacing / 2; v < y1; v += spacing)
            for (double u = x0 + spacing / 2; u < x1; u += spacing)
            {
                // Inside the face oval the face mesh draws. Above the eyes a band one spacing wide inside its edge is kept, so
                // that the proxy (behind the forehead there) closes the seam between the mesh's last samples and the proxy's
                // first; lower down the jaw moves with the expression and a band there covers the opened mouth's chin
                // (s9: d14 mouth 0.59 → 0.42 with the band all round).
                if (Inside(facePoly, u, v) && (v > eyeV || DistanceToOutline(facePoly, u, v) > spacing)) continue;
                var c = Sample(photo, u, v);
                if (keys.Any(k => ColourDistance(c, k) < 0.1)) continue;
                var (o, d) = PhotoCamera.Ray(cam, u, v);
                if (!proxy.Intersect(o, d, out var hit, out var normal, out bool onNeck)) continue;
                double depth = PhotoCamera.Project(cam, hit).Z;
                double sm = spacing * depth / cam.Fx;
                double cos = Math.Max(0.25, Math.Abs(GaussianBuffer.Dot(normal, d)));
                // Tangent along the slope: the view direction projected onto the tangent plane.
                double dn = GaussianBuffer.Dot(d, normal);
                var slope = (d.X - dn * normal.X, d.Y - dn * normal.Y, d.Z - dn * normal.Z);
                if (GaussianBuffer.Dot(slope, slope) < 1e-12) slope = (1, 0, 0);
                buf.AddAnisotropic(hit, normal, slope, 0.7 * sm / cos, 0.7 * sm, 0.0008, c, 0.97);
                hits++;
                // The rim's colours stand for the hair behind it, so they are kept farther from the background's than the key's 0.1.
                if (!onNeck && hit.Y > proxy.JawY && Math.Abs(GaussianBuffer.Dot(normal, d)) < 0.4 && keys.All(k => ColourDistance(c, k) > 0.2)) rim.Add(c);
                if (onNeck && v > lm[3 * 152 + 1]) neck.Add(c);
            }
        neckColour = neck.Count == 0 ? null : Median(neck);
        return rim;
    }

    /// <summary>Channel-wise median of a non-empty list of colours.</summary>
    internal static (double R, double G, double B) Median(IReadOnlyList<(double R, double G, double B)> colours)
    {
        double M(Func<(double R, double G, double B), double> f) => colours.Select(f).OrderBy(x => x).ElementAt(colours.Count / 2);
        return (M(c => c.R), M(c => c.G), M(c => c.B));
    }

    /// <summary>The jaw line under the chin, from one jaw angle to the other (the lower face oval, MediaPipe indices).</summary>
    private static readonly int[] Jaw = [172, 136, 150, 149, 176, 148, 152, 377, 400, 378, 379, 365, 397];

    /// <summary>Median photo colour just inside the jaw line (skin), for a neck the photo does not show.</summary>
    private static (double R, double G, double B) JawEdgeColour(RgbImage photo, float[] lm)
    {
        double cx = lm[3 * 1], cy = lm[3 * 1 + 1]; // nose tip: the face's middle
        var skin = new List<(double R, double G, double B)>();
        foreach (int i in Jaw)
        {
            double u = lm[3 * i], v = lm[3 * i + 1];
            skin.Add(Sample(photo, u + 0.1 * (cx - u), v + 0.1 * (cy - v)));
        }
        return Median(skin);
    }

    private static (double R, double G, double B) Patch(RgbImage photo, double u0, double v0, double side)
    {
        double r = 0, g = 0, b = 0; int n = 0;
        for (double v = v0; v < v0 + side; v += 1)
            for (double u = u0; u < u0 + side; u += 1)
            {
                var c = Sample(photo, u, v);
                r += c.R; g += c.G; b += c.B; n++;
            }
        return n == 0 ? (-1, -1, -1) : (r / n, g / n, b / n);
    }

    internal static double ColourDistance((double R, double G, double B) a, (double R, double G, double B) b)
        => Math.Sqrt((a.R - b.R) * (a.R - b.R) + (a.G - b.G) * (a.G - b.G) + (a.B - b.B) * (a.B - b.B));

    /// <summary>Distance (pixels) from (x, y) to the nearest edge of the closed polygon <paramref name="poly"/>.</summary>
    private static double DistanceToOutline((double X, double Y)[] poly, double x, double y)
    {
        var (px, py) = NearestOnOutline(poly, x, y);
        return Math.Sqrt((x - px) * (x - px) + (y - py) * (y - py));
    }

    /// <summary>The point of the closed polygon <paramref name="poly"/>'s edges nearest (x, y), pixels.</summary>
    internal static (double X, double Y) NearestOnOutline((double X, double Y)[] poly, double x, double y)
    {
        double best = double.MaxValue;
        (double X, double Y) at = poly[0];
        for (int i = 0, j = poly.Length - 1; i < poly.Length; j = i++)
        {
            double ex = poly[i].X - poly[j].X, ey = poly[i].Y - poly[j].Y;
            double len2 = ex * ex + ey * ey;
            double k = len2 > 0 ? Math.Clamp(((x - poly[j].X) * ex + (y - poly[j].Y) * ey) / len2, 0, 1) : 0;
            double px = poly[j].X + k * ex, py = poly[j].Y + k * ey;
            double d = (x - px) * (x - px) + (y - py) * (y - py);
            if (d < best) { best = d; at = (px, py); }
        }
        return at;
    }

    internal static bool Inside((double X, double Y)[] poly, double x, double y)
    {
        bool inside = false;
        for (int i = 0, j = poly.Length - 1; i < poly.Length; j = i++)
            if ((poly[i].Y > y) != (poly[j].Y > y) && x < (poly[j].X - poly[i].X) * (y - poly[i].Y) / (poly[j].Y - poly[i].Y) + poly[i].X)
                inside = !inside;
        return inside;
    }

    /// <summary>Bilinear colour of the photo at continuous pixel position (u, v), in [0, 1].</summary>
    internal static (double R, double G, double B) Sample(RgbImage img, double u, double v)
    {
        double x = Math.Clamp(u - 0.5, 0, img.Width - 1), y = Math.Clamp(v - 0.5, 0, img.Height - 1);
        int x0 = Math.Min((int)x, img.Width - 2 < 0 ? 0 : img.Width - 2), y0 = Math.Min((int)y, img.Height - 2 < 0 ? 0 : img.Height - 2);
        int x1 = Math.Min(x0 + 1, img.Width - 1), y1 = Math.Min(y0 + 1, img.Height - 1);
        double fx = x - x0, fy = y - y0;
        var px = img.Pixels;
        double Ch(int c) =>
            ((1 - fx) * (1 - fy) * px[(y0 * img.Width + x0) * 3 + c] + fx * (1 - fy) * px[(y0 * img.Width + x1) * 3 + c]
            + (1 - fx) * fy * px[(y1 * img.Width + x0) * 3 + c] + fx * fy * px[(y1 * img.Width + x1) * 3 + c]) / 255.0;
        return (Ch(0), Ch(1), Ch(2));
    }

    private static (double X, double Y, double Z) P(float[] mesh, int i) => (mesh[3 * i], mesh[3 * i + 1], mesh[3 * i + 2]);

    private static double Sq(double x) => x * x;

    /// <inheritdoc />
    public void Dispose() => _tracker.Dispose();
}
