using System.CommandLine;
using Npga.Live.Bench;
using Npga.Live.Core;

// npga-bench: the live loop measured through headless Chromium (`scripts/npga bench live|soak` runs it). The same global
// option as npga's, the content root (models/, web/; ContentRoot), taken before any verb runs.
var contentRoot = new Option<string?>("--content-root")
{
    Description = $"Folder holding models/ and web/ (default ${ContentRoot.EnvironmentVariable}, else the program's folder)",
    Recursive = true,
};
var root = new RootCommand("Npga.Live's browser benchmarks: the live loop through headless Chromium, loopback only")
{
    new Command("bench", "Benchmarks that print figures (medians over several runs)")
    {
        BenchLiveCommand.Create(),
        BenchSoakCommand.Create(),
    },
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
