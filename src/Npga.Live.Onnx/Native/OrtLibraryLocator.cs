using Npga.Live.Core;

namespace Npga.Live.Onnx.Native;

/// <summary>
/// Finds the default ONNX Runtime library: the file named by the environment variable <c>NPGA_ORT_LIBRARY</c>
/// when it is set (a set but wrong value is an error, not silently skipped), else the build shipped in the npm
/// package onnxruntime-node under the checkout (installed by scripts/setup.sh).
/// </summary>
internal static class OrtLibraryLocator
{
    /// <summary>Environment variable naming a libonnxruntime to load instead of the checkout's (an onnxruntime-gpu build, say).</summary>
    public const string EnvironmentVariable = "NPGA_ORT_LIBRARY";

    /// <summary>Where onnxruntime-node keeps its library, relative to the checkout's root.</summary>
    public static readonly string RelativeNodeModulesPath =
        Path.Combine("node_modules", "onnxruntime-node", "bin", "napi-v6", "linux", "x64", "libonnxruntime.so.1");

    /// <summary>The library to load when the caller names none.</summary>
    /// <exception cref="DllNotFoundException">No library where the resolution order looks; the message lists what was tried.</exception>
    public static string ResolveDefault()
    {
        string? root = null;
        string? rootError = null;
        try
        {
            root = RepoPaths.RequireRoot();
        }
        catch (DirectoryNotFoundException e)
        {
            rootError = e.Message;
        }
        return Resolve(Environment.GetEnvironmentVariable(EnvironmentVariable), root, rootError);
    }

    /// <summary>The resolution order, with its inputs passed in (testable without touching the process environment).</summary>
    /// <param name="environmentValue">The value of <c>NPGA_ORT_LIBRARY</c>, or null/empty when unset.</param>
    /// <param name="repoRoot">The checkout's root, or null when none was found.</param>
    /// <param name="rootError">Why no root was found, for the message.</param>
    /// <exception cref="DllNotFoundException">No library where the resolution order looks.</exception>
    public static string Resolve(string? environmentValue, string? repoRoot, string? rootError = null)
    {
        if (!string.IsNullOrEmpty(environmentValue))
        {
            if (File.Exists(environmentValue)) return Path.GetFullPath(environmentValue);
            throw new DllNotFoundException(
                $"ONNX Runtime library not found: {EnvironmentVariable}={environmentValue} names no file. " +
                $"Point {EnvironmentVariable} at a libonnxruntime.so, or unset it to use the checkout's copy " +
                "(run scripts/setup.sh to install it).");
        }

        string tried;
        if (repoRoot is not null)
        {
            var path = Path.Combine(repoRoot, RelativeNodeModulesPath);
            if (File.Exists(path)) return path;
            tried = path;
        }
        else
        {
            tried = $"<checkout>/{RelativeNodeModulesPath} ({rootError ?? "no checkout found"})";
        }
        throw new DllNotFoundException(
            $"ONNX Runtime library not found. Tried: {EnvironmentVariable} (unset); {tried}. " +
            "Run scripts/setup.sh (it installs onnxruntime-node, which ships libonnxruntime.so.1), " +
            $"or set {EnvironmentVariable} to a libonnxruntime.so.");
    }
}
