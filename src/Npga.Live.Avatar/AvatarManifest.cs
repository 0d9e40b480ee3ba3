using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Npga.Live.Avatar.Deform;
using Npga.Live.Core.Gaussians;

namespace Npga.Live.Avatar;

/// <summary>
/// The manifest <c>avatar.json</c> of an avatar package, format <c>npga-avatar/1</c> (docs/architecture.md).
/// JSON names are snake_case (<c>created_by</c>, <c>sh_degree</c>, ...), except <c>K</c>, <c>F</c>, <c>G</c>,
/// <c>F_split</c>, <c>G_split</c>, <c>R</c> which keep the paper's letters. Every member except
/// <see cref="Metrics"/> is required; unknown members are ignored (a reader of the same format version may
/// see fields a newer writer added). <see cref="Read"/> and <see cref="Parse"/> validate what they read
/// (see <see cref="Validate"/>).
/// </summary>
public sealed record AvatarManifest
{
    /// <summary>The format string this library reads and writes: <c>npga-avatar/1</c>.</summary>
    public const string CurrentFormat = "npga-avatar/1";

    /// <summary>The manifest's file name inside a package: <c>avatar.json</c>.</summary>
    public const string FileName = "avatar.json";

    /// <summary>Format and version, always <see cref="CurrentFormat"/>.</summary>
    public required string Format { get; init; }

    /// <summary>Display name of the avatar (fixtures are named <c>fixture-...</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The tool that wrote the package.</summary>
    public required AvatarCreatedBy CreatedBy { get; init; }

    /// <summary>Where the avatar came from: input files and licence.</summary>
    public required AvatarSource Source { get; init; }

    /// <summary>The expression model whose codes z_exp drive the avatar (id and K).</summary>
    public required AvatarExpressionModelRef ExpressionModel { get; init; }

    /// <summary>SH degree d of the colour, 0..3; <c>canonical.ply</c> holds 3·(d+1)² SH values per Gaussian.</summary>
    public required int ShDegree { get; init; }

    /// <summary>Per-Gaussian feature dimension D of f (NPGA eq. 3), 1 or more (NPGA: 8).</summary>
    public required int FeatureDim { get; init; }

    /// <summary>Per-Gaussian latent channels L composited for the CNN (NPGA eq. 7), 0 or more.</summary>
    public required int LatentDim { get; init; }

    /// <summary>File names of the networks inside the package.</summary>
    public required AvatarNetworks Networks { get; init; }

    /// <summary>Default camera: intrinsics at a reference resolution and world→camera extrinsics (OpenCV axes).</summary>
    public required AvatarCameraSpec DefaultCamera { get; init; }

    /// <summary>Background colour [r, g, b], linear 0..1, composited behind the Gaussians.</summary>
    public required double[] Background { get; init; }

    /// <summary>
    /// The avatar's rest expression code r (<c>rest_code</c>, K floats), or null for zeros. A one-shot avatar is built from a
    /// photo whose own expression is its rest pose: the builder removes that expression from the canonical Gaussians (placing
    /// them in the prior's canonical space) and records it here, so that a driver at rest (z_exp ≈ 0 with the tracker's
    /// neutral adaptation) shows the photo's expression. The runtime drives such an avatar from its rest: F's displacement is
    /// F(μ; r) − F(μ; 0) + F(μ; z_exp), and G (when present) sees r + z_exp (<see cref="AvatarDynamics"/>).
    /// </summary>
    [JsonPropertyName("rest_code")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public float[]? RestCode { get; init; }

    /// <summary>
    /// How far, in degrees, the head may turn from the default camera's view and still show what training saw
    /// (<c>view_range_deg</c>), or null for no limit. A trained avatar is seen only from its clip's views: the trainer records
    /// the 95th percentile of the angle between its training frames' head-in-camera rotations and the default camera's
    /// (chosen as the training view nearest their mean). Beyond it, a monocular avatar's unseen sides show smears;
    /// <c>AvatarFrameRenderer.RenderTurned</c> compresses a driver's head rotation into this range.
    /// </summary>
    [JsonPropertyName("view_range_deg")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? ViewRangeDeg { get; init; }

    /// <summary>
    /// The avatar's gaze code (<c>gaze</c>), or null when its eyes do not take one. A trained avatar's eyeballs (<see cref="Eyes"/>)
    /// and, when <see cref="AvatarGazeCode.G"/>, its G after z_exp take the tracker's gaze (<c>TrackResult.Gaze</c>: per eye the
    /// iris centre along and across the eye line, in eye widths) as a code c = clip((g − mean) / std, ±clip), mean and std over
    /// its training frames; G's <c>z_exp</c> input is then [1, K + dim]. The runtime puts the driver's own resting gaze in place
    /// of mean (<see cref="AvatarGazeCode"/>).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AvatarGazeCode? Gaze { get; init; }

    /// <summary>
    /// The avatar's eyeballs (<c>eyes</c>), or null. With them, the Gaussians in each eye's opening turn about the eyeball's
    /// centre with the gaze (<see cref="AvatarEyes"/>); the gaze code's normalisation is <see cref="Gaze"/>'s, which must be given.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AvatarEyeRig? Eyes { get; init; }

    /// <summary>
    /// The avatar's upper lids (<c>lids</c>), or null. With them each eye's cap turns down over its eyeball as z_exp closes
    /// the eye (<see cref="AvatarLids"/>); they need <see cref="Eyes"/>.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AvatarLidRig? Lids { get; init; }

    /// <summary>Length of the whole code the runtime builds: K, plus the gaze code's length when the avatar has one.</summary>
    [JsonIgnore]
    public int CodeDim => ExpressionModel.K + (Gaze?.Dim ?? 0);

    /// <summary>Length of G's <c>z_exp</c> input: K, plus the gaze code's length when G takes it (<see cref="AvatarGazeCode.G"/>).</summary>
    [JsonIgnore]
    public int GCodeDim => ExpressionModel.K + (Gaze is { G: true } gz ? gz.Dim : 0);

    /// <summary>Free-form training metrics (PSNR, LPIPS, steps, ...); null when the avatar was not trained (fixtures, imports).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonObject? Metrics { get; init; }

    /// <summary>Reads and validates <c>avatar.json</c> at <paramref name="path"/>.</summary>
    /// <exception cref="AvatarFormatException">The file is missing or unreadable, not JSON, of another format version, missing fields, or holds values out of range; the message names the file and the field.</exception>
    public static AvatarManifest Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new AvatarFormatException(path, Directory.Exists(path) ? "is a directory, not the manifest file" : "manifest file is missing");
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AvatarFormatException(path, $"cannot be read: {e.Message}", e);
        }
        return Parse(json, path);
    }

    /// <summary>Parses and validates manifest JSON.</summary>
    /// <param name="json">The content of <c>avatar.json</c>.</param>
    /// <param name="source">The file name used in error messages.</param>
    /// <exception cref="AvatarFormatException">Not JSON, not an object, no or another <c>format</c>, a missing or mistyped field, or a value out of range.</exception>
    public static AvatarManifest Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(source);
        // The format string first: a newer version may lay out everything else differently.
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new AvatarFormatException(source, $"is not a JSON object (found {doc.RootElement.ValueKind})");
            if (!doc.RootElement.TryGetProperty("format", out var format))
                throw new AvatarFormatException(source, $"missing field 'format' (expected \"{CurrentFormat}\")");
            if (format.ValueKind != JsonValueKind.String || format.GetString() != CurrentFormat)
                throw new AvatarFormatException(source,
                    $"unknown format {format.GetRawText()}: this reader knows \"{CurrentFormat}\" only");
            RequireValidStrings(doc.RootElement);
        }
        // ArgumentException: the text is not valid UTF-16 (a lone surrogate); InvalidOperationException: a string escapes one ("\ud800").
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            throw new AvatarFormatException(source, $"malformed JSON: {e.Message}", e);
        }

        AvatarManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<AvatarManifest>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new AvatarFormatException(source, $"does not match the {CurrentFormat} manifest schema: {e.Message}", e);
        }
        if (manifest is null) throw new AvatarFormatException(source, "is JSON null");
        manifest.Validate(source);
        return manifest;
    }

    /// <summary>
    /// Reads every string and property name once. A string that escapes a lone surrogate (<c>"\ud800"</c>) parses, but
    /// reading it throws <see cref="InvalidOperationException"/>: later, wherever it is read (a <c>source.credit</c> when the
    /// server lists its avatars, <see cref="Metrics"/> when the manifest is written back).
    /// </summary>
    /// <exception cref="InvalidOperationException">Such a string.</exception>
    private static void RequireValidStrings(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                _ = element.GetString();
                break;
            case JsonValueKind.Object:
                foreach (var p in element.EnumerateObject())
                {
                    _ = p.Name;
                    RequireValidStrings(p.Value);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray()) RequireValidStrings(item);
                break;
        }
    }

    /// <summary>
    /// Checks the values: format; non-empty name, tool, licence and expression model id; K ≥ 1; sh_degree 0..3;
    /// feature_dim ≥ 1; latent_dim ≥ 0; network entries are plain file names (no folders), F given, each split
    /// two files, G_split only with G; camera size and focal lengths positive, R 9 finite values forming a rotation
    /// (RᵀR = I and det R = +1 within 1e-3), t 3 finite values; background three values in 0..1.
    /// </summary>
    /// <param name="source">The file name used in error messages.</param>
    /// <exception cref="AvatarFormatException">A value is out of range; the message names the field.</exception>
    public void Validate(string source)
    {
        void Fail(string problem) => throw new AvatarFormatException(source, problem);
        if (Format != CurrentFormat) Fail($"unknown format \"{Format}\": this reader knows \"{CurrentFormat}\" only");
        if (string.IsNullOrWhiteSpace(Name)) Fail("name is empty");
        if (CreatedBy is null || string.IsNullOrWhiteSpace(CreatedBy.Tool)) Fail("created_by.tool is empty");
        if (Source is null || Source.Files is null) Fail("source.files is missing");
        if (string.IsNullOrWhiteSpace(Source!.Licence)) Fail("source.licence is empty");
        if (ExpressionModel is null || string.IsNullOrWhiteSpace(ExpressionModel.Id)) Fail("expression_model.id is empty");
        if (ExpressionModel!.K < 1) Fail($"expression_model.K is {ExpressionModel.K}; it must be 1 or more");
        if (ShDegree is < 0 or > 3) Fail($"sh_degree is {ShDegree}; it must be 0..3");
        if (FeatureDim < 1) Fail($"feature_dim is {FeatureDim}; F and G need at least one feature");
        if (LatentDim < 0) Fail($"latent_dim is {LatentDim}; it must be 0 or more");
        if (Networks is null) Fail("networks is missing");
        Networks!.Validate(source);
        if (DefaultCamera is null) Fail("default_camera is missing");
        DefaultCamera!.Validate(source);
        if (RestCode is not null && (RestCode.Length != ExpressionModel.K || RestCode.Any(v => !float.IsFinite(v))))
            Fail($"rest_code has {RestCode.Length} values; expected K = {ExpressionModel.K} finite values");
        if (ViewRangeDeg is { } range && !(range > 0 && range <= 180)) Fail($"view_range_deg is {range}; it must be in (0, 180]");
        Gaze?.Validate(source);
        if (Gaze is { G: true } && Networks!.G is null) Fail("gaze is given to G (gaze.g) but there is no G to take it");
        if (Gaze is { G: false } && Eyes is null) Fail("gaze is given to neither G (gaze.g is false) nor the eyes");
        if (Eyes is not null && Gaze is not { Dim: AvatarEyeRig.GazeDim })
            Fail($"eyes need the gaze block with dim = {AvatarEyeRig.GazeDim} (its std scales the eyeballs' turn)");
        Eyes?.Validate(source);
        if (Lids is not null && Eyes is null) Fail("lids need the eyes block (they turn about the eyeballs' centres)");
        Lids?.Validate(source, ExpressionModel.K);
        if (Background is null || Background.Length != 3) Fail($"background has {Background?.Length ?? 0} values; expected 3 (r, g, b)");
        foreach (var c in Background!)
            if (!(c >= 0 && c <= 1)) Fail($"background value {c} is outside 0..1");
    }

    /// <summary>The manifest as indented JSON (the content of <c>avatar.json</c>).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions) + "\n";

    /// <summary>The serializer settings of <c>npga-avatar/1</c>: snake_case, nullable annotations respected, indented.</summary>
    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        WriteIndented = true,
    };
}

/// <summary>The tool that wrote an avatar package (<c>created_by</c>).</summary>
public sealed record AvatarCreatedBy
{
    /// <summary>Tool name or script path, e.g. <c>scripts/npga/train.py</c>.</summary>
    public required string Tool { get; init; }

    /// <summary>Tool version.</summary>
    public required string Version { get; init; }
}

/// <summary>Provenance of an avatar (<c>source</c>): the input files and their licence, plus any further fields.</summary>
public sealed record AvatarSource
{
    /// <summary>Input files (recordings, datasets) the avatar was built from; empty for generated fixtures.</summary>
    public required IReadOnlyList<string> Files { get; init; }

    /// <summary>Licence of the inputs and so of the avatar (SPDX id or words).</summary>
    public required string Licence { get; init; }

    /// <summary>Further fields (<c>note</c>, <c>consent</c>, <c>url</c>, ...), kept as they were read and written back.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>The expression model an avatar is driven by (<c>expression_model</c>).</summary>
public sealed record AvatarExpressionModelRef
{
    /// <summary>Id of the expression model, e.g. <c>mp468-pca-v1</c> (models/expression/&lt;id&gt;/).</summary>
    public required string Id { get; init; }

    /// <summary>Dimension K of its codes z_exp (15 for <c>mp468-pca-v1</c>).</summary>
    [JsonPropertyName("K")]
    public required int K { get; init; }
}

/// <summary>
/// How an avatar takes the gaze (<c>gaze</c>; read by its eyeballs, <see cref="AvatarManifest.Eyes"/>, and by G when
/// <see cref="G"/>): the code c_j = clip((g_j − m_j) / <see cref="Std"/>_j, ±<see cref="Clip"/>)
/// of the tracker's gaze g (<c>TrackResult.Gaze</c>, eye widths). In training m is <see cref="Mean"/>, the training frames'
/// mean. Live, the driver's gaze is taken relative to their own resting gaze, estimated over the stream (the pipeline's
/// GazeNeutral), and shown relative to the avatar's resting gaze (<see cref="RestGaze"/>: its mean, eyes not crossed), so
/// that a driver at rest shows the avatar looking ahead and their eye movements carry over (<see cref="Encode"/>).
/// </summary>
public sealed record AvatarGazeCode
{
    /// <summary>Values of the gaze (4: the right eye along, across; the left eye along, across).</summary>
    public required int Dim { get; init; }

    /// <summary>Mean gaze over the training frames, <see cref="Dim"/> values, eye widths.</summary>
    public required double[] Mean { get; init; }

    /// <summary>Standard deviation of the gaze over the training frames, <see cref="Dim"/> positive values, eye widths.</summary>
    public required double[] Std { get; init; }

    /// <summary>Bound of the code, standard deviations (5).</summary>
    public required double Clip { get; init; }

    /// <summary>Whether G takes the code after z_exp (<c>g</c>, default true): its <c>z_exp</c> input is then [1, K + <see cref="Dim"/>].
    /// False for an avatar whose eyeballs alone take the gaze (<see cref="AvatarManifest.Eyes"/>).</summary>
    public bool G { get; init; } = true;

    /// <summary>Largest convergence of the resting gaze (<see cref="RestGaze"/>), eye widths per eye: 0.025, about 3.6° of
    /// turn per eye for the eyeballs' 11 mm radius and a 30 mm wide eye, the two eyes meeting at a screen about 50 cm away.</summary>
    public const double MaxRestVergence = 0.025;

    /// <summary>
    /// The gaze the avatar shows for a driver at rest, and when no gaze is read (eye widths, <see cref="Dim"/> values):
    /// <see cref="Mean"/>, except that for two eyes (<see cref="Dim"/> 4) their convergence v = (m₀ − m₂)/2 is kept within
    /// [0, <see cref="MaxRestVergence"/>] (the along values point from the right eye to the left, so + is towards the nose
    /// for the right eye and away from it for the left), their common direction (m₀ + m₂)/2 and the across values kept.
    /// A person who crosses their eyes often in the training clip (d6: v = 0.14, 2.5 of her gaze's standard deviations)
    /// would otherwise look cross-eyed at rest; d9's and d14's means (v = 0.026 and 0.005) move by at most 0.001.
    /// </summary>
    /// <returns>A new array of <see cref="Dim"/> values.</returns>
    public double[] RestGaze()
    {
        var rest = new double[Dim];
        WriteRest(rest);
        return rest;
    }

    private void WriteRest(Span<double> rest)
    {
        Mean.CopyTo(rest);
        if (Dim != 4) return;
        double common = 0.5 * (Mean[0] + Mean[2]), vergence = Math.Clamp(0.5 * (Mean[0] - Mean[2]), 0, MaxRestVergence);
        rest[0] = common + vergence;
        rest[2] = common - vergence;
    }

    /// <summary>
    /// Writes the code of a gaze given relative to the driver's resting gaze, shown relative to the avatar's own
    /// (<see cref="RestGaze"/>): c_j = clip((Δg_j + rest_j − <see cref="Mean"/>_j) / <see cref="Std"/>_j, ±<see cref="Clip"/>).
    /// </summary>
    /// <param name="relative">Δg = g − the driver's resting gaze, <see cref="Dim"/> floats (eye widths), or empty: no gaze read
    /// (Δg = 0, the avatar's resting gaze); a non-finite value counts as 0.</param>
    /// <param name="code"><see cref="Dim"/> floats written.</param>
    /// <exception cref="ArgumentException">A length is not <see cref="Dim"/>.</exception>
    public void Encode(ReadOnlySpan<float> relative, Span<float> code)
    {
        if (code.Length != Dim) throw new ArgumentException($"the gaze code takes {Dim} floats", nameof(code));
        if (!relative.IsEmpty && relative.Length != Dim) throw new ArgumentException($"the gaze has {relative.Length} values; expected {Dim}", nameof(relative));
        Span<double> rest = stackalloc double[Dim];
        WriteRest(rest);
        for (int j = 0; j < Dim; j++)
        {
            double d = !relative.IsEmpty && float.IsFinite(relative[j]) ? relative[j] : 0;
            code[j] = (float)Math.Clamp((d + rest[j] - Mean[j]) / Std[j], -Clip, Clip);
        }
    }

    /// <summary>Checks the values' ranges.</summary>
    /// <exception cref="AvatarFormatException">A length differs from <see cref="Dim"/>, a spread is not positive, or the bound is not positive.</exception>
    public void Validate(string source)
    {
        if (Dim < 1) throw new AvatarFormatException(source, $"gaze.dim is {Dim}; it must be 1 or more");
        if (Mean is null || Mean.Length != Dim || Mean.Any(v => !double.IsFinite(v)))
            throw new AvatarFormatException(source, $"gaze.mean must hold dim = {Dim} finite values");
        if (Std is null || Std.Length != Dim || Std.Any(v => !(v > 0) || !double.IsFinite(v)))
            throw new AvatarFormatException(source, $"gaze.std must hold dim = {Dim} positive values");
        if (!(Clip > 0) || !double.IsFinite(Clip)) throw new AvatarFormatException(source, $"gaze.clip is {Clip}; it must be positive");
    }
}

/// <summary>
/// The networks of a package (<c>networks</c>), as file names inside the package directory. F is required;
/// G and the CNN are optional (JSON null). <see cref="FSplit"/> and <see cref="GSplit"/> optionally name the
/// export-time split of F and G: [pre, post] where pre(mu, feat) → h0 [N,H] is the first layer's
/// pre-activation without the z_exp term (bias included), and post(h0, z_exp) adds W_z·z_exp, applies the
/// activation and the remaining layers, giving the same outputs as the whole network.
/// </summary>
public sealed record AvatarNetworks
{
    /// <summary>Deformation prior F (NPGA eq. 4): mu [N,3], feat [N,D], z_exp [1,K] → d_mu [N,3].</summary>
    [JsonPropertyName("F")]
    public required string F { get; init; }

    /// <summary>Detail network G (NPGA eq. 5), or null: same inputs → d_mu, d_rot, d_scale, d_opacity, d_sh, d_latent.</summary>
    [JsonPropertyName("G")]
    public string? G { get; init; }

    /// <summary>Screen-space CNN (NPGA eq. 7), or null: image [1,3+L,H,W] → rgb [1,3,H,W].</summary>
    public string? Cnn { get; init; }

    /// <summary>F split at export: [F_pre, F_post], or null.</summary>
    [JsonPropertyName("F_split")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string[]? FSplit { get; init; }

    /// <summary>G split at export: [G_pre, G_post], or null (only with G).</summary>
    [JsonPropertyName("G_split")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string[]? GSplit { get; init; }

    /// <summary>Every file named, in the order F, F_split, G, G_split, cnn.</summary>
    public IEnumerable<string> AllFiles()
    {
        yield return F;
        foreach (var f in FSplit ?? []) yield return f;
        if (G is not null) yield return G;
        foreach (var f in GSplit ?? []) yield return f;
        if (Cnn is not null) yield return Cnn;
    }

    internal void Validate(string source)
    {
        CheckName(source, "networks.F", F);
        if (G is not null) CheckName(source, "networks.G", G);
        if (Cnn is not null) CheckName(source, "networks.cnn", Cnn);
        CheckSplit(source, "networks.F_split", FSplit);
        CheckSplit(source, "networks.G_split", GSplit);
        if (GSplit is not null && G is null)
            throw new AvatarFormatException(source, "networks.G_split is given but networks.G is null");
    }

    private static void CheckSplit(string source, string field, string[]? split)
    {
        if (split is null) return;
        if (split.Length != 2)
            throw new AvatarFormatException(source, $"{field} has {split.Length} entries; expected 2 ([pre, post])");
        CheckName(source, field + "[0]", split[0]);
        CheckName(source, field + "[1]", split[1]);
    }

    private static void CheckName(string source, string field, string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new AvatarFormatException(source, $"{field} is empty");
        if (name != Path.GetFileName(name) || name is "." or ".." || name.Contains('/') || name.Contains('\\'))
            throw new AvatarFormatException(source, $"{field} is \"{name}\"; it must be a plain file name inside the package");
    }
}

/// <summary>
/// The default camera of an avatar (<c>default_camera</c>): intrinsics at a reference resolution and the
/// world→camera extrinsics in OpenCV axes (x right, y down, z forward): x_c = R·X + t, with X in the canonical
/// head frame (metres).
/// </summary>
public sealed record AvatarCameraSpec
{
    /// <summary>Reference image width, pixels.</summary>
    public required int Width { get; init; }

    /// <summary>Reference image height, pixels.</summary>
    public required int Height { get; init; }

    /// <summary>Focal length x, pixels.</summary>
    public required double Fx { get; init; }

    /// <summary>Focal length y, pixels.</summary>
    public required double Fy { get; init; }

    /// <summary>Principal point x, pixels.</summary>
    public required double Cx { get; init; }

    /// <summary>Principal point y, pixels.</summary>
    public required double Cy { get; init; }

    /// <summary>World→camera rotation, 9 values, row-major 3×3.</summary>
    [JsonPropertyName("R")]
    public required double[] R { get; init; }

    /// <summary>World→camera translation, 3 values, metres.</summary>
    public required double[] T { get; init; }

    /// <summary>The camera as the renderer's <see cref="Camera"/> (arrays copied).</summary>
    public Camera ToCamera() => new(Width, Height, Fx, Fy, Cx, Cy, (double[])R.Clone(), (double[])T.Clone());

    /// <summary>The spec of <paramref name="camera"/> (arrays copied).</summary>
    public static AvatarCameraSpec FromCamera(Camera camera)
    {
        ArgumentNullException.ThrowIfNull(camera);
        return new AvatarCameraSpec
        {
            Width = camera.Width, Height = camera.Height, Fx = camera.Fx, Fy = camera.Fy, Cx = camera.Cx, Cy = camera.Cy,
            R = (double[])camera.R.Clone(), T = (double[])camera.T.Clone(),
        };
    }

    internal void Validate(string source)
    {
        void Fail(string problem) => throw new AvatarFormatException(source, "default_camera: " + problem);
        if (Width < 1 || Height < 1) Fail($"size {Width}x{Height} is not positive");
        if (!(Fx > 0) || !(Fy > 0) || !double.IsFinite(Fx) || !double.IsFinite(Fy)) Fail($"focal lengths fx {Fx}, fy {Fy} must be positive and finite");
        if (!double.IsFinite(Cx) || !double.IsFinite(Cy)) Fail($"principal point ({Cx}, {Cy}) is not finite");
        if (R is null || R.Length != 9) Fail($"R has {R?.Length ?? 0} values; expected 9 (row-major 3x3)");
        if (T is null || T.Length != 3) Fail($"t has {T?.Length ?? 0} values; expected 3");
        if (!R!.All(double.IsFinite) || !T!.All(double.IsFinite)) Fail("R or t holds a non-finite value");
        if (!Rotation.IsRotation(R, 1e-3)) Fail("R is not a rotation (RᵀR must be I and det R +1)");
    }
}
