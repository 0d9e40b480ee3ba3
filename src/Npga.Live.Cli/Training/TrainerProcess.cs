using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Npga.Live.Core;

namespace Npga.Live.Cli.Training;

/// <summary>The trainer's last progress record (<c>&lt;out&gt;/work/progress.json</c>, written every logged step).</summary>
/// <param name="Step">Last completed step.</param>
/// <param name="Steps">Planned steps (a time budget may lower it while training).</param>
/// <param name="ElapsedS">Seconds since the trainer started (data preparation included).</param>
/// <param name="EtaS">Estimated seconds to the last step.</param>
/// <param name="LossImage">Mean image loss (NPGA eq. 10) since the previous record.</param>
/// <param name="Gaussians">Current number of Gaussians.</param>
/// <param name="HeldOutPsnrDb">Last held-out PSNR inside the head mask, dB (null before the first evaluation).</param>
public sealed record TrainingProgress(long Step, long Steps, double ElapsedS, double EtaS, double LossImage, long Gaussians, double? HeldOutPsnrDb);

/// <summary>
/// The avatar trainer (<c>scripts/train_avatar</c>: PyTorch, the fused CPU kernels) as a child process: its output goes
/// to <c>&lt;out&gt;/work/train.out</c>, its progress is read from <c>&lt;out&gt;/work/progress.json</c>, and
/// <see cref="Interrupt"/> sends it SIGINT, on which it saves a checkpoint that <c>--resume</c> continues from.
/// </summary>
public sealed class TrainerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly string _progressPath;
    private string _lastLine = "";

    private TrainerProcess(Process process, StreamWriter log, string progressPath)
    {
        _process = process;
        _log = log;
        _progressPath = progressPath;
    }

    /// <summary>The trainer's newest output line (data preparation reports its stages there).</summary>
    public string LastLine => Volatile.Read(ref _lastLine);

    /// <summary>True once the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Exit code: 0 trained and exported, 130 interrupted (checkpoint saved), anything else failed.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Path of the trainer's full output.</summary>
    public string LogPath { get; private init; } = "";

    /// <summary>Starts <c>scripts/train_avatar</c> with <paramref name="args"/> (its <c>--out</c> must be <paramref name="outDir"/>).</summary>
    /// <param name="repoRoot">The content root holding scripts/train_avatar (a checkout).</param>
    /// <param name="outDir">The package folder the trainer writes.</param>
    /// <param name="args">The trainer's arguments.</param>
    /// <exception cref="FileNotFoundException">scripts/train_avatar is missing.</exception>
    public static TrainerProcess Start(string repoRoot, string outDir, IEnumerable<string> args)
    {
        var script = Path.Combine(repoRoot, "scripts", "train_avatar");
        if (!File.Exists(script)) throw new FileNotFoundException("the trainer is missing", script);
        var work = Path.Combine(outDir, "work");
        Directory.CreateDirectory(work);
        var progress = Path.Combine(work, "progress.json");
        var logPath = Path.Combine(work, "train.out");
        var psi = new ProcessStartInfo(script) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = repoRoot };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment[ContentRoot.EnvironmentVariable] = repoRoot;
        var log = new StreamWriter(File.Open(logPath, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        var p = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var tp = new TrainerProcess(p, log, progress) { LogPath = logPath };
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is null) return;
            lock (log) log.WriteLine(e.Data);
            if (e.Data.Trim().Length > 0) Volatile.Write(ref tp._lastLine, e.Data);
        };
        p.OutputDataReceived += onLine;
        p.ErrorDataReceived += onLine;
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return tp;
    }

    /// <summary>The last progress record, or null before the first one (or when it cannot be read just now).</summary>
    public TrainingProgress? ReadProgress()
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(_progressPath));
            var r = doc.RootElement;
            double? psnr = r.TryGetProperty("held_out_psnr_head_db", out var h) && h.ValueKind == JsonValueKind.Number ? h.GetDouble() : null;
            return new TrainingProgress(r.GetProperty("step").GetInt64(), r.GetProperty("steps").GetInt64(), r.GetProperty("elapsed_s").GetDouble(),
                r.GetProperty("eta_s").GetDouble(), r.GetProperty("loss_image").GetDouble(), r.GetProperty("gaussians").GetInt64(), psnr);
        }
        catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Asks the trainer to stop (SIGINT): it saves its checkpoint and exits with 130.</summary>
    public void Interrupt()
    {
        if (_process.HasExited) return;
        if (kill(_process.Id, SIGINT) != 0) _process.Kill(true);
    }

    /// <summary>Waits for the exit, at most <paramref name="timeout"/>; true when it exited.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) return false;
        _process.WaitForExit(); // drains the output handlers
        return true;
    }

    /// <summary>The last <paramref name="lines"/> lines of the trainer's output (for error messages).</summary>
    public string Tail(int lines = 15)
    {
        lock (_log) _log.Flush();
        using var f = File.Open(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var r = new StreamReader(f);
        var all = r.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Interrupt();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(30))) _process.Kill(true);
        }
        _process.Dispose();
        lock (_log) _log.Dispose();
    }

    private const int SIGINT = 2;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
