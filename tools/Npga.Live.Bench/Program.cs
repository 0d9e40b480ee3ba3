using System.CommandLine;
using Npga.Live.Bench;
using Npga.Live.Cli;

// npga-bench: the live loop measured through headless Chromium (`scripts/npga bench live|soak` runs it), with npga's
// global option, the content root (CommandLineHost, linked from the Cli project).
var root = new RootCommand("Npga.Live's browser benchmarks: the live loop through headless Chromium, loopback only")
{
    new Command("bench", "Benchmarks that print figures (medians over several runs)")
    {
        BenchLiveCommand.Create(),
        BenchSoakCommand.Create(),
    },
};
return await CommandLineHost.RunAsync(root, args);
