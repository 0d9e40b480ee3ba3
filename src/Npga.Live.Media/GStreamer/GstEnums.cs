namespace Npga.Live.Media.GStreamer;

// GStreamer's C enumerations, with the values of gstreamer-1.0 (ABI-stable).

/// <summary><c>GstState</c>: an element's state.</summary>
public enum GstState
{
    /// <summary>No pending state.</summary>
    VoidPending = 0,
    /// <summary>Initial state, no resources held.</summary>
    Null = 1,
    /// <summary>Resources allocated, no data flows.</summary>
    Ready = 2,
    /// <summary>Prerolled: sinks hold one buffer, the clock does not run.</summary>
    Paused = 3,
    /// <summary>Data flows and the clock runs.</summary>
    Playing = 4,
}

/// <summary><c>GstStateChangeReturn</c>.</summary>
public enum GstStateChangeReturn
{
    /// <summary>The state change failed (an ERROR message says why).</summary>
    Failure = 0,
    /// <summary>Done.</summary>
    Success = 1,
    /// <summary>Completes asynchronously (preroll).</summary>
    Async = 2,
    /// <summary>Done, but a live source cannot preroll in PAUSED.</summary>
    NoPreroll = 3,
}

/// <summary><c>GstFlowReturn</c>: the result of pushing data.</summary>
public enum GstFlowReturn
{
    /// <summary>Data passed.</summary>
    Ok = 0,
    /// <summary>The pad is not linked.</summary>
    NotLinked = -1,
    /// <summary>The pad is flushing (not running).</summary>
    Flushing = -2,
    /// <summary>End of stream.</summary>
    Eos = -3,
    /// <summary>Caps could not be negotiated.</summary>
    NotNegotiated = -4,
    /// <summary>A fatal error (an ERROR message says why).</summary>
    Error = -5,
    /// <summary>The operation is not supported.</summary>
    NotSupported = -6,
}

/// <summary><c>GstMessageType</c>: bus message kinds, as flags for filtering.</summary>
[Flags]
public enum GstMessageType : uint
{
    /// <summary>None.</summary>
    Unknown = 0,
    /// <summary>End of stream reached by every sink.</summary>
    Eos = 1u << 0,
    /// <summary>A fatal error.</summary>
    Error = 1u << 1,
    /// <summary>A non-fatal problem.</summary>
    Warning = 1u << 2,
    /// <summary>Information.</summary>
    Info = 1u << 3,
    /// <summary>Metadata tags.</summary>
    Tag = 1u << 4,
    /// <summary>Buffering progress.</summary>
    Buffering = 1u << 5,
    /// <summary>An element changed state.</summary>
    StateChanged = 1u << 6,
    /// <summary>An element-specific message (carries a structure).</summary>
    Element = 1u << 15,
    /// <summary>The duration changed.</summary>
    DurationChanged = 1u << 18,
    /// <summary>An asynchronous state change started.</summary>
    AsyncStart = 1u << 20,
    /// <summary>An asynchronous state change (preroll) completed.</summary>
    AsyncDone = 1u << 21,
    /// <summary>A stream started.</summary>
    StreamStart = 1u << 28,
    /// <summary>Every type.</summary>
    Any = 0xffffffff,
}

/// <summary><c>GstFormat</c>: units of positions and durations.</summary>
public enum GstFormat
{
    /// <summary>Undefined.</summary>
    Undefined = 0,
    /// <summary>Format-specific default (frames for video).</summary>
    Default = 1,
    /// <summary>Bytes.</summary>
    Bytes = 2,
    /// <summary>Nanoseconds.</summary>
    Time = 3,
}

/// <summary><c>GstMapFlags</c>.</summary>
[Flags]
public enum GstMapFlags
{
    /// <summary>Map for reading.</summary>
    Read = 1,
    /// <summary>Map for writing.</summary>
    Write = 2,
}

/// <summary><c>GstPadProbeType</c>: what a pad probe sees.</summary>
[Flags]
public enum GstPadProbeType
{
    /// <summary>Nothing.</summary>
    Invalid = 0,
    /// <summary>Called when the pad is idle.</summary>
    Idle = 1 << 0,
    /// <summary>Blocks the data flow while the probe is installed.</summary>
    Block = 1 << 1,
    /// <summary>Buffers.</summary>
    Buffer = 1 << 4,
    /// <summary>Buffer lists.</summary>
    BufferList = 1 << 5,
    /// <summary>Downstream events (caps, segment, EOS ...).</summary>
    EventDownstream = 1 << 6,
    /// <summary>Upstream events.</summary>
    EventUpstream = 1 << 7,
    /// <summary>Flush events.</summary>
    EventFlush = 1 << 8,
    /// <summary>Downstream queries.</summary>
    QueryDownstream = 1 << 9,
    /// <summary>Upstream queries.</summary>
    QueryUpstream = 1 << 10,
    /// <summary>Push mode.</summary>
    Push = 1 << 12,
    /// <summary>Pull mode.</summary>
    Pull = 1 << 13,
}

/// <summary><c>GstPadProbeReturn</c>: what a pad probe decides.</summary>
public enum GstPadProbeReturn
{
    /// <summary>Drop the data item (the push returns OK).</summary>
    Drop = 0,
    /// <summary>Let it pass, keep the probe.</summary>
    Ok = 1,
    /// <summary>Let it pass and remove the probe.</summary>
    Remove = 2,
    /// <summary>Let it pass through a blocking probe.</summary>
    Pass = 3,
    /// <summary>The probe handled (and owns) the item.</summary>
    Handled = 4,
}

/// <summary><c>GstEventType</c> values this project looks at (GST_EVENT_MAKE_TYPE(num, flags)).</summary>
public enum GstEventType
{
    /// <summary>Unknown.</summary>
    Unknown = 0,
    /// <summary>Flush start (not serialized).</summary>
    FlushStart = (10 << 8) | 0x3,
    /// <summary>Flush stop.</summary>
    FlushStop = (20 << 8) | 0x7,
    /// <summary>Stream start.</summary>
    StreamStart = (40 << 8) | 0xE,
    /// <summary>Caps: the format of the buffers that follow.</summary>
    Caps = (50 << 8) | 0xE,
    /// <summary>Segment.</summary>
    Segment = (70 << 8) | 0xE,
    /// <summary>End of stream.</summary>
    Eos = (90 << 8) | 0xE,
}

/// <summary><c>GstTaskState</c>: the state of a pad's streaming thread.</summary>
public enum GstTaskState
{
    /// <summary>Running (or waiting for data inside its loop).</summary>
    Started = 0,
    /// <summary>Stopped, or the pad has no task.</summary>
    Stopped = 1,
    /// <summary>Paused (e.g. after end of stream or an error).</summary>
    Paused = 2,
}

/// <summary><c>GstIteratorResult</c>.</summary>
internal enum GstIteratorResult
{
    Done = 0,
    Ok = 1,
    Resync = 2,
    Error = 3,
}

/// <summary><c>GstPadLinkReturn</c>: the result of linking two pads.</summary>
public enum GstPadLinkReturn
{
    /// <summary>Linked.</summary>
    Ok = 0,
    /// <summary>The pads have no common grandparent.</summary>
    WrongHierarchy = -1,
    /// <summary>A pad was already linked.</summary>
    WasLinked = -2,
    /// <summary>The pads have the wrong direction.</summary>
    WrongDirection = -3,
    /// <summary>The pads have no common format.</summary>
    NoFormat = -4,
    /// <summary>The pads cannot cooperate in scheduling.</summary>
    NoSched = -5,
    /// <summary>Refused for some other reason.</summary>
    Refused = -6,
}

/// <summary><c>GstPromiseResult</c>: how a promise ended.</summary>
public enum GstPromiseResult
{
    /// <summary>Not answered yet.</summary>
    Pending = 0,
    /// <summary>Interrupted by the waiting side.</summary>
    Interrupted = 1,
    /// <summary>Answered: read the reply.</summary>
    Replied = 2,
    /// <summary>The answering side dropped it.</summary>
    Expired = 3,
}
