using System.Diagnostics;
using System.Text.Json.Nodes;
using Npga.Live.Core;

namespace Npga.Live.Training.Tests;

/// <summary>
/// Runs the training tools (scripts/training/*.py, scripts/train_avatar) with Debian's /usr/bin/python3 as child processes,
/// with NPGA_CLI pointing at the npga.dll built beside the tests (the C# runtime the tools compare against) and NPGA_HOME at the
/// checkout.
/// </summary>
public static class PythonTool
{
    public const string Python = "/usr/bin/python3";

    public sealed record Result(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
    {
        /// <summary>The last stdout line parsed as a JSON object (the tools' report line).</summary>
        public JsonObject Report => JsonNode.Parse(Stdout.TrimEnd().Split('\n')[^1])!.AsObject();
    }

    public static string Root => RepoPaths.RequireRoot();

    public static string Script(string relative) => Path.Combine(Root, relative);

    /// <summary>Runs <paramref name="program"/> (a script path or python file) with <paramref name="args"/>; throws on a timeout.</summary>
    public static Result Run(string program, IEnumerable<string> args, TimeSpan timeout)
    {
        var isPy = program.EndsWith(".py", StringComparison.Ordinal);
        var psi = new ProcessStartInfo(isPy ? Python : program)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Root,
        };
        if (isPy) psi.ArgumentList.Add(program);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NPGA_HOME"] = Root;
        psi.Environment["NPGA_CLI"] = $"dotnet exec {Path.Combine(AppContext.BaseDirectory, "npga.dll")}";
        psi.Environment["OMP_NUM_THREADS"] = "2";
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish in {timeout.TotalSeconds} s");
        }
        p.WaitForExit();
        return new Result(p.ExitCode, stdout.Result, stderr.Result, sw.Elapsed);
    }

    /// <summary>Fails with the tool's output when it did not exit with 0.</summary>
    public static Result Ok(this Result r, string what)
    {
        Assert.True(r.ExitCode == 0, $"{what} failed ({r.ExitCode}):\n{r.Stderr}\n{r.Stdout}");
        return r;
    }
}
