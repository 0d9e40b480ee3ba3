using System.Diagnostics;
using Npga.Live.Core;

namespace Npga.Live.Cli.Tests;

/// <summary>Runs the real `npga` CLI (the npga.dll built beside the tests), the browser benchmarks' `npga-bench` or the GPU check's `npga-gpu-check`, as a child
/// process with a time limit.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(TimeSpan timeout, params string[] args) => Run(timeout, null, args);

    /// <summary>Runs npga-bench (tools/Npga.Live.Bench: bench live, bench soak).</summary>
    public static Result RunBench(TimeSpan timeout, params string[] args) => Exec("npga-bench.dll", timeout, null, args);

    /// <summary>Runs npga-gpu-check (tools/Npga.Live.GpuCheck: the GPU check's parts, scripts/gpu/check.sh).</summary>
    public static Result RunGpuCheck(TimeSpan timeout, params string[] args) => Exec("npga-gpu-check.dll", timeout, null, args);

    /// <summary>Runs npga with extra environment variables (<paramref name="environment"/>, may be null).</summary>
    public static Result Run(TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        Exec("npga.dll", timeout, environment, args);

    private static Result Exec(string program, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, program);
        var psi = new ProcessStartInfo("dotnet", ["exec", dll, .. args])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.Environment[ContentRoot.EnvironmentVariable] = RepoPaths.RequireRoot();
        if (environment is not null)
            foreach (var (key, value) in environment) psi.Environment[key] = value;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(true);
            throw new TimeoutException($"{Path.GetFileNameWithoutExtension(program)} {string.Join(' ', args)} did not finish in {timeout.TotalSeconds} s (a hang)");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
