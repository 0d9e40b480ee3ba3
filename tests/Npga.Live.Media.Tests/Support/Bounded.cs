namespace Npga.Live.Media.Tests.Support;

/// <summary>
/// Runs blocking test code on a worker thread and fails the test when it exceeds its time limit,
/// so a hang is reported as a failure instead of stalling the run (xunit 2 enforces
/// <c>[Fact(Timeout)]</c> only for async tests).
/// </summary>
public static class Bounded
{
    public static async Task Run(int seconds, Action body)
    {
        var task = Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            await task.WaitAsync(TimeSpan.FromSeconds(seconds));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"the test body did not finish within {seconds} s (a hang)");
        }
    }
}
