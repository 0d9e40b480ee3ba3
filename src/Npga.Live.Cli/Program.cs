using System.CommandLine;
using Npga.Live.Cli;
using Npga.Live.Cli.Commands;

// Composition root of the `npga` command-line tool: one verb per command class, and the one global option, the
// content root (models/, web/; ContentRoot), taken before any verb runs (CommandLineHost).
var root = new RootCommand("Npga.Live: live NPGA Gaussian head avatars driven by a webcam")
{
    TrackCommand.Create(),
    RenderCommand.Create(),
    ReenactCommand.Create(),
    CameraCommand.Create(),
    EvalCommand.Create(),
    ServeCommand.Create(),
    TokenCommand.Create(),
    new Command("avatar", "Build avatars: from one photo, or trained from a video")
    {
        AvatarCreateCommand.Create(),
        AvatarTrainCommand.Create(),
        AvatarCheckCommand.Create(),
    },
    new Command("bench", "Benchmarks that print figures (medians over several runs); the live loop through a browser (live, soak) is the checkout's npga-bench: scripts/npga bench live|soak")
    {
        BenchTrackerCommand.Create(),
        BenchRenderCommand.Create(),
        BenchExpressionCommand.Create(),
    },
};
return await CommandLineHost.RunAsync(root, args);
