using System.Text.Json;
using Npga.Live.Core;
using Xunit.Abstractions;

namespace Npga.Live.Cli.Tests;

/// <summary>
/// The GPU check's parts (npga-gpu-check, tools/Npga.Live.GpuCheck; run on a lent GPU by scripts/gpu/check.sh) in their dry
/// mode: ILGPU's CPU accelerator, tiny sizes, the shipped avatars thinned. The check runs only on machines this repository
/// is rarely lent, so CI keeps it from rotting: a package format change once broke its avatar thinning unnoticed.
/// </summary>
public class GpuCheckDryRunTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("parity")]
    [InlineData("sessions")]
    public void A_dry_run_of_the_part_passes_on_every_shipped_avatar(string part)
    {
        var dir = Directory.CreateTempSubdirectory("npga-gpu-check-test-").FullName;
        try
        {
            var r = CliRunner.RunGpuCheck(TimeSpan.FromSeconds(120), part, "--dry", "--out", dir, "--budget", "40",
                "--avatars", Path.Combine(RepoPaths.RequireRoot(), "models", "avatars"));
            output.WriteLine($"exit {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
            Assert.True(r.ExitCode == 0, $"npga-gpu-check {part} --dry: exit {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, $"{part}.json")));
            output.WriteLine(doc.RootElement.ToString());
            Assert.Equal("ok", doc.RootElement.GetProperty("status").GetString());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
