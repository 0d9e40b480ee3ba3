using Microsoft.Extensions.Logging;
using Npga.Live.Core;
using Npga.Live.Pipeline.Live;
using Npga.Live.Server.Avatars;
using Npga.Live.Tracking;

namespace Npga.Live.Server.Sessions;

/// <summary>What every session draws on: the avatars offered and the expression pad's corners (null when the expression
/// model has no <c>presets.json</c>).</summary>
public sealed record LiveAssets(AvatarCatalog Catalog, ExpressionPresets? Presets)
{
    /// <summary>Where the presets were looked for (<c>models/expression/&lt;model&gt;/presets.json</c> of the content root); null when not loaded by <see cref="Load"/>.</summary>
    public string? PresetsPath { get; init; }

    /// <summary>
    /// Reads the avatar catalogue of <see cref="LiveOptions.AvatarsDir"/> (set: <see cref="LiveOptions.Load"/>) for the
    /// tracker's expression model, and that model's presets when there are any.
    /// </summary>
    /// <exception cref="ArgumentException"><see cref="LiveOptions.AvatarsDir"/> is not set.</exception>
    /// <exception cref="DirectoryNotFoundException">The avatars folder does not exist.</exception>
    /// <exception cref="InvalidOperationException">The default avatar is not in the catalogue.</exception>
    /// <exception cref="InvalidDataException">The presets file is malformed.</exception>
    public static LiveAssets Load(LiveOptions options)
    {
        string modelId = TrackerOptions.DefaultExpressionModelId;
        var catalog = new AvatarCatalog(options.AvatarsDir ?? throw new ArgumentException("AvatarsDir is not set", nameof(options)), modelId);
        if (!catalog.Contains(options.DefaultAvatar))
            throw new InvalidOperationException($"the default avatar '{options.DefaultAvatar}' is not in {catalog.Directory} (offered: {string.Join(", ", catalog.Entries.Select(e => e.Id))})");
        var presetsPath = Path.Combine(ContentRoot.Models, "expression", modelId, "presets.json");
        return new LiveAssets(catalog, File.Exists(presetsPath) ? ExpressionPresets.Load(presetsPath) : null) { PresetsPath = presetsPath };
    }

    /// <summary>Logs, as warnings, the avatar folders not offered and the expression pad being off for want of presets.</summary>
    public void LogWarnings(ILogger log)
    {
        foreach (var s in Catalog.Skipped) log.LogWarning("avatar folder not offered: {Reason}", s);
        if (Presets is null) log.LogWarning("no expression presets at {Path}: the expression pad is off", PresetsPath);
    }
}
