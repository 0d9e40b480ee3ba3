using System.Globalization;
using System.Net;

namespace Npga.Live.Media.WebRtc;

/// <summary>
/// A remote ICE candidate read from its <c>candidate:</c> attribute (RFC 8839 section 5.1):
/// <c>candidate:foundation component transport priority address port typ type [raddr a rport p] [name value]…</c>,
/// fields separated by single spaces. It is read only to refuse what the ICE agent should never see
/// (garbage, absurd numbers, an RTCP component under bundle and rtcp-mux); the line itself is what
/// is handed on.
/// </summary>
/// <param name="Foundation">1 to 32 characters of <c>A-Z a-z 0-9 + /</c>.</param>
/// <param name="Component">1 (RTP) or 2 (RTCP); with bundle and rtcp-mux every candidate is component 1.</param>
/// <param name="Transport">"udp" or "tcp", lower case.</param>
/// <param name="Priority">The candidate's priority (32 bits).</param>
/// <param name="Address">An IPv4 or IPv6 address, or a host name (browsers hide host addresses behind mDNS <c>….local</c> names).</param>
/// <param name="Port">0 to 65535 (0 for TCP active candidates).</param>
/// <param name="Type">"host", "srflx", "prflx" or "relay".</param>
public sealed record IceCandidate(string Foundation, int Component, string Transport, uint Priority, string Address, int Port, string Type)
{
    /// <summary>
    /// Longest candidate line taken, characters (1 KiB). A browser's candidate, extensions included,
    /// is 100 to 250 characters.
    /// </summary>
    public const int MaxLength = 1024;

    /// <summary>Reads a candidate line, with or without an <c>a=</c> prefix.</summary>
    /// <param name="line">The <c>candidate:…</c> line.</param>
    /// <exception cref="ArgumentNullException"><paramref name="line"/> is null.</exception>
    /// <exception cref="WebRtcException">The line is longer than <see cref="MaxLength"/> or does not follow the grammar; the message names the first field at fault.</exception>
    public static IceCandidate Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (line.Length > MaxLength)
            throw new WebRtcException($"the ICE candidate is {line.Length} characters long; at most {MaxLength} are taken");
        var text = line.StartsWith("a=", StringComparison.Ordinal) ? line[2..] : line;
        if (!text.StartsWith("candidate:", StringComparison.Ordinal))
            throw Bad(line, "it does not start with 'candidate:'");
        foreach (var c in text)
            if (c is < ' ' or > '~')
                throw Bad(line, $"it holds the character U+{(int)c:X4} (printable ASCII only)");
        var f = text["candidate:".Length..].Split(' ');
        if (f.Length < 8) throw Bad(line, $"it has {f.Length} fields; at least 8 are needed (foundation component transport priority address port typ type)");

        var foundation = f[0];
        if (foundation.Length is < 1 or > 32 || !foundation.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/'))
            throw Bad(line, $"the foundation '{Clip(foundation)}' is not 1 to 32 of A-Z a-z 0-9 + /");
        if (!Digits(f[1], 3, out var component) || component is not (1 or 2))
            throw Bad(line, $"the component '{Clip(f[1])}' is not 1 (RTP) or 2 (RTCP)");
        var transport = f[2].ToLowerInvariant();
        if (transport is not ("udp" or "tcp"))
            throw Bad(line, $"the transport '{Clip(f[2])}' is not udp or tcp");
        if (!Digits(f[3], 10, out var priority) || priority > uint.MaxValue)
            throw Bad(line, $"the priority '{Clip(f[3])}' is not a number from 0 to {uint.MaxValue}");
        if (!IsAddress(f[4]))
            throw Bad(line, $"the address '{Clip(f[4])}' is neither an IP address nor a host name");
        if (!Digits(f[5], 5, out var port) || port > 65535)
            throw Bad(line, $"the port '{Clip(f[5])}' is not 0 to 65535");
        if (f[6] != "typ") throw Bad(line, $"'typ' must follow the port, found '{Clip(f[6])}'");
        if (f[7] is not ("host" or "srflx" or "prflx" or "relay"))
            throw Bad(line, $"the type '{Clip(f[7])}' is not host, srflx, prflx or relay");

        // The rest: name/value pairs. raddr and rport (the related address) are checked like the
        // address and port; others (generation, ufrag, network-id, tcptype …) are any non-empty token.
        if ((f.Length - 8) % 2 != 0)
            throw Bad(line, $"after the type every extension is a name and a value; '{Clip(f[^1])}' has no value");
        for (int i = 8; i < f.Length; i += 2)
        {
            var (name, value) = (f[i], f[i + 1]);
            if (name.Length == 0 || value.Length == 0) throw Bad(line, "two spaces in a row (fields are separated by one space)");
            if (name == "raddr" && !IsAddress(value)) throw Bad(line, $"the related address '{Clip(value)}' is neither an IP address nor a host name");
            if (name == "rport" && (!Digits(value, 5, out var rport) || rport > 65535)) throw Bad(line, $"the related port '{Clip(value)}' is not 0 to 65535");
        }
        return new IceCandidate(foundation, (int)component, transport, (uint)priority, f[4], (int)port, f[7]);
    }

    /// <summary>1 to <paramref name="maxDigits"/> ASCII digits, no sign.</summary>
    private static bool Digits(string s, int maxDigits, out long value)
    {
        value = 0;
        return s.Length >= 1 && s.Length <= maxDigits && s.All(char.IsAsciiDigit)
               && long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>An IPv4/IPv6 address or a DNS name (labels of letters, digits and hyphens, at most 253 characters).</summary>
    private static bool IsAddress(string s)
    {
        if (s.Length is 0 or > 253) return false;
        if (s.Contains(':')) return IPAddress.TryParse(s, out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        if (s.All(c => char.IsAsciiDigit(c) || c == '.'))
            return IPAddress.TryParse(s, out var v4) && v4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && s.Count(c => c == '.') == 3;
        foreach (var label in s.Split('.'))
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-' || !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
                return false;
        return true;
    }

    private static WebRtcException Bad(string line, string why) => new($"malformed ICE candidate '{Clip(line, 120)}': {why}");

    private static string Clip(string s, int max = 40) => s.Length <= max ? s : s[..max] + "…";
}
