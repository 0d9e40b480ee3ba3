namespace Npga.Live.Pipeline.Reenact;

/// <summary>What a bounded hand-off between two stages of a <see cref="ReenactPipeline"/> does when it is full.</summary>
public enum HandOffPolicy
{
    /// <summary>
    /// Back-pressure: the producing stage waits until the consumer takes a frame. No frame is lost, so the output holds
    /// exactly the input's frames; the slowest stage sets the pace. Offline reenactment.
    /// </summary>
    Wait,

    /// <summary>
    /// Newest frame wins: a frame arriving at a full hand-off pushes out the oldest one waiting there, which is dropped
    /// (and counted). Latency stays bounded under load. The live server.
    /// </summary>
    DropOldest,
}
