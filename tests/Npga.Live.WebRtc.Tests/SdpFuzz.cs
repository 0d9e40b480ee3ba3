using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using Npga.Live.Tests.Shared;
using Tape = Npga.Live.Tests.Shared.Fuzz.Tape;

namespace Npga.Live.WebRtc.Tests;

/// <summary>
/// Generators of SDP offers and ICE candidates for the fuzz tests: SDP-shaped documents built from valid lines (the
/// lines a browser sends, with random payload types, codecs, clock rates, directions, SSRCs and sections), then mutated
/// (lines dropped, duplicated, swapped or repeated thousands of times, numbers and words replaced by extremes, empty,
/// unicode or very long tokens, garbage lines, other line ends, truncation); the browser offer of <see cref="OfferTests"/>
/// mutated the same way; and random text.
/// </summary>
internal static partial class SdpFuzz
{
    private static readonly Gen<Tape> Tapes = Fuzz.Tapes;

    private static readonly string[] Codecs = ["VP8", "VP8", "VP8", "H264", "H264", "VP9", "AV1", "rtx", "red", "ulpfec", "vp8", "h264", "opus", "H265"];
    private static readonly string[] Rates = ["90000", "90000", "90000", "90000", "48000", "0", "8000", "90000/2"];
    private static readonly string[] Directions = ["sendrecv", "sendrecv", "sendrecv", "sendonly", "recvonly", "inactive"];
    private static readonly int[] PayloadTypes = [96, 97, 98, 99, 100, 102, 103, 106, 107, 108, 109, 116, 117, 125, 127, 0, 8, 35, 36, 63, 72];
    private static readonly string[] Fmtps =
    [
        "packetization-mode=1;profile-level-id=42e01f;level-asymmetry-allowed=1",
        "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
        "packetization-mode=0;profile-level-id=42e01f",
        "profile-level-id=640032;packetization-mode=1",
        "apt=96", "profile-id=0", "max-fs=12288;max-fr=60", "",
    ];

    /// <summary>A well-formed offer: session lines, then 1–3 sections (video, audio or data channel, some disabled).</summary>
    internal static List<string> BuildOffer(Tape t)
    {
        var lines = new List<string> { "v=0", $"o=- {t.Next(int.MaxValue)} 2 IN IP4 127.0.0.1", "s=-", "t=0 0" };
        int sections = 1 + t.Next(3);
        if (t.Chance(70)) lines.Add("a=group:BUNDLE " + string.Join(' ', Enumerable.Range(0, sections)));
        if (t.Chance(50)) lines.Add("a=extmap-allow-mixed");
        if (t.Chance(50)) lines.Add("a=msid-semantic: WMS stream");
        if (t.Chance(10)) lines.Add("a=" + t.Pick(Directions));
        for (int s = 0; s < sections; s++)
        {
            var kind = t.Pick(["video", "video", "video", "audio", "application"]);
            var port = t.Pick(["9", "9", "9", "9", "0", "1"]);
            var pts = Enumerable.Range(0, 1 + t.Next(6)).Select(_ => t.Pick(PayloadTypes)).Distinct().ToList();
            lines.Add(kind == "application"
                ? $"m=application {port} UDP/DTLS/SCTP webrtc-datachannel"
                : $"m={kind} {port} UDP/TLS/RTP/SAVPF {string.Join(' ', pts)}");
            lines.Add("c=IN IP4 0.0.0.0");
            if (t.Chance(70)) lines.Add("a=rtcp:9 IN IP4 0.0.0.0");
            lines.Add("a=ice-ufrag:" + t.Pick(["abcd", "Xy7q", "a+/b"]));
            lines.Add("a=ice-pwd:abcdefghijklmnopqrstuvwx");
            if (t.Chance(50)) lines.Add("a=ice-options:trickle");
            lines.Add("a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF");
            lines.Add("a=setup:" + t.Pick(["actpass", "actpass", "active", "passive"]));
            lines.Add($"a=mid:{s}");
            if (kind == "application")
            {
                lines.Add("a=sctp-port:5000");
                continue;
            }
            for (int d = t.Pick([0, 1, 1, 1, 1, 2]); d > 0; d--) lines.Add("a=" + t.Pick(Directions));
            if (t.Chance(80)) lines.Add("a=rtcp-mux");
            if (t.Chance(50)) lines.Add("a=rtcp-rsize");
            foreach (var pt in pts)
            {
                if (t.Chance(10)) continue; // a listed payload type without rtpmap (static ones need none)
                var codec = kind == "audio" && t.Chance(70) ? "opus" : t.Pick(Codecs);
                var rate = codec == "opus" ? "48000/2" : t.Pick(Rates);
                lines.Add($"a=rtpmap:{pt} {codec}/{rate}");
                if (t.Chance(50)) lines.Add($"a=rtcp-fb:{pt} nack pli");
                if (t.Chance(60)) lines.Add($"a=fmtp:{pt} {t.Pick(Fmtps)}");
            }
            if (t.Chance(40))
            {
                uint a = (uint)t.Next(int.MaxValue) + 1, b = (uint)t.Next(int.MaxValue) + 1;
                lines.Add($"a=ssrc-group:FID {a} {b}");
                lines.Add($"a=ssrc:{a} cname:x");
                lines.Add($"a=ssrc:{a} msid:stream track");
                lines.Add($"a=ssrc:{b} cname:x");
            }
        }
        return lines;
    }

    [GeneratedRegex(@"\d+")]
    private static partial Regex Number();

    [GeneratedRegex(@"[^ :/=;]+")]
    private static partial Regex Word();

    /// <summary>Applies 1–4 random mutations to <paramref name="lines"/> (in place) and joins them with random line ends.</summary>
    internal static string Mutate(List<string> lines, Tape t)
    {
        for (int m = 1 + t.Next(4); m > 0 && lines.Count > 0; m--)
        {
            int i = t.Next(lines.Count);
            switch (t.Next(11))
            {
                case 0: lines.RemoveAt(i); break;
                case 1: lines.Insert(i, lines[i]); break;
                case 2:
                    int j = t.Next(lines.Count);
                    (lines[i], lines[j]) = (lines[j], lines[i]);
                    break;
                case 3 or 4: lines[i] = ReplaceOne(Number(), lines[i], t.Pick(Fuzz.OddTokens), t); break;
                case 5: lines[i] = ReplaceOne(Word(), lines[i], t.Pick(Fuzz.OddTokens), t); break;
                case 6: lines[i] = ReplaceOne(Word(), lines[i], Fuzz.Long(t.Pick(['a', '9', 'é', ' ']), t.Pick([300, 5_000, 60_000])), t); break;
                case 7: lines.InsertRange(i, Enumerable.Repeat(lines[i], t.Pick([2, 100, 3_000]))); break;
                case 8: lines.Insert(i, t.Pick(["a=", "a=rtpmap:", "a=ssrc:", "m=", "m=video", "x", "", "a=fmtp:96", "a=rtpmap:96 VP8/90000/2/3", "a=ssrc-group:FID", "a=mid:", "v=1", "\u00e9=\u00e9"])); break;
                case 9: lines[i] = lines[i].Insert(t.Next(lines[i].Length + 1), t.Pick(["\0", "\r", "\n", "\ud800", "😀", "\u0085", "\u2028"])); break;
                default: lines[i] = lines[i][..t.Next(lines[i].Length + 1)]; break;
            }
        }
        var eol = t.Pick(["\r\n", "\r\n", "\n", "\r"]);
        var text = string.Join(eol, lines) + (t.Chance(80) ? eol : "");
        return t.Chance(10) ? text[..t.Next(text.Length + 1)] : text;
    }

    private static string ReplaceOne(Regex pattern, string line, string with, Tape t)
    {
        var matches = pattern.Matches(line);
        if (matches.Count == 0) return line;
        var m = matches[t.Next(matches.Count)];
        return line[..m.Index] + with + line[(m.Index + m.Length)..];
    }

    /// <summary>Offers as they come from the generator, unmutated: most are valid, some are refused for their direction, codecs or payload types.</summary>
    internal static readonly Gen<string> WellFormedOffers = Tapes.Select(t => string.Join("\r\n", BuildOffer(t)) + "\r\n");

    /// <summary>Generated offers, mutated.</summary>
    internal static readonly Gen<string> MutatedOffers = Tapes.Select(t => Mutate(BuildOffer(t), t));

    /// <summary>The browser offer of <see cref="OfferTests"/>, mutated.</summary>
    internal static readonly Gen<string> MutatedBrowserOffers = Tapes.Select(t => Mutate(OfferTests.BrowserOffer.Split("\r\n").ToList(), t));

    private const string SdpAlphabet = "v=0amoctsrpidfux:/ 0123456789VP8H264\r\n\r\n-.;";

    /// <summary>Random text: any characters, and characters of SDP.</summary>
    internal static readonly Gen<string> RandomText = Gen.OneOf(
        Gen.String,
        Gen.Char[SdpAlphabet].Array[0, 400].Select(a => new string(a)),
        Gen.Char.Array[0, 2_000].Select(a => "v=0\r\n" + new string(a)));

    /// <summary>Every kind of SDP input.</summary>
    internal static readonly Gen<string> AnyOffer = Gen.Frequency(
        (2, WellFormedOffers), (5, MutatedOffers), (3, MutatedBrowserOffers), (2, RandomText));

    // ---- ICE candidates

    private static readonly string[] Addresses =
        ["127.0.0.1", "192.168.1.20", "203.0.113.7", "0.0.0.0", "fe80::1c2b:3cff:fe4d:5e6f", "::1", "9c2d61a3-6f6c-4d23-9b7e-6a3f8e3c1f00.local", "host.example"];

    /// <summary>A well-formed candidate line from random fields.</summary>
    internal static List<string> BuildCandidate(Tape t)
    {
        var f = new List<string>
        {
            "candidate:" + t.Pick(["842163049", "1", "abc+/", "0", "Zz9"]),
            t.Pick(["1", "1", "2"]), t.Pick(["udp", "UDP", "tcp"]), t.Next(int.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture),
            t.Pick(Addresses), t.Next(65536).ToString(System.Globalization.CultureInfo.InvariantCulture), "typ", t.Pick(["host", "srflx", "prflx", "relay"]),
        };
        for (int e = t.Next(4); e > 0; e--)
            f.AddRange(t.Next(5) switch
            {
                0 => ["raddr", t.Pick(Addresses)],
                1 => ["rport", t.Next(65536).ToString(System.Globalization.CultureInfo.InvariantCulture)],
                2 => ["generation", "0"],
                3 => ["ufrag", "abcd"],
                _ => ["network-cost", "999"],
            });
        return f;
    }

    /// <summary>A candidate with 1–3 fields replaced (odd tokens, long tokens, empty), dropped, duplicated or swapped, maybe with "a=".</summary>
    internal static string MutateCandidate(List<string> f, Tape t)
    {
        for (int m = t.Next(4); m > 0 && f.Count > 0; m--)
        {
            int i = t.Next(f.Count);
            switch (t.Next(6))
            {
                case 0: f[i] = (i == 0 ? "candidate:" : "") + t.Pick(Fuzz.OddTokens); break;
                case 1: f[i] = Fuzz.Long(t.Pick(['1', 'a', '.', ':']), t.Pick([33, 64, 254, 1_100, 70_000])); break;
                case 2: f.RemoveAt(i); break;
                case 3: f.Insert(i, f[i]); break;
                case 4:
                    int j = t.Next(f.Count);
                    (f[i], f[j]) = (f[j], f[i]);
                    break;
                default: f[i] = f[i].Insert(t.Next(f[i].Length + 1), t.Pick(["", " ", "\r\n", "\0", "é", "😀", "-", "."])); break;
            }
        }
        return (t.Chance(15) ? "a=" : "") + string.Join(t.Chance(95) ? " " : "  ", f);
    }

    /// <summary>Every kind of candidate input: built and mutated, the known good and bad ones mutated, random text.</summary>
    internal static readonly Gen<string> AnyCandidate = Gen.Frequency(
        (2, Tapes.Select(t => MutateCandidate(BuildCandidate(t), t))),
        (1, Tapes.Select(t => string.Join(' ', BuildCandidate(t)))),
        (1, Tapes.Select(t => MutateCandidate(t.Pick([.. OfferTests.GoodCandidates, .. OfferTests.BadCandidates]).Split(' ').ToList(), t))),
        (1, Gen.OneOf(Gen.String, Gen.Char["candidate: 0123456789.udptyphost:abcdef"].Array[0, 120].Select(a => new string(a)))));

    /// <summary>Counts by outcome, for the test output.</summary>
    internal sealed class Tally
    {
        private readonly Dictionary<string, int> _counts = new();

        public void Add(string outcome)
        {
            lock (_counts) _counts[outcome] = _counts.GetValueOrDefault(outcome) + 1;
        }

        public int this[string outcome]
        {
            get { lock (_counts) return _counts.GetValueOrDefault(outcome); }
        }

        public override string ToString()
        {
            lock (_counts)
                return string.Join(", ", _counts.OrderByDescending(kv => kv.Value).Take(12).Select(kv => $"{kv.Key}: {kv.Value}"));
        }
    }

    /// <summary>The first words of a refusal message (numbers and quoted parts dropped), to tally refusals by kind.</summary>
    internal static string Kind(string message)
    {
        var sb = new StringBuilder();
        foreach (var w in message.Split(' ').Take(7))
        {
            if (w.Contains('\'') || w.Any(char.IsDigit)) break;
            sb.Append(w).Append(' ');
        }
        return sb.ToString().TrimEnd();
    }
}
