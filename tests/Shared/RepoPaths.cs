using System.Runtime.CompilerServices;
using Npga.Live.Core;

namespace Npga.Live.Tests.Shared;

/// <summary>
/// The tests' locator of the checkout (the folder holding <c>Npga.Live.sln</c> above the test assembly, or
/// <c>NPGA_HOME</c>) and of the real footage beside it (<c>../shared/data</c>, or <c>NPGA_SHARED_DATA</c>). The program
/// itself knows no checkout (<see cref="ContentRoot"/>); when a test assembly loads, <see cref="UseCheckoutContent"/>
/// makes the checkout its content root, so code under test finds <c>models/</c> and <c>web/</c> as <c>scripts/npga</c>
/// gives them. Linked into every test project by tests/Directory.Build.props.
/// </summary>
public static class RepoPaths
{
    private static readonly Lazy<string?> RootLazy = new(FindRoot);

    /// <summary>The checkout's root, or null when neither NPGA_HOME nor an enclosing checkout is found.</summary>
    public static string? Root => RootLazy.Value;

    /// <summary>The checkout's root.</summary>
    /// <exception cref="DirectoryNotFoundException">No checkout encloses the tests and NPGA_HOME is unset.</exception>
    public static string RequireRoot() => Root ?? throw new DirectoryNotFoundException(
        "cannot find the Npga.Live checkout (no Npga.Live.sln above the tests); set NPGA_HOME");

    /// <summary><c>models/</c> of the checkout.</summary>
    /// <exception cref="DirectoryNotFoundException">As <see cref="RequireRoot"/>.</exception>
    public static string Models => Path.Combine(RequireRoot(), "models");

    /// <summary>
    /// The shared real-footage folder: <c>NPGA_SHARED_DATA</c>, else <c>../shared/data</c> beside the checkout; null when
    /// absent (tests that need it skip).
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

    /// <summary>Runs when a test assembly loads: the checkout becomes the content root unless the environment names one.</summary>
    [ModuleInitializer]
    internal static void UseCheckoutContent()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(ContentRoot.EnvironmentVariable))) return;
        if (Root is { } root) ContentRoot.Use(root);
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
