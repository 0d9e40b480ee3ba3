using Npga.Live.Avatar;
using Npga.Live.Core;
using Npga.Live.Core.Imaging;
using Npga.Live.Tracking;
using Npga.Live.Tracking.Landmarks;

namespace Npga.Live.Pipeline;

/// <summary>Driver-versus-avatar expression measures over a clip (see <see cref="ExpressionTransfer"/>).</summary>
/// <param name="Frames">Frames of the driving clip.</param>
/// <param name="DriverFaces">Frames where the driver's face was tracked.</param>
/// <param name="AvatarFaces">Of those, frames where the tracker found the avatar's face in the render.</param>
/// <param name="MouthCorrelation">Pearson correlation of the inner-lip distance (<see cref="FaceMeasures.MouthOpen"/>).</param>
/// <param name="EyeCorrelation">Pearson correlation of the eye openness (<see cref="FaceMeasures.EyeOpen"/>).</param>
/// <param name="BrowCorrelation">Pearson correlation of the brow raise (<see cref="FaceMeasures.BrowRaise"/>).</param>
/// <param name="Driver">Per matched frame: the driver's measures.</param>
/// <param name="Avatar">Per matched frame: the re-tracked avatar's measures.</param>
public sealed record ExpressionTransferResult(int Frames, int DriverFaces, int AvatarFaces, double MouthCorrelation, double EyeCorrelation, double BrowCorrelation,
    IReadOnlyList<FaceMeasures> Driver, IReadOnlyList<FaceMeasures> Avatar)
{
    /// <summary>Correlates the paired measures (<see cref="Statistics.Pearson"/>; NaN with fewer than 3 pairs or no variance).</summary>
    /// <param name="frames">Frames of the driving clip.</param>
    /// <param name="driverFaces">Frames where the driver's face was tracked.</param>
    /// <param name="driver">Per matched frame: the driver's measures.</param>
    /// <param name="avatar">Per matched frame: the re-tracked avatar's measures, as many as <paramref name="driver"/>.</param>
    /// <returns>The correlations with their bootstrap intervals (<see cref="MouthInterval"/>).</returns>
    /// <exception cref="ArgumentException">The two series differ in length.</exception>
    /// <param name="driverGaze">Per matched frame: the driver's gaze (<c>TrackResult.Gaze</c>, 4 floats), or null when the gaze was not read.</param>
    /// <param name="avatarGaze">Per matched frame: the re-tracked avatar's gaze, as many as <paramref name="driverGaze"/>.</param>
    /// <param name="gazeHeld">Per gaze pair: whether either face's gaze was held through closed eyes
    /// (<c>TrackResult.GazeHeld</c>) rather than read; those pairs are left out of the gaze correlations. Null: none held.</param>
    public static ExpressionTransferResult Correlate(int frames, int driverFaces, IReadOnlyList<FaceMeasures> driver, IReadOnlyList<FaceMeasures> avatar,
        IReadOnlyList<float[]>? driverGaze = null, IReadOnlyList<float[]>? avatarGaze = null, IReadOnlyList<bool>? gazeHeld = null)
    {
        if (driver.Count != avatar.Count) throw new ArgumentException("the driver's and the avatar's series differ in length");
        if ((driverGaze is null) != (avatarGaze is null) || (driverGaze is not null && driverGaze.Count != avatarGaze!.Count))
            throw new ArgumentException("the driver's and the avatar's gaze series differ in length");
        if (gazeHeld is not null && gazeHeld.Count != (driverGaze?.Count ?? 0))
            throw new ArgumentException("the held flags and the gaze series differ in length");
        static double[] Series(IReadOnlyList<FaceMeasures> s, Func<FaceMeasures, float> pick) => s.Select(m => (double)pick(m)).ToArray();
        var (dm, am) = (Series(driver, m => m.MouthOpen), Series(avatar, m => m.MouthOpen));
        var (de, ae) = (Series(driver, m => m.EyeOpen), Series(avatar, m => m.EyeOpen));
        var (db, ab) = (Series(driver, m => m.BrowRaise), Series(avatar, m => m.BrowRaise));
        // the gaze of both eyes together: horizontal = the mean of the two along-values, vertical = of the two across-values
        double[] Gaze(IReadOnlyList<float[]>? s, int c) =>
            s is null ? [] : s.Where((_, i) => gazeHeld is null || !gazeHeld[i]).Select(g => 0.5 * (g[c] + g[c + 2])).ToArray();
        var (dgx, agx, dgy, agy) = (Gaze(driverGaze, 0), Gaze(avatarGaze, 0), Gaze(driverGaze, 1), Gaze(avatarGaze, 1));
        return new(frames, driverFaces, avatar.Count, Statistics.Pearson(dm, am), Statistics.Pearson(de, ae), Statistics.Pearson(db, ab), driver, avatar)
        {
            MouthInterval = Statistics.PearsonBlockBootstrap(dm, am),
            EyeInterval = Statistics.PearsonBlockBootstrap(de, ae),
            BrowInterval = Statistics.PearsonBlockBootstrap(db, ab),
            GazePairs = dgx.Length,
            GazeHeldFrames = gazeHeld?.Count(h => h) ?? 0,
            DriverGaze = driverGaze ?? [],
            AvatarGaze = avatarGaze ?? [],
            GazeHeld = gazeHeld ?? [],
            GazeXCorrelation = dgx.Length > 0 ? Statistics.Pearson(dgx, agx) : double.NaN,
            GazeYCorrelation = dgy.Length > 0 ? Statistics.Pearson(dgy, agy) : double.NaN,
            GazeXInterval = dgx.Length > 0 ? Statistics.PearsonBlockBootstrap(dgx, agx) : (double.NaN, double.NaN),
            GazeYInterval = dgy.Length > 0 ? Statistics.PearsonBlockBootstrap(dgy, agy) : (double.NaN, double.NaN),
        };
    }

    /// <summary>Matched frames whose gaze was read on both faces (0 when the gaze was not read): the frames the gaze
    /// correlations are taken over.</summary>
    public int GazePairs { get; init; }

    /// <summary>
    /// Matched frames left out of the gaze correlations because either face's eyes read closed and its tracker held the
    /// last gaze read open (<see cref="Tracking.Landmarks.BlinkGazeHold"/>): a held gaze is no reading. While a driver
    /// narrows their eyes for seconds, their held gaze stands still while the avatar's lids come down with the code and
    /// the Iris model reads the half-covered iris lower; counted in, those frames alone took d14's up-down figure on the
    /// default with lids from 0.54 to 0.27 (docs/EXPERIMENTS.md).
    /// </summary>
    public int GazeHeldFrames { get; init; }

    /// <summary>Per matched frame: the driving clip's frame index (as many as <see cref="Driver"/>; empty when not recorded).</summary>
    public IReadOnlyList<long> FrameIndices { get; init; } = [];

    /// <summary>Per matched frame: the driver's gaze (4 floats, <c>TrackResult.Gaze</c>), as given to <see cref="Correlate"/>; empty when the gaze was not read.</summary>
    public IReadOnlyList<float[]> DriverGaze { get; init; } = [];

    /// <summary>Per matched frame: the re-tracked avatar's gaze, as <see cref="DriverGaze"/>.</summary>
    public IReadOnlyList<float[]> AvatarGaze { get; init; } = [];

    /// <summary>Per matched frame: whether either face's gaze was held (<see cref="GazeHeldFrames"/>); empty when the gaze was not read.</summary>
    public IReadOnlyList<bool> GazeHeld { get; init; } = [];

    /// <summary>
    /// The per-frame series as CSV (one header line, then one line per matched frame, invariant culture): frame, then the
    /// driver's and the avatar's mouth, eye, brow and mouth-width measures, then, when the gaze was read, each one's 4 gaze values and whether either was held (1) or both read (0).
    /// </summary>
    public string SeriesCsv()
    {
        var ci = System.Globalization.CultureInfo.InvariantCulture;
        var gaze = DriverGaze.Count == Driver.Count && Driver.Count > 0;
        var sb = new System.Text.StringBuilder("frame,driver_mouth,driver_eye,driver_brow,driver_width,avatar_mouth,avatar_eye,avatar_brow,avatar_width");
        if (gaze) sb.Append(",driver_gaze0,driver_gaze1,driver_gaze2,driver_gaze3,avatar_gaze0,avatar_gaze1,avatar_gaze2,avatar_gaze3,gaze_held");
        sb.Append('\n');
        for (int i = 0; i < Driver.Count; i++)
        {
            var (d, a) = (Driver[i], Avatar[i]);
            sb.Append(ci, $"{(i < FrameIndices.Count ? FrameIndices[i] : i)},{d.MouthOpen},{d.EyeOpen},{d.BrowRaise},{d.MouthWidth},{a.MouthOpen},{a.EyeOpen},{a.BrowRaise},{a.MouthWidth}");
            if (gaze) sb.Append(',').Append(string.Join(',', DriverGaze[i].Concat(AvatarGaze[i]).Select(v => v.ToString(ci)))).Append(GazeHeld.Count > i && GazeHeld[i] ? ",1" : ",0");
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Pearson correlation of the horizontal gaze (the iris along the eye line, both eyes' mean; NaN when not read):
    /// whether the avatar's irises turn left and right with the driver's.</summary>
    public double GazeXCorrelation { get; init; } = double.NaN;

    /// <summary>Pearson correlation of the vertical gaze (the iris across the eye line, both eyes' mean; NaN when not read).</summary>
    public double GazeYCorrelation { get; init; } = double.NaN;

    /// <summary>95% interval of <see cref="GazeXCorrelation"/>, as <see cref="MouthInterval"/>.</summary>
    public (double Low, double High) GazeXInterval { get; init; } = (double.NaN, double.NaN);

    /// <summary>95% interval of <see cref="GazeYCorrelation"/>, as <see cref="MouthInterval"/>.</summary>
    public (double Low, double High) GazeYInterval { get; init; } = (double.NaN, double.NaN);

    /// <summary>
    /// 95% interval of <see cref="MouthCorrelation"/> by the moving-block bootstrap over frames (1 s blocks,
    /// <see cref="Statistics.PearsonBlockBootstrap"/>): how much the figure rests on a few events. (NaN, NaN) when undefined.
    /// </summary>
    public (double Low, double High) MouthInterval { get; init; } = (double.NaN, double.NaN);

    /// <summary>95% interval of <see cref="EyeCorrelation"/>, as <see cref="MouthInterval"/>.</summary>
    public (double Low, double High) EyeInterval { get; init; } = (double.NaN, double.NaN);

    /// <summary>95% interval of <see cref="BrowCorrelation"/>, as <see cref="MouthInterval"/>.</summary>
    public (double Low, double High) BrowInterval { get; init; } = (double.NaN, double.NaN);

    /// <summary>The correlations with their 95% intervals, for logs: "mouth 0.768 [0.29, 0.91], eyes …, brows …" and, when the
    /// gaze was read, "gaze x …, gaze y …".</summary>
    public string Describe()
    {
        static string One(string name, double r, (double Low, double High) ci) =>
            double.IsFinite(ci.Low) ? $"{name} {r:F3} [{ci.Low:F2}, {ci.High:F2}]" : $"{name} {r:F3}";
        var parts = new List<string> { One("mouth", MouthCorrelation, MouthInterval), One("eyes", EyeCorrelation, EyeInterval), One("brows", BrowCorrelation, BrowInterval) };
        if (GazePairs > 0) parts.AddRange([One("gaze x", GazeXCorrelation, GazeXInterval), One("gaze y", GazeYCorrelation, GazeYInterval) + $" ({GazePairs} frames read, {GazeHeldFrames} held)"]);
        return string.Join(", ", parts);
    }
}

/// <summary>
/// Expression fidelity of an avatar: each frame of a driving clip is tracked (z_exp, head pose), the avatar is rendered
/// with that code through its default camera, turned as the driver turns away from their rest pose
/// (<see cref="Reenact.DriverRestPose"/>, as <c>npga reenact</c> and the live server drive it) or, with
/// <c>headPose: false</c>, at its own rest pose, and the render is tracked again by the same tracker (landmarks only
/// and unsmoothed, <see cref="ReTrackerOptions"/>); the driver's and the avatar's scale-free measures (inner-lip
/// distance, eye openness, brow raise) are then correlated over the clip. A correlation near 1 means the avatar's
/// mouth, eyes and brows rise and fall with the driver's. The measures are read in the image plane, so a head that
/// pitches changes them a little for the driver; an avatar that follows the head shows the same effect, one held still
/// does not.
/// </summary>
public static class ExpressionTransfer
{
    /// <summary>
    /// Settings of the tracker that reads the avatar's frames: landmarks only (no code fit) and no One Euro smoothing. The
    /// avatar is rendered from the driver's smoothed track, so both measured series have passed the filter once; a smoothed
    /// re-tracker would filter the avatar's series a second time and delay it against the driver's by about a frame (the
    /// default avatar's lagged correlation then peaked one frame late on d6, d9 and d14; unsmoothed it peaks at lag 0).
    /// </summary>
    /// <param name="threads">ORT intra-op threads per tracker model.</param>
    /// <param name="gaze">Also read the gaze (<see cref="TrackerOptions.Gaze"/>: two Iris runs a frame).</param>
    public static TrackerOptions ReTrackerOptions(int threads = 1, bool gaze = false) => new() { ExpressionModel = "", Smoothing = false, Threads = threads, Gaze = gaze };

    /// <summary>Runs the measurement.</summary>
    /// <param name="package">The avatar.</param>
    /// <param name="driving">Frames of the driving clip, in order.</param>
    /// <param name="width">Render width, pixels.</param>
    /// <param name="height">Render height, pixels.</param>
    /// <param name="onFrame">Called with each rendered frame (for saving examples), or null.</param>
    /// <param name="headPose">Turn the avatar's head with the driver's (relative to their rest pose); false keeps it at rest.</param>
    /// <param name="gaze">Read the gaze of both faces and correlate it (<see cref="ExpressionTransferResult.GazeXCorrelation"/>); an
    /// avatar that takes gaze (<see cref="AvatarManifest.Gaze"/>) is then driven by it, relative to the driver's rest
    /// (<see cref="Reenact.GazeNeutral"/>), as live. False: neither is read.</param>
    /// <exception cref="InvalidDataException">The tracker fits codes of another expression model than the avatar's.</exception>
    public static ExpressionTransferResult Measure(AvatarPackage package, IEnumerable<VideoFrame> driving, int width, int height, Action<long, RgbImage>? onFrame = null,
        bool headPose = true, bool gaze = false)
    {
        using var driverTracker = new FaceTracker(new TrackerOptions { Gaze = gaze });
        using var avatarTracker = new FaceTracker(ReTrackerOptions(gaze: gaze));
        if (driverTracker.ExpressionModel!.Id != package.Manifest.ExpressionModel.Id)
            throw new InvalidDataException($"the tracker fits {driverTracker.ExpressionModel.Id}; avatar {package.Manifest.Name} is driven by {package.Manifest.ExpressionModel.Id}");
        using var renderer = new AvatarFrameRenderer(package, width, height);
        var img = new RgbImage(width, height);
        var rest = new Reenact.DriverRestPose();
        var driver = new List<FaceMeasures>();
        var avatar = new List<FaceMeasures>();
        var indices = new List<long>();
        List<bool>? held = gaze ? [] : null;
        List<float[]>? driverGaze = gaze ? [] : null, avatarGaze = gaze ? [] : null;
        var gazeRest = new Reenact.GazeNeutral(IrisModel.GazeDim);
        var relative = new float[IrisModel.GazeDim];
        int frames = 0, driverFaces = 0;
        foreach (var f in driving)
        {
            frames++;
            var d = driverTracker.Track(f.Image, f.Index, f.Time.TotalSeconds);
            if (!d.Face || d.Pose is null) continue;
            driverFaces++;
            if (d.Gaze is { } g) gazeRest.Update(g, f.Time.TotalSeconds, relative);
            renderer.RenderTurned(d.Pose.ZExp, headPose ? rest.Relative(d.Pose).Rotation : [], renderer.BaseCamera, img, d.Gaze is null ? default : relative);
            onFrame?.Invoke(f.Index, img);
            var a = avatarTracker.Track(img, f.Index, f.Time.TotalSeconds);
            if (!a.Face || (gaze && (d.Gaze is null || a.Gaze is null))) continue;
            driver.Add(FaceMeasures.From(d.LandmarksPx!));
            avatar.Add(FaceMeasures.From(a.LandmarksPx!));
            indices.Add(f.Index);
            driverGaze?.Add(d.Gaze!);
            avatarGaze?.Add(a.Gaze!);
            held?.Add(d.GazeHeld || a.GazeHeld);
        }
        return ExpressionTransferResult.Correlate(frames, driverFaces, driver, avatar, driverGaze, avatarGaze, held) with { FrameIndices = indices };
    }
}
