using System.Globalization;
using System.Text;
using Npga.Live.Server.Sessions;

namespace Npga.Live.Server.Metrics;

/// <summary>
/// <c>GET /metrics</c>: the server's figures in the Prometheus text exposition format (version 0.0.4): sessions in use,
/// started and ended, the slot limit, and per session the frame rates in and out, the last second's median stage times
/// (track, deform + render + refine, encode; ms) and server latency (ms), and dropped frames; hub calls refused with an
/// error, per method, and connections closed for sending nothing (<see cref="ConnectionCounters"/>); join tokens
/// refused per reason, requests and hub calls refused by a rate limit, admin requests refused and tokens issued
/// (<see cref="AccessCounters"/>).
/// </summary>
public static class MetricsEndpoint
{
    /// <summary>Renders the figures of <paramref name="sessions"/>, <paramref name="connections"/> and <paramref name="access"/> now.</summary>
    public static string Render(SessionManager sessions, LiveOptions options, ConnectionCounters connections, AccessCounters access)
    {
        var sb = new StringBuilder();
        Gauge(sb, "npga_sessions", "Live sessions holding a slot", sessions.SlotsInUse);
        Gauge(sb, "npga_sessions_max", "Most concurrent sessions", options.MaxSessions);
        Counter(sb, "npga_sessions_started_total", "Sessions started", sessions.SessionsStarted);
        Counter(sb, "npga_sessions_ended_total", "Sessions ended", sessions.SessionsEnded);
        Gauge(sb, "npga_render_load", "The sessions' render stages' busy share of the last 2 s, summed (1: one renderer never idle)", sessions.RenderLoad);
        Gauge(sb, "npga_render_load_max", "Joins are refused when the render load with one more session would exceed this (0: off)", options.MaxRenderLoad);
        Counter(sb, "npga_sessions_refused_load_total", "Joins refused because of the render load", sessions.RefusedByLoad);
        Counter(sb, "npga_connections_closed_idle_total", "Hub connections closed because the client sent nothing for the client timeout", connections.IdleConnectionsClosed);
        sb.Append("# HELP npga_hub_calls_refused_total Hub calls answered with an error (no session, bad arguments, offer or candidate, busy), per method\n");
        sb.Append("# TYPE npga_hub_calls_refused_total counter\n");
        foreach (var (method, count) in connections.CallsRefused)
            sb.Append("npga_hub_calls_refused_total{method=\"").Append(method).Append("\"} ").Append(Num(count)).Append('\n');
        Labelled(sb, "npga_hub_calls_rate_limited_total", "Hub calls refused by a rate limit (per connection, or Join per client address), per method", "method", access.HubCallsLimited);
        Labelled(sb, "npga_http_requests_rate_limited_total", "HTTP requests answered 429 by a rate limit, per limit", "limit", access.HttpRequestsLimited);
        Labelled(sb, "npga_join_tokens_refused_total", "Requests to /hub refused for their join token, per reason", "reason", access.TokensRefused);
        Counter(sb, "npga_admin_requests_refused_total", "Admin requests without the right API key", access.AdminRequestsRefused);
        Counter(sb, "npga_join_tokens_issued_total", "Join tokens issued by /admin/tokens", access.TokensIssued);
        var all = sessions.Sessions.Select(s => (s.Id, Stats: s.Stats)).ToList();
        void PerSession(string name, string help, Func<SessionStats, double?> value)
        {
            sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            sb.Append("# TYPE ").Append(name).Append(" gauge\n");
            foreach (var (id, st) in all) sb.Append(name).Append("{session=\"").Append(id).Append("\"} ").Append(Num(value(st) ?? double.NaN)).Append('\n');
        }
        PerSession("npga_session_fps_in", "Webcam frames decoded per second", s => s.FpsIn);
        PerSession("npga_session_fps_out", "Avatar frames sent per second", s => s.FpsOut);
        PerSession("npga_session_face", "1 when the last frame had a face", s => s.Face ? 1 : 0);
        PerSession("npga_session_track_ms", "Median tracking time over the last second, ms", s => s.TrackMs);
        PerSession("npga_session_render_ms", "Median deform + render + refine time over the last second, ms", s => s.RenderMs);
        PerSession("npga_session_encode_ms", "Median encoder hand-off time over the last second, ms", s => s.EncodeMs);
        PerSession("npga_session_latency_ms", "Median server latency (webcam frame decoded to avatar frame encoded) over the last second, ms", s => s.LatencyMs);
        PerSession("npga_session_refine", "1 when the last frame ran the avatar's CNN, 0 when it was switched off (absent without a CNN)", s => s.Refine is { } r ? (r ? 1 : 0) : null);
        PerSession("npga_session_dropped_frames", "Frames dropped by the pipeline (newest frame wins)", s => s.Dropped);
        return sb.ToString();
    }

    private static void Labelled(StringBuilder sb, string name, string help, string label, IReadOnlyList<(string Value, long Count)> counts)
    {
        sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(" counter\n");
        foreach (var (value, count) in counts) sb.Append(name).Append('{').Append(label).Append("=\"").Append(value).Append("\"} ").Append(Num(count)).Append('\n');
    }

    private static void Gauge(StringBuilder sb, string name, string help, double value) =>
        sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(" gauge\n").Append(name).Append(' ').Append(Num(value)).Append('\n');

    private static void Counter(StringBuilder sb, string name, string help, double value) =>
        sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(" counter\n").Append(name).Append(' ').Append(Num(value)).Append('\n');

    private static string Num(double v) => double.IsNaN(v) ? "NaN" : v.ToString("0.###", CultureInfo.InvariantCulture);
}
