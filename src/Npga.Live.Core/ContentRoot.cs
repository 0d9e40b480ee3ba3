namespace Npga.Live.Core;

/// <summary>
/// The one folder the program takes its content from: <c>models/</c> (tracker, expression model, deformation prior,
/// avatars), <c>web/</c> (the pages <c>npga serve</c> serves) and, in a checkout, <c>scripts/</c> (<c>npga avatar train</c>'s
/// trainer). Resolved, first match winning: <see cref="Use"/> (the command line's <c>--content-root DIR</c>), the
/// environment variable <see cref="EnvironmentVariable"/> (<c>NPGA_CONTENT_ROOT</c>), its older name
/// <see cref="LegacyEnvironmentVariable"/> (<c>NPGA_HOME</c>), else the folder beside the program
/// (<see cref="AppContext.BaseDirectory"/>: a publish folder, which holds that content). <c>scripts/npga</c> sets the
/// variable to the checkout, so a build under <c>src/*/bin</c> runs on the checkout's content.
/// </summary>
public static class ContentRoot
{
    /// <summary>The environment variable naming the content root.</summary>
    public const string EnvironmentVariable = "NPGA_CONTENT_ROOT";

    /// <summary>The content root's former variable (the checkout), still accepted when <see cref="EnvironmentVariable"/> is unset.</summary>
    public const string LegacyEnvironmentVariable = "NPGA_HOME";

    private static volatile string? _chosen;

    /// <summary>The content root, an absolute path (see the type's summary for the order).</summary>
    /// <exception cref="DirectoryNotFoundException">The folder named by the environment variable does not exist.</exception>
    public static string Dir
    {
        get
        {
            if (_chosen is { } chosen) return chosen;
            foreach (var name in new[] { EnvironmentVariable, LegacyEnvironmentVariable })
            {
                if (Environment.GetEnvironmentVariable(name) is not { Length: > 0 } env) continue;
                if (!Directory.Exists(env)) throw new DirectoryNotFoundException($"content root not found: {env} (from {name})");
                return Path.GetFullPath(env);
            }
            return AppContext.BaseDirectory;
        }
    }

    /// <summary><c>models/</c> under the content root.</summary>
    /// <exception cref="DirectoryNotFoundException">As <see cref="Dir"/>.</exception>
    public static string Models => Path.Combine(Dir, "models");

    /// <summary><c>web/</c> under the content root: the pages of <c>npga serve</c>.</summary>
    /// <exception cref="DirectoryNotFoundException">As <see cref="Dir"/>.</exception>
    public static string Web => Path.Combine(Dir, "web");

    /// <summary><c>scripts/</c> under the content root (a checkout's: the avatar trainer; a publish folder has none).</summary>
    /// <exception cref="DirectoryNotFoundException">As <see cref="Dir"/>.</exception>
    public static string Scripts => Path.Combine(Dir, "scripts");

    /// <summary>Makes <paramref name="dir"/> the content root of this process, over the environment and the default.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static void Use(string dir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"content root not found: {dir}");
        _chosen = Path.GetFullPath(dir);
    }
}
