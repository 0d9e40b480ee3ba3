using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Npga.Live.Core;
using Npga.Live.Cli.Training;
using Spectre.Console;

namespace Npga.Live.Cli.Commands;

/// <summary>
/// <c>npga avatar train --video CLIP --out DIR [--minutes M] [--device cpu|cuda] [--name NAME] [--licence L] [--credit C] [--steps N]</c>: a user's own
/// NPGA avatar from a video of them. Checks the clip first (<see cref="ClipPreflight"/>: readable, at least 10 s, the face
/// found in most frames), then runs the trainer (<c>scripts/train_avatar</c>: tracking, segmentation, pose refinement,
/// NPGA training, export) with the project's recipe and a progress bar (step, ETA, held-out PSNR), and ends with
/// <c>npga eval</c> on the clip's held-out last 20% and a picture of held-out frames, real beside rendered
/// (<c>DIR/side_by_side.png</c>). Ctrl-C stops the trainer at a checkpoint; the same command resumes it.
/// The trainer is a checkout's (<see cref="ContentRoot"/> must hold <c>scripts/</c>); a publish folder refuses the verb.
/// Exit codes: 0 trained; 2 the clip cannot be used (nothing is started) or training failed; 130 interrupted.
/// </summary>
internal static class AvatarTrainCommand
{
    /// <summary>The recipe of the shipped trained avatars (sized to serve at 25 fps or more on 2 cores, 512x512), with eyeballs
    /// that turn with the gaze and upper lids that close with the code (blinks drawn 8 times as often as their share), and the
    /// train frames' head poses fitted to the frames a third of the way through (every 4th frame, the rest interpolated).</summary>
    public static readonly string[] Recipe =
    [
        "--gaussians", "20000", "--max-gaussians", "30000", "--sh-degree", "1", "--g-hidden", "32", "--cnn-hidden", "8",
        "--cnn-kernels", "3,1", "--eyes", "--lids", "--blink-weight", "8", "--fit-poses-at", "0.33",
        "--eval-every", "1000", "--log-every", "50", "--parity-frames", "2",
    ];

    public static Command Create()
    {
        var video = new Option<string>("--video") { Description = "Video of the person (10 s or more, the face in view)", Required = true };
        var output = new Option<string>("--out") { Description = "Package folder to write (npga-avatar/1); its work/ subfolder keeps the prepared data and checkpoints", Required = true };
        var minutes = new Option<double>("--minutes") { Description = "Wall-clock budget, minutes (data preparation included)", DefaultValueFactory = _ => 60 };
        var device = new Option<string>("--device") { Description = "cpu or cuda", DefaultValueFactory = _ => "cpu" };
        device.AcceptOnlyFromAmong("cpu", "cuda");
        var name = new Option<string?>("--name") { Description = "Avatar name (default: from the clip's file name)" };
        var licence = new Option<string>("--licence") { Description = "Licence of the video, recorded in the manifest", DefaultValueFactory = _ => "unknown" };
        var credit = new Option<string?>("--credit") { Description = "Credit line for the manifest (who is pictured, the source)" };
        var steps = new Option<int>("--steps") { Description = "Most training steps (the budget may allow fewer)", DefaultValueFactory = _ => 16000 };
        var cmd = new Command("train", "Train an NPGA avatar from a video of a person") { video, output, minutes, device, name, licence, credit, steps };
        cmd.SetAction((ParseResult r, CancellationToken ct) => Task.FromResult(Run(r.GetValue(video)!, r.GetValue(output)!, r.GetValue(minutes),
            r.GetValue(device)!, r.GetValue(name), r.GetValue(licence)!, r.GetValue(credit), r.GetValue(steps), ct)));
        return cmd;
    }

    private static int Run(string video, string outDir, double minutes, string device, string? name, string licence, string? credit, int steps,
        CancellationToken ct)
    {
        if (minutes <= 0) return Error("--minutes must be positive");
        var root = ContentRoot.Dir;
        if (!File.Exists(Path.Combine(ContentRoot.Scripts, "train_avatar")))
            return Error($"the trainer (scripts/train_avatar: Python, PyTorch, the training kernels) is not in the content root {root}: "
                + "a publish folder does not ship it; run from a checkout (scripts/npga) or give --content-root CHECKOUT");
        ClipReport clip;
        try
        {
            Console.Error.WriteLine($"checking {video} ...");
            clip = ClipPreflight.Check(video, ct);
        }
        catch (ClipRejectedException e)
        {
            return Error(e.Message);
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
        Console.Error.WriteLine($"{video}: {clip.Width}x{clip.Height}, {clip.Seconds:F1} s at {clip.FrameRate:F1} fps, face in {100 * clip.FaceFraction:F0}% of {clip.SampledFrames} sampled frames");

        bool resume = File.Exists(Path.Combine(outDir, "work", "checkpoint.pt"));
        var args = new List<string>
        {
            "--video", Path.GetFullPath(video), "--out", Path.GetFullPath(outDir), "--device", device,
            "--minutes", minutes.ToString(CultureInfo.InvariantCulture), "--steps", steps.ToString(CultureInfo.InvariantCulture),
            "--size", Math.Min(clip.Width, 512).ToString(CultureInfo.InvariantCulture),
            "--name", name ?? $"NPGA avatar from {Path.GetFileName(video)}", "--licence", licence,
        };
        if (credit is not null) args.AddRange(["--credit", credit]);
        args.AddRange(Recipe);
        if (resume)
        {
            args.Add("--resume");
            Console.Error.WriteLine($"resuming from {Path.Combine(outDir, "work", "checkpoint.pt")}");
        }
        using var trainer = TrainerProcess.Start(root, outDir, args);
        using var stop = ct.Register(trainer.Interrupt);
        ShowProgress(trainer, ct);
        trainer.WaitForExit(Timeout.InfiniteTimeSpan);
        if (trainer.ExitCode == 130 || ct.IsCancellationRequested)
        {
            Console.Error.WriteLine($"interrupted: the checkpoint is kept in {Path.Combine(outDir, "work")}; run the same command again to resume");
            return 130;
        }
        if (trainer.ExitCode != 0)
            return Error($"training failed (exit {trainer.ExitCode}); the trainer's last lines ({trainer.LogPath}):\n{trainer.Tail()}");

        Console.Error.WriteLine($"trained: {outDir}; evaluating on the held-out frames with the C# runtime (npga eval) ...");
        var (from, to) = HeldOutFrames(outDir);
        var evalArgs = new List<string> { "eval", "--avatar", outDir, "--video", video, "--from-frame", from.ToString(CultureInfo.InvariantCulture),
            "--json", Path.Combine(outDir, "work", "eval.json"), "--picture", Path.Combine(outDir, "side_by_side.png") };
        if (to is { } t) evalArgs.AddRange(["--to-frame", t.ToString(CultureInfo.InvariantCulture)]);
        int rc = new RootCommand { EvalCommand.Create() }.Parse(evalArgs).Invoke();
        if (rc == 0) Console.Error.WriteLine($"picture of held-out frames, real | rendered: {Path.Combine(outDir, "side_by_side.png")}");
        return rc;
    }

    /// <summary>The held-out frame range the trainer recorded in the manifest (training.held_out_frames), else the last 20%.</summary>
    private static (long From, long? To) HeldOutFrames(string outDir)
    {
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "avatar.json")))!;
        if (manifest["training"]?["held_out_frames"] is JsonArray { Count: 2 } r)
            return ((long)r[0]!, (long)r[1]!);
        long frames = (long?)manifest["training"]?["data"]?["frames_in_video"] ?? 0;
        return ((long)Math.Round(frames * 0.8), null);
    }

    /// <summary>Trainer progress on stderr until it exits: a Spectre.Console bar on a terminal, a line every 30 s otherwise.</summary>
    private static void ShowProgress(TrainerProcess trainer, CancellationToken ct)
    {
        if (Console.IsErrorRedirected)
        {
            var last = Stopwatch.StartNew();
            while (!trainer.WaitForExit(TimeSpan.FromMilliseconds(500)))
            {
                if (last.Elapsed < TimeSpan.FromSeconds(30)) continue;
                last.Restart();
                Console.Error.WriteLine("train: " + Describe(trainer.ReadProgress(), trainer.LastLine));
            }
            return;
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("preparing data", autoStart: true, maxValue: 1);
                task.IsIndeterminate = true;
                while (!trainer.WaitForExit(TimeSpan.FromMilliseconds(500)))
                {
                    var p = trainer.ReadProgress();
                    if (p is not null)
                    {
                        task.IsIndeterminate = false;
                        task.MaxValue = Math.Max(1, p.Steps);
                        task.Value = Math.Min(p.Step, p.Steps);
                    }
                    task.Description = Markup.Escape(Describe(p, trainer.LastLine));
                }
                task.StopTask();
                ctx.Refresh();
            });
    }

    private static string Describe(TrainingProgress? p, string lastLine)
    {
        if (p is null)
        {
            var text = lastLine.Contains("] ", StringComparison.Ordinal) ? lastLine[(lastLine.IndexOf("] ", StringComparison.Ordinal) + 2)..] : lastLine;
            return text.Length > 70 ? text[..70] + "…" : text;
        }
        var eta = TimeSpan.FromSeconds(Math.Max(0, p.EtaS));
        var psnr = p.HeldOutPsnrDb is { } db ? $", held-out PSNR {db:F2} dB" : "";
        return $"step {p.Step}/{p.Steps}, ETA {(int)eta.TotalMinutes}:{eta.Seconds:00}{psnr}, {p.Gaussians} Gaussians";
    }

    private static int Error(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return 2;
    }
}
