namespace Npga.Live.Pipeline.Reenact;

/// <summary>Milliseconds one frame spent in each stage of a <see cref="ReenactPipeline"/> (wall-clock time on the stage's thread).</summary>
/// <param name="Decode">Getting the frame from the source (for a file: waiting for the decoder's next frame).</param>
/// <param name="Track">Face tracking (detect when lost, crop, landmarks, pose and code fit).</param>
/// <param name="Deform">F + G + compose (NPGA eqs. 4–6).</param>
/// <param name="Render">Splatting: project + bin/sort + rasterize.</param>
/// <param name="Refine">The screen-space CNN (0 without one).</param>
/// <param name="Encode">The sink's <see cref="IReenactSink.Write"/> (layout, copy and hand-over to the encoder; the encoder's
/// own threads are not counted).</param>
/// <param name="Measure">The observer's <see cref="IReenactObserver.Observe"/> (e.g. re-tracking the avatar), 0 without one.</param>
/// <param name="Latency">From the frame leaving the source to the sink having written it.</param>
public readonly record struct ReenactStageMs(double Decode, double Track, double Deform, double Render, double Refine, double Encode, double Measure, double Latency);
