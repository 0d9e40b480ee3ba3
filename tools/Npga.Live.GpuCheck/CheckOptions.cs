using System.Globalization;

namespace Npga.Live.GpuCheck;

/// <summary>
/// The command line of <c>npga-gpu-check PART [options]</c>; see <see cref="Program"/> for the parts.
/// </summary>
internal sealed class CheckOptions
{
    /// <summary>The part to run: info, ptx, parity, fps, full, sessions or summary.</summary>
    public required string Part { get; init; }

    /// <summary>Folder the part writes <c>PART.json</c> and <c>PART.txt</c> into (created when missing).</summary>
    public required string OutDir { get; init; }

    /// <summary>Folder holding the avatar packages (one sub-folder each), default <c>models/avatars</c> under the current folder.</summary>
    public required string AvatarsDir { get; init; }

    /// <summary>The NPGA-size fixture package (F, G of 6×256 and a CNN; its own Gaussians are replaced by 100k), or null.</summary>
    public string? FixtureDir { get; init; }

    /// <summary>
    /// Dry run: the ILGPU kernels on ILGPU's CPU accelerator (no CUDA needed) at tiny sizes and short times, so the whole check
    /// can be run end to end on a machine without a GPU. Also set by <c>NPGA_GPU_CHECK_DRY=1</c>.
    /// </summary>
    public bool Dry { get; init; }

    /// <summary>Seconds the part may take before it stops starting new measurements (what was measured is kept).</summary>
    public double BudgetSeconds { get; init; }

    /// <summary>Seconds of each concurrent-sessions step, or null for the part's default (10 s; 1 s dry).</summary>
    public double? StepSeconds { get; init; }

    /// <summary>Largest number of concurrent sessions tried (default 32; 2 dry).</summary>
    public int? MaxSessions { get; init; }

    /// <summary>ORT intra-op threads for the "all cores" runs (default: every core).</summary>
    public int AllThreads { get; init; } = Environment.ProcessorCount;

    /// <summary>Parses the arguments.</summary>
    /// <exception cref="ArgumentException">An unknown option, a missing value or a value that does not parse.</exception>
    public static CheckOptions Parse(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith('-')) throw new ArgumentException("the first argument must name a part: " + string.Join(", ", Program.Parts));
        string part = args[0];
        if (!Program.Parts.Contains(part)) throw new ArgumentException($"unknown part '{part}': use one of {string.Join(", ", Program.Parts)}");
        string outDir = "gpu-check-out", avatars = Path.Combine("models", "avatars");
        string? fixture = null;
        bool dry = Environment.GetEnvironmentVariable("NPGA_GPU_CHECK_DRY") == "1";
        double budget = 120;
        double? step = null;
        int? maxSessions = null;
        int allThreads = Environment.ProcessorCount;
        for (int i = 1; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            double Number() => double.Parse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--out": outDir = Value(); break;
                case "--avatars": avatars = Value(); break;
                case "--fixture": fixture = Value(); break;
                case "--dry": dry = true; break;
                case "--budget": budget = Number(); break;
                case "--step-seconds": step = Number(); break;
                case "--max-sessions": maxSessions = (int)Number(); break;
                case "--all-threads": allThreads = Math.Max(1, (int)Number()); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        return new CheckOptions
        {
            Part = part, OutDir = outDir, AvatarsDir = avatars, FixtureDir = fixture, Dry = dry, BudgetSeconds = budget,
            StepSeconds = step, MaxSessions = maxSessions, AllThreads = allThreads,
        };
    }
}
