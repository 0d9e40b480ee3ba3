using System.Text;

namespace Npga.Live.Server.Whip;

/// <summary>
/// SDP text helpers of non-trickle signalling (WHIP, RFC 9725; WHEP): the server's gathered ICE candidates written into
/// its answer, and the candidates of a client's <c>application/trickle-ice-sdpfrag</c> (RFC 8840) read out.
/// </summary>
public static class SdpCandidates
{
    /// <summary>
    /// <paramref name="sdp"/> (CRLF or LF line ends) with an <c>a=candidate:…</c> line for each of
    /// <paramref name="candidates"/> (m-line index, <c>candidate:…</c> line without <c>a=</c>) at the end of its
    /// m-section, and <c>a=end-of-candidates</c> closing every m-section. Candidates for m-lines the SDP lacks are
    /// dropped. The result has CRLF line ends.
    /// </summary>
    public static string Insert(string sdp, IReadOnlyList<(int MLine, string Candidate)> candidates)
    {
        var lines = sdp.Replace("\r\n", "\n").TrimEnd('\n').Split('\n');
        var result = new StringBuilder(sdp.Length + candidates.Count * 120);
        int mline = -1;
        void Close()
        {
            if (mline < 0) return;
            foreach (var (m, c) in candidates)
                if (m == mline) result.Append("a=").Append(c.StartsWith("a=", StringComparison.Ordinal) ? c[2..] : c).Append("\r\n");
            result.Append("a=end-of-candidates\r\n");
        }
        foreach (var line in lines)
        {
            if (line.StartsWith("m=", StringComparison.Ordinal))
            {
                Close();
                mline++;
            }
            result.Append(line).Append("\r\n");
        }
        Close();
        return result.ToString();
    }

    /// <summary>The <c>a=mid:</c> value of each m-section of <paramref name="sdp"/>, in order (null where an m-section has none).</summary>
    public static IReadOnlyList<string?> Mids(string sdp)
    {
        var mids = new List<string?>();
        foreach (var line in Lines(sdp))
        {
            if (line.StartsWith("m=", StringComparison.Ordinal)) mids.Add(null);
            else if (line.StartsWith("a=mid:", StringComparison.Ordinal) && mids.Count > 0 && mids[^1] is null) mids[^1] = line[6..].Trim();
        }
        return mids;
    }

    /// <summary>The first <c>a=ice-ufrag:</c> value of <paramref name="sdp"/> (session or media level), or null.</summary>
    public static string? IceUfrag(string sdp) =>
        Lines(sdp).FirstOrDefault(l => l.StartsWith("a=ice-ufrag:", StringComparison.Ordinal))?["a=ice-ufrag:".Length..].Trim();

    /// <summary>
    /// The candidates of a trickle-ICE SDP fragment (RFC 8840): each <c>a=candidate:</c> line with the m-line index of
    /// its section, found by the section's <c>a=mid:</c> in <paramref name="offerMids"/> (the offer's), else by the
    /// section's position; candidates before any <c>m=</c> line count for m-line 0. <c>a=end-of-candidates</c> is skipped.
    /// </summary>
    /// <exception cref="FormatException">A section names a mid the offer does not have.</exception>
    public static IReadOnlyList<(int MLine, string Candidate)> ReadFragment(string fragment, IReadOnlyList<string?> offerMids)
    {
        var found = new List<(int, string)>();
        var section = new List<string>();
        int position = -1;
        void Flush()
        {
            var mid = section.FirstOrDefault(l => l.StartsWith("a=mid:", StringComparison.Ordinal))?[6..].Trim();
            int index = Math.Max(position, 0);
            if (mid is not null)
            {
                index = -1;
                for (int i = 0; i < offerMids.Count; i++) if (offerMids[i] == mid) index = i;
                if (index < 0) throw new FormatException($"the fragment names the mid '{(mid.Length > 32 ? mid[..32] + "…" : mid)}', which the offer does not have");
            }
            foreach (var l in section)
                if (l.StartsWith("a=candidate:", StringComparison.Ordinal)) found.Add((index, l[2..]));
            section.Clear();
        }
        foreach (var line in Lines(fragment))
        {
            if (line.StartsWith("m=", StringComparison.Ordinal))
            {
                Flush();
                position++;
            }
            section.Add(line);
        }
        Flush();
        return found;
    }

    private static IEnumerable<string> Lines(string text) =>
        text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0);
}
