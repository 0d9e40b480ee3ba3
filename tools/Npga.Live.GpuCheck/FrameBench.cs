using System.Diagnostics;
using System.Text.Json.Nodes;
using Npga.Live.Core;
using Npga.Live.Core.Imaging;
using Npga.Live.Pipeline;

namespace Npga.Live.GpuCheck;

/// <summary>
/// Times whole frames of an <see cref="AvatarFrameRenderer"/> (deform → render → refine) with random codes and the turning
/// view of <c>npga bench render</c>: a warm-up, then frames until a time is spent (and at least a minimum count); medians of
/// the per-frame stage timings, frames per second over the wall clock.
/// </summary>
internal static class FrameBench
{
    /// <summary>One configuration's figures.</summary>
    public sealed record Result(int Frames, double Fps, double FMs, double GMs, double ComposeMs, double RenderMs, double ProjectMs,
        double BinSortMs, double RasterizeMs, double CnnMs, double FrameMs, double FrameP90Ms)
    {
        /// <summary>The figures as JSON fields, milliseconds rounded to 0.01.</summary>
        public void WriteTo(JsonObject o)
        {
            o["frames"] = Frames;
            o["fps"] = PartReport.Num(Fps, 2);
            o["f_ms"] = PartReport.Num(FMs, 2);
            o["g_ms"] = PartReport.Num(GMs, 2);
            o["compose_ms"] = PartReport.Num(ComposeMs, 2);
            o["render_ms"] = PartReport.Num(RenderMs, 3);
            o["project_ms"] = PartReport.Num(ProjectMs, 3);
            o["bin_sort_ms"] = PartReport.Num(BinSortMs, 3);
            o["rasterize_ms"] = PartReport.Num(RasterizeMs, 3);
            o["cnn_ms"] = PartReport.Num(CnnMs, 2);
            o["frame_ms"] = PartReport.Num(FrameMs, 2);
            o["frame_p90_ms"] = PartReport.Num(FrameP90Ms, 2);
        }

        /// <summary>One line: fps and the stages' medians.</summary>
        public override string ToString() =>
            $"{Fps,7:F1} fps ({Frames} frames): F {FMs:F2}, G {GMs:F2}, compose {ComposeMs:F2}, render {RenderMs:F3} " +
            $"(project {ProjectMs:F3}, bin+sort {BinSortMs:F3}, rasterize {RasterizeMs:F3}), CNN {CnnMs:F2}, frame {FrameMs:F2} ms (p90 {FrameP90Ms:F2})";
    }

    /// <summary>Runs <paramref name="warmup"/> frames, then frames until <paramref name="seconds"/> have passed and at least <paramref name="minFrames"/> were drawn.</summary>
    public static Result Run(AvatarFrameRenderer fr, int warmup, double seconds, int minFrames, int maxFrames, int seed)
    {
        int k = fr.Package.Manifest.ExpressionModel.K;
        var codes = Measure.Codes(64, k, seed);
        var img = new RgbImage(fr.Target.Width, fr.Target.Height);
        for (int f = 0; f < warmup; f++) fr.Render(codes[f % codes.Length], [], [], Measure.Turning(fr.BaseCamera, f), img);
        var t = new List<AvatarFrameTimings>();
        var clock = Stopwatch.StartNew();
        while ((clock.Elapsed.TotalSeconds < seconds || t.Count < minFrames) && t.Count < maxFrames)
        {
            int f = t.Count;
            fr.Render(codes[f % codes.Length], [], [], Measure.Turning(fr.BaseCamera, f), img);
            t.Add(fr.LastTimings);
        }
        double wall = clock.Elapsed.TotalSeconds;
        return new Result(t.Count, t.Count / wall,
            Statistics.Median(t.Select(x => x.FMs)), Statistics.Median(t.Select(x => x.GMs)), Statistics.Median(t.Select(x => x.ComposeMs)),
            Statistics.Median(t.Select(x => x.ProjectMs + x.BinSortMs + x.RasterizeMs)),
            Statistics.Median(t.Select(x => x.ProjectMs)), Statistics.Median(t.Select(x => x.BinSortMs)), Statistics.Median(t.Select(x => x.RasterizeMs)),
            Statistics.Median(t.Select(x => x.CnnMs)), Statistics.Median(t.Select(x => x.TotalMs)), Statistics.Percentile(t.Select(x => x.TotalMs), 90));
    }
}
