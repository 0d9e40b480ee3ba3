using System.Diagnostics;
using System.Net.NetworkInformation;

namespace Npga.Live.Media.WebRtc;

/// <summary>
/// The private network namespace the live tests and benchmarks run in: only the loopback interface, so WebRTC's ICE
/// cannot reach any address but 127.0.0.0/8 (made with <c>unshare -n</c>, then <c>ip link set lo up</c>).
/// </summary>
public static class LoopbackNamespace
{
    /// <summary>Whether this process sees loopback interfaces only (and at least one that is up).</summary>
    public static bool IsInside()
    {
        try
        {
            var all = NetworkInterface.GetAllNetworkInterfaces();
            return all.Length > 0 && all.All(n => n.NetworkInterfaceType == NetworkInterfaceType.Loopback)
                && all.Any(n => n.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown);
        }
        catch (NetworkInformationException)
        {
            return false;
        }
    }

    /// <summary>Whether this process may make a network namespace (<c>unshare -n true</c> succeeds).</summary>
    public static bool CanCreate()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("unshare", ["-n", "true"]) { UseShellExecute = false, RedirectStandardError = true })!;
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    /// <summary>
    /// Runs this same program again inside a new loopback-only namespace with the same arguments and returns its exit
    /// code; null when namespaces are not allowed here (then run nothing that sends traffic).
    /// </summary>
    public static int? RunSelfInside(IEnumerable<string> args)
    {
        var self = Environment.ProcessPath;
        var entry = System.Reflection.Assembly.GetEntryAssembly()?.Location;
        if (self is null || !CanCreate()) return null;
        var psi = new ProcessStartInfo("unshare") { UseShellExecute = false };
        foreach (var a in new[] { "-n", "bash", "-c", "ip link set lo up && exec \"$@\"", "netns", self }) psi.ArgumentList.Add(a);
        if (Path.GetFileNameWithoutExtension(self) == "dotnet" && entry is not null) psi.ArgumentList.Add(entry);
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            p.WaitForExit();
            return p.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
