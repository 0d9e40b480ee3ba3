using System.Diagnostics;
using CsCheck;

namespace Npga.Live.Tests.Shared;

/// <summary>
/// Bounded property runs for the parser fuzz tests (issue 27), on CsCheck. <see cref="Sample{T}"/> runs a property
/// on one thread for at most <c>iter</c> cases and at most <c>seconds</c> of wall time (cases past the budget are
/// counted as skipped, so a slow CI machine runs fewer cases instead of timing out), fails a case that takes longer
/// than <c>caseSeconds</c>, and fails the whole run, naming the input it was working on, when a case never returns
/// (a hang in native code cannot be interrupted; the worker thread is abandoned). A failing case is shrunk by CsCheck
/// and reported with its seed: <c>Set seed: "…" or $env:CsCheck_Seed = "…" to reproduce</c> (run the test with that
/// environment variable, or pass the seed to <see cref="Sample{T}"/>), and the input printed. Link this file into a
/// test project that references CsCheck: <c>&lt;Compile Include="../Shared/Fuzz.cs" Link="Shared/Fuzz.cs" /&gt;</c>.
/// </summary>
public static class Fuzz
{
    /// <summary>What a run did: cases checked, cases skipped because the time budget ran out, and the wall time.</summary>
    /// <param name="Checked">Cases the property was called for.</param>
    /// <param name="OverBudget">Cases generated after the time budget ran out and not checked.</param>
    /// <param name="Elapsed">Wall time of the run.</param>
    /// <param name="SlowestCase">The longest single case.</param>
    public sealed record Summary(long Checked, long OverBudget, TimeSpan Elapsed, TimeSpan SlowestCase)
    {
        /// <inheritdoc />
        public override string ToString() =>
            $"{Checked} cases checked, {OverBudget} over the time budget, {Elapsed.TotalSeconds:F2} s, slowest case {SlowestCase.TotalMilliseconds:F0} ms";
    }

    /// <summary>
    /// Checks <paramref name="property"/> on up to <paramref name="iter"/> inputs of <paramref name="gen"/>, within
    /// <paramref name="seconds"/>; see the class summary.
    /// </summary>
    /// <param name="gen">The inputs.</param>
    /// <param name="property">Throws when the property does not hold.</param>
    /// <param name="iter">Most cases (CsCheck's <c>iter</c>).</param>
    /// <param name="seconds">Time budget: cases generated after it are not checked.</param>
    /// <param name="print">Prints an input for a failure report (default: CsCheck's).</param>
    /// <param name="caseSeconds">Longest a single case may take before it counts as a failure (a hang).</param>
    /// <param name="seed">A CsCheck seed to replay first (from a failure report); null for none.</param>
    /// <exception cref="CsCheckException">The property failed; the message holds the seed and the shrunk input.</exception>
    /// <exception cref="TimeoutException">A case did not return within the hang limit; the message holds the input.</exception>
    public static Summary Sample<T>(Gen<T> gen, Action<T> property, long iter, double seconds, Func<T, string>? print = null,
        double caseSeconds = 5, string? seed = null)
    {
        print ??= t => Check.Print(t);
        long started = Stopwatch.GetTimestamp();
        long deadline = started + (long)(seconds * Stopwatch.Frequency);
        long checkedCases = 0, overBudget = 0, slowest = 0;
        object? current = null;
        bool running = false;

        void Case(T input)
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                overBudget++;
                return;
            }
            Volatile.Write(ref current, input);
            Volatile.Write(ref running, true);
            long t0 = Stopwatch.GetTimestamp();
            try
            {
                property(input);
            }
            finally
            {
                Volatile.Write(ref running, false);
                checkedCases++;
            }
            long took = Stopwatch.GetTimestamp() - t0;
            slowest = Math.Max(slowest, took);
            if (took > caseSeconds * Stopwatch.Frequency)
                throw new TimeoutException($"one case took {(double)took / Stopwatch.Frequency:F1} s; at most {caseSeconds} s are allowed (a near-hang)");
        }

        var run = Task.Factory.StartNew(() => gen.Sample(Case, seed: seed, iter: iter, threads: 1, print: print),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        // The budget, plus one case over it, plus what CsCheck may take after a failure (it tries the smaller of the cases
        // left within the budget, and only generates the rest) and after the budget (generating the cases left, unchecked).
        if (!((IAsyncResult)run).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(seconds + 3 * caseSeconds + 5)))
        {
            var input = Volatile.Read(ref current);
            throw new TimeoutException(
                $"the property run did not finish ({(Volatile.Read(ref running) ? "a case never returned" : "CsCheck did not return")}); "
                + $"the input being checked: {(input is T t ? Clip(print(t)) : "none")}");
        }
        run.GetAwaiter().GetResult(); // rethrows CsCheckException
        return new Summary(checkedCases, overBudget, Stopwatch.GetElapsedTime(started), TimeSpan.FromSeconds((double)slowest / Stopwatch.Frequency));
    }

    /// <summary>
    /// Runs <paramref name="parse"/>: its result, or the exception it threw when that is one of <paramref name="allowed"/>
    /// (or derives from one) and has a message; any other exception is rethrown as a property failure naming it.
    /// </summary>
    /// <exception cref="Xunit.Sdk.XunitException">Another exception type, or an allowed one with an empty message.</exception>
    public static (TResult? Result, Exception? Refusal) Outcome<TResult>(Func<TResult> parse, params Type[] allowed)
    {
        try
        {
            return (parse(), null);
        }
        catch (Exception e) when (allowed.Any(a => a.IsInstanceOfType(e)))
        {
            if (string.IsNullOrWhiteSpace(e.Message))
                throw new Xunit.Sdk.XunitException($"{e.GetType().Name} without a message");
            return (default, e);
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException(
                $"threw {e.GetType().FullName} ({e.Message}); only {string.Join(" or ", allowed.Select(a => a.Name))} is documented", e);
        }
    }

    /// <summary>
    /// Managed bytes <paramref name="action"/> allocated on this thread (<see cref="GC.GetAllocatedBytesForCurrentThread"/>);
    /// native allocations (GStreamer's parser) are not counted.
    /// </summary>
    public static long Allocated(Action action)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>
    /// A choice tape: a generator draws every decision (which line, which mutation, which token) from it, so CsCheck
    /// shrinks a generated document by shrinking the tape (fewer, smaller choices: the first options of each list).
    /// </summary>
    /// <param name="values">The choices; read round and round.</param>
    public sealed class Tape(uint[] values)
    {
        private int _at;

        /// <summary>A choice in 0..<paramref name="n"/>−1 (0 when <paramref name="n"/> ≤ 1).</summary>
        public int Next(int n) => n <= 1 || values.Length == 0 ? 0 : (int)(values[_at++ % values.Length] % (uint)n);

        /// <summary>True with about <paramref name="percent"/> % probability.</summary>
        public bool Chance(int percent) => Next(100) < percent;

        /// <summary>One of <paramref name="items"/>.</summary>
        public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

        /// <inheritdoc />
        public override string ToString() => $"Tape[{string.Join(",", values)}]";
    }

    /// <summary>Tapes of 1 to 160 choices.</summary>
    public static readonly Gen<Tape> Tapes = Gen.UInt.Array[1, 160].Select(a => new Tape(a));

    /// <summary>Extreme and odd tokens the mutators put in place of numbers and words.</summary>
    public static readonly string[] OddTokens =
    [
        "0", "-1", "-0", "1", "127", "128", "255", "256", "65535", "65536", "2147483647", "2147483648", "-2147483648",
        "4294967295", "4294967296", "9223372036854775807", "9223372036854775808", "99999999999", "1e10", "1.5", "0x10",
        "+5", " 7", "NaN", "Infinity", "-Infinity", "", " ", "\t", "null", "true", "é", "日本語", "\u200b", "😀",
        "\ud800", "\udc00x", "\0", "a\0b", "\u00a0", "٣", "１２", "%s%n", "../..", "/", "\\", "a=b", ":", ";", "\"",
    ];

    /// <summary>A token of <paramref name="length"/> repeats of <paramref name="c"/>: for "very long token" mutations.</summary>
    public static string Long(char c, int length) => new(c, length);

    /// <summary>Clips a printed input for a report.</summary>
    public static string Clip(string s, int max = 4000) => s.Length <= max ? s : s[..max] + $"… ({s.Length} characters)";

    /// <summary>Prints a string input as a C# literal (control and non-ASCII characters escaped) so a report can be pasted into a regression test.</summary>
    public static string Literal(string s)
    {
        var b = new System.Text.StringBuilder(s.Length + 2).Append('"');
        foreach (var c in Clip(s))
            b.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\r' => "\\r",
                '\n' => "\\n",
                '\t' => "\\t",
                < ' ' or > '~' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        return b.Append('"').ToString();
    }
}
