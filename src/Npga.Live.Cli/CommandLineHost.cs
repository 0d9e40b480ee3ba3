using System.CommandLine;
using Npga.Live.Core;

namespace Npga.Live.Cli;

/// <summary>
/// What the project's command-line programs (<c>npga</c>, and <c>npga-bench</c>, which links this file) share around their
/// verbs: the one global option, the content root (<c>--content-root DIR</c>: models/, web/; <see cref="ContentRoot"/>), taken
/// before any verb runs, and a content root that does not exist reported as exit code 2.
/// </summary>
internal static class CommandLineHost
{
    /// <summary>Adds the content-root option to <paramref name="root"/>, parses <paramref name="args"/>, applies the content
    /// root and runs the verb.</summary>
    /// <returns>The verb's exit code; 2 when the content root named (option or environment variable) is not a folder.</returns>
    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        var contentRoot = new Option<string?>("--content-root")
        {
            Description = $"Folder holding models/ and web/ (default ${ContentRoot.EnvironmentVariable}, else the program's folder)",
            Recursive = true,
        };
        root.Options.Add(contentRoot);
        var parsed = root.Parse(args);
        try
        {
            if (parsed.GetValue(contentRoot) is { } dir) ContentRoot.Use(dir);
            _ = ContentRoot.Dir; // a variable naming a missing folder fails here, before any verb
        }
        catch (DirectoryNotFoundException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        return await parsed.InvokeAsync();
    }
}
