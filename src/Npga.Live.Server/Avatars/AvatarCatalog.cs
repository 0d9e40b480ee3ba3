using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Npga.Live.Avatar;

namespace Npga.Live.Server.Avatars;

/// <summary>One avatar the server offers: its id (folder name), display name and credit line.</summary>
/// <param name="Id">Folder name under the avatars folder; what <c>Join</c>/<c>SetAvatar</c> name.</param>
/// <param name="Name">The manifest's <c>name</c>.</param>
/// <param name="Credit">The manifest's <c>source.credit</c>, or its licence when there is none.</param>
public sealed record AvatarEntry(string Id, string Name, string Credit);

/// <summary>
/// The avatar packages (<c>npga-avatar/1</c>) in one folder, one sub-folder each, listed from their manifests and loaded
/// once on first use; loaded packages are shared by every session (a package is read-only; each session builds its own
/// renderer and network runners on it). Only packages driven by the tracker's expression model are offered.
/// </summary>
public sealed partial class AvatarCatalog
{
    private readonly string _dir;
    private readonly string _expressionModelId;
    private readonly ConcurrentDictionary<string, Lazy<AvatarPackage>> _loaded = new();

    /// <summary>Lists the packages of <paramref name="directory"/>.</summary>
    /// <param name="directory">The avatars folder.</param>
    /// <param name="expressionModelId">The expression model the server's tracker fits (e.g. <c>mp468-pca-v1</c>).</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public AvatarCatalog(string directory, string expressionModelId)
    {
        if (!System.IO.Directory.Exists(directory)) throw new DirectoryNotFoundException($"avatars folder not found: {directory}");
        _dir = Path.GetFullPath(directory);
        _expressionModelId = expressionModelId;
        var entries = new List<AvatarEntry>();
        var skipped = new List<string>();
        foreach (var sub in System.IO.Directory.GetDirectories(_dir).Order(StringComparer.Ordinal))
        {
            var id = Path.GetFileName(sub);
            if (!IsValidId(id)) continue;
            try
            {
                var m = AvatarManifest.Read(Path.Combine(sub, AvatarManifest.FileName));
                if (m.ExpressionModel.Id != expressionModelId)
                {
                    skipped.Add($"{id}: driven by {m.ExpressionModel.Id}, not {expressionModelId}");
                    continue;
                }
                string credit = m.Source.Extra is { } extra && extra.TryGetValue("credit", out var c) && c.ValueKind == System.Text.Json.JsonValueKind.String
                    ? c.GetString()! : m.Source.Licence;
                entries.Add(new AvatarEntry(id, m.Name, credit));
            }
            catch (Exception e) when (e is AvatarFormatException or IOException)
            {
                skipped.Add($"{id}: {e.Message}");
            }
        }
        Entries = entries;
        Skipped = skipped;
    }

    /// <summary>The folder listed.</summary>
    public string Directory => _dir;

    /// <summary>The avatars offered, by id.</summary>
    public IReadOnlyList<AvatarEntry> Entries { get; }

    /// <summary>Sub-folders not offered, each with the reason (not a package, another expression model).</summary>
    public IReadOnlyList<string> Skipped { get; }

    /// <summary>Whether <paramref name="id"/> is offered.</summary>
    public bool Contains(string id) => Entries.Any(e => e.Id == id);

    /// <summary>The package <paramref name="id"/>, loaded on first use.</summary>
    /// <exception cref="KeyNotFoundException">No such avatar is offered.</exception>
    /// <exception cref="AvatarFormatException">The package is damaged (the message names file and problem).</exception>
    public AvatarPackage Get(string id)
    {
        if (!Contains(id)) throw new KeyNotFoundException($"no avatar '{id}' (offered: {string.Join(", ", Entries.Select(e => e.Id))})");
        var lazy = _loaded.GetOrAdd(id, i => new Lazy<AvatarPackage>(() => AvatarPackage.Load(Path.Combine(_dir, i), _expressionModelId)));
        try
        {
            return lazy.Value;
        }
        catch
        {
            _loaded.TryRemove(id, out _); // let a later call try again (and report again)
            throw;
        }
    }

    /// <summary>Whether <paramref name="id"/> is a well-formed avatar id: 1–64 of [A-Za-z0-9_-] (no path separators).</summary>
    public static bool IsValidId(string? id) => id is not null && IdPattern().IsMatch(id);

    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,64}\z")] // \z, not $: $ also matches before a final "\n"
    private static partial Regex IdPattern();
}
