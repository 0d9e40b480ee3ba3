namespace Npga.Live.Core;

/// <summary>
/// Locates the project's checkout (the folder holding <c>Npga.Live.sln</c>) so that tools find
/// <c>models/</c>, <c>node_modules/</c> and <c>../shared/data</c> wherever they are started from.
/// The environment variable <c>NPGA_HOME</c>, when set, wins.
/// </summary>
public static class RepoPaths
{
    private static readonly Lazy<string?> RootLazy = new(FindRoot);

    /// <summary>The checkout's root, or null when neither NPGA_HOME nor an enclosing checkout is found.</summary>
    public static string? Root => RootLazy.Value;

    /// <summary>The checkout's root.</summary>
    /// <exception cref="DirectoryNotFoundException">No checkout encloses the program and NPGA_HOME is unset.</exception>
    public static string RequireRoot() => Root ?? throw new DirectoryNotFoundException(
        "cannot find the Npga.Live checkout (no Npga.Live.sln above the program); set NPGA_HOME");

    /// <summary><c>models/</c> under the root.</summary>
    public static string Models => Path.Combine(RequireRoot(), "models");

    /// <summary>
    /// The shared real-footage folder <c>../shared/data</c> beside the checkout, or null when absent
    /// (tests that need it skip).
    /// </summary>
    public static string? SharedData
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("NPGA_SHARED_DATA");
            if (!string.IsNullOrEmpty(env)) return Directory.Exists(env) ? env : null;
            if (Root is null) return null;
            var dir = Path.GetFullPath(Path.Combine(Root, "..", "shared", "data"));
            return Directory.Exists(dir) ? dir : null;
        }
    }

    private static string? FindRoot()
    {
        var env = Environment.GetEnvironmentVariable("NPGA_HOME");
        if (!string.IsNullOrEmpty(env) && File.Exists(Path.Combine(env, "Npga.Live.sln"))) return Path.GetFullPath(env);
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Npga.Live.sln"))) return dir.FullName;
        }
        return null;
    }
}
