using Npga.Live.Media.WebRtc;

namespace Npga.Live.Tests.Shared;

/// <summary>
/// The guard of every test that opens network sockets: such tests run only inside a private
/// network namespace whose only interface is loopback (scripts/test.sh runs the suite under
/// <c>unshare -n</c> with <c>lo</c> up), so they cannot reach or disturb any other host. Elsewhere
/// they print "SKIPPED: not in a loopback-only network namespace" and pass (the project's skip
/// convention). Link this file into a test project:
/// <c>&lt;Compile Include="../Shared/LoopbackOnly.cs" Link="Shared/LoopbackOnly.cs" /&gt;</c>.
/// </summary>
public static class LoopbackOnly
{
    /// <summary>The line a skipped test prints.</summary>
    public const string SkipMessage = "SKIPPED: not in a loopback-only network namespace";

    private static readonly Lazy<bool> Cached = new(LoopbackNamespace.IsInside);

    /// <summary>Whether every network interface of this process's namespace is a loopback interface, one of them up (<see cref="LoopbackNamespace.IsInside"/>).</summary>
    public static bool IsLoopbackOnly => Cached.Value;

    /// <summary>
    /// True (after writing <see cref="SkipMessage"/> with <paramref name="writeLine"/>) when the
    /// test must skip: <c>if (LoopbackOnly.Skip(output.WriteLine)) return;</c>
    /// </summary>
    public static bool Skip(Action<string> writeLine)
    {
        if (IsLoopbackOnly) return false;
        writeLine(SkipMessage);
        return true;
    }
}
