using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Npga.Live.Media.GStreamer;
using Npga.Live.Media.Tests.Support;

namespace Npga.Live.Media.Tests;

/// <summary>
/// The binding against GStreamer's own behaviour: messages, struct offsets read through macros'
/// replacements (buffer PTS, message type/source, event type), properties, probes.
/// </summary>
public unsafe class GStreamerBindingTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact(Timeout = 30_000)]
    public Task Version_and_registry() => Bounded.Run(20, () =>
    {
        Assert.StartsWith("GStreamer 1.", Gst.Version);
        Assert.True(Gst.HasElement("videotestsrc"));
        Assert.True(Gst.HasElement("appsink"));
        Assert.False(Gst.HasElement("no-such-element-xyz"));
    });

    [Fact(Timeout = 30_000)]
    public Task ParseLaunch_errors_carry_GStreamer_message() => Bounded.Run(20, () =>
    {
        var e = Assert.Throws<GstException>(() => Gst.ParseLaunch("videotestsrc ! nosuchelementxyz ! fakesink"));
        Assert.Contains("nosuchelementxyz", e.Message);
        Assert.Equal("gst_parse_error", e.Domain);
        Assert.Throws<GstException>(() => Gst.ParseLaunch("videotestsrc ! ! fakesink"));
    });

    [Fact(Timeout = 30_000)]
    public Task Properties_of_each_type_round_trip() => Bounded.Run(20, () =>
    {
        using var pipeline = Gst.ParseLaunch("appsrc name=src  videotestsrc name=t  appsink name=sink  filesrc name=f");
        using var sink = pipeline.RequireByName("sink");
        using var src = pipeline.RequireByName("src");
        using var t = pipeline.RequireByName("t");

        sink.SetProperty("max-buffers", 7);            // guint property from an int
        Assert.Equal(7, sink.GetIntProperty("max-buffers"));
        sink.SetProperty("sync", false);
        Assert.False(sink.GetBoolProperty("sync"));
        sink.SetProperty("sync", true);
        Assert.True(sink.GetBoolProperty("sync"));
        src.SetProperty("max-bytes", 123_456_789_012UL);
        Assert.Equal(123_456_789_012UL, src.GetUInt64Property("max-bytes"));
        using var f = pipeline.RequireByName("f");
        f.SetProperty("location", "/tmp/ünïcode file.mp4");
        Assert.Equal("/tmp/ünïcode file.mp4", f.GetStringProperty("location"));
        Assert.Equal("t", t.GetStringProperty("name"));
        t.SetPropertyFromString("pattern", "ball");   // enum by nick
        Assert.Equal(18, t.GetIntProperty("pattern")); // GST_VIDEO_TEST_SRC_BALL

        var missing = Assert.Throws<GstException>(() => sink.SetProperty("no-such-property", 1));
        Assert.Contains("no-such-property", missing.Message);
        var wrongType = Assert.Throws<GstException>(() => sink.SetProperty("max-buffers", "seven"));
        Assert.Contains("max-buffers", wrongType.Message);
        Assert.Equal("appsink", sink.FactoryName);
        Assert.Contains("Sink", sink.FactoryKlass);
    });

    [Fact(Timeout = 30_000)]
    public Task Bus_reports_typed_state_changes_and_eos() => Bounded.Run(20, () =>
    {
        using var pipeline = Gst.ParseLaunch("videotestsrc name=vts num-buffers=3 ! fakesink name=fs");
        using var bus = pipeline.GetBus();
        Assert.NotEqual(GstStateChangeReturn.Failure, pipeline.SetState(GstState.Playing));
        var states = new List<GstStateChangedMessage>();
        GstEosMessage? eos = null;
        while (eos is null)
        {
            var msg = bus.Pop(Wait, GstMessageType.Eos | GstMessageType.StateChanged | GstMessageType.Error);
            Assert.NotNull(msg);
            Assert.IsNotType<GstErrorMessage>(msg);
            if (msg is GstStateChangedMessage s) states.Add(s);
            eos = msg as GstEosMessage;
        }
        Assert.Equal(pipeline.Name, eos.SourceName);
        Assert.Contains(states, s => s.SourceName == "vts" && s.NewState == GstState.Paused);
        Assert.Contains(states, s => s.SourceName == pipeline.Name && s.OldState == GstState.Paused && s.NewState == GstState.Playing);
        Assert.Equal(GstStateChangeReturn.Success, pipeline.GetState(Wait, out var current, out _));
        Assert.Equal(GstState.Playing, current);
        pipeline.SetState(GstState.Null);
        Assert.Equal("state-changed", GstBus.TypeName(GstMessageType.StateChanged));
    });

    [Fact(Timeout = 30_000)]
    public Task Bus_error_carries_message_debug_and_source() => Bounded.Run(20, () =>
    {
        using var pipeline = Gst.ParseLaunch("filesrc name=reader location=/nonexistent/file.bin ! fakesink");
        using var bus = pipeline.GetBus();
        Assert.Equal(GstStateChangeReturn.Failure, pipeline.SetState(GstState.Paused));
        var error = Assert.IsType<GstErrorMessage>(bus.Pop(Wait, GstMessageType.Error));
        Assert.Equal("reader", error.SourceName);
        Assert.Equal("Resource not found.", error.Message);
        Assert.Contains("No such file", error.Debug);
        Assert.Equal("gst-resource-error-quark", error.Domain);
        Assert.Equal(3, error.Code); // GST_RESOURCE_ERROR_NOT_FOUND
        pipeline.SetState(GstState.Null);
    });

    [Fact(Timeout = 30_000)]
    public Task AppSink_samples_give_pts_duration_caps_and_padded_rows() => Bounded.Run(20, () =>
    {
        using var pipeline = Gst.ParseLaunch(
            "videotestsrc num-buffers=5 ! video/x-raw,format=RGB,width=113,height=67,framerate=10/1 ! appsink name=sink sync=false");
        using var sink = GstAppSink.Find(pipeline, "sink");
        pipeline.SetState(GstState.Playing);
        for (int i = 0; i < 5; i++)
        {
            using var sample = sink.TryPullSample(Wait);
            Assert.NotNull(sample);
            Assert.Equal((ulong)i * 100_000_000UL, sample.Pts);
            Assert.Equal(100_000_000UL, sample.Duration);
            var caps = sample.Caps;
            Assert.Equal(("video/x-raw", "RGB", 113, 67, 10.0), (caps.MediaType, caps.Format, caps.Width, caps.Height, caps.FrameRate));
            Assert.Equal(340 * 67, sample.BufferSize); // stride GST_ROUND_UP_4(113*3) = 340
            using var map = sample.Map();
            Assert.Equal(sample.BufferSize, map.Length);
            Assert.Equal(map.Length, map.Span.Length);
        }
        Assert.Null(sink.TryPullSample(Wait));
        Assert.True(sink.IsEos);
        pipeline.SetState(GstState.Null);
    });

    [Fact(Timeout = 30_000)]
    public Task AppSrc_buffers_arrive_with_their_pts_and_bytes() => Bounded.Run(20, () =>
    {
        using var pipeline = Gst.ParseLaunch("appsrc name=src format=time ! appsink name=sink sync=false");
        using var src = GstAppSrc.Find(pipeline, "src");
        using var sink = GstAppSink.Find(pipeline, "sink");
        using (var caps = GstCaps.Parse("video/x-raw,format=GRAY8,width=4,height=2,framerate=25/1"))
        {
            Assert.Equal(4, caps.Video.Width);
            Assert.Contains("GRAY8", caps.ToString());
            src.SetCaps(caps);
        }
        pipeline.SetState(GstState.Playing);
        for (int i = 0; i < 3; i++)
        {
            var buffer = GstBuffer.Allocate(8);
            buffer.Fill(0, [1, 2, 3, 4, 5, 6, 7, (byte)i]);
            buffer.Pts = (ulong)i * 40_000_000UL;
            buffer.Duration = 40_000_000UL;
            Assert.Equal(40_000_000UL, buffer.Duration);
            Assert.Equal(GstFlowReturn.Ok, src.Push(buffer));
            Assert.True(buffer.Handle.IsClosed); // ownership passed to GStreamer
            buffer.Dispose();
        }
        src.EndOfStream();
        for (int i = 0; i < 3; i++)
        {
            using var sample = sink.TryPullSample(Wait);
            Assert.NotNull(sample);
            Assert.Equal((ulong)i * 40_000_000UL, sample.Pts);
            using var map = sample.Map();
            Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, (byte)i }, map.Span.ToArray());
        }
        Assert.Null(sink.TryPullSample(Wait));
        pipeline.SetState(GstState.Null);
        Assert.Throws<GstException>(() => GstCaps.Parse("not caps ((("));
    });

    [Fact(Timeout = 30_000)]
    public Task Wrapped_memory_is_read_in_place_and_released_once_when_GStreamer_drops_it() => Bounded.Run(20, () =>
    {
        var pixels = GC.AllocateArray<byte>(8, pinned: true);
        var address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pixels));

        // Disposed unpushed: released at once.
        int releases = 0;
        GstBuffer.Wrap(address, 8, () => Interlocked.Increment(ref releases)).Dispose();
        Assert.Equal(1, releases);

        // Pushed: the sink reads the very bytes, and the release comes only once GStreamer holds them no more.
        releases = 0;
        using (var pipeline = Gst.ParseLaunch("appsrc name=src format=time ! appsink name=sink sync=false enable-last-sample=false"))
        using (var src = GstAppSrc.Find(pipeline, "src"))
        using (var sink = GstAppSink.Find(pipeline, "sink"))
        {
            using (var caps = GstCaps.Parse("video/x-raw,format=GRAY8,width=4,height=2,framerate=25/1")) src.SetCaps(caps);
            pipeline.SetState(GstState.Playing);
            for (int i = 0; i < 8; i++) pixels[i] = (byte)(10 + i);
            var buffer = GstBuffer.Wrap(address, 8, () => Interlocked.Increment(ref releases));
            Assert.Equal(8, buffer.Size);
            Assert.Equal(GstFlowReturn.Ok, src.Push(buffer));
            using (var sample = sink.TryPullSample(Wait))
            {
                Assert.NotNull(sample);
                using var map = sample.Map();
                Assert.Equal(pixels, map.Span.ToArray());
                fixed (byte* p = map.Span) Assert.Equal(address, (nint)p); // not a copy
            }
            Assert.Equal(0, Volatile.Read(ref releases)); // appsink keeps its last buffer
            pipeline.SetState(GstState.Null);
        }
        Assert.Equal(1, Volatile.Read(ref releases));

        // Dropped by a leaky queue in front of a stopped consumer: released when dropped.
        releases = 0;
        using (var pipeline = Gst.ParseLaunch("appsrc name=src format=time max-buffers=1 leaky-type=downstream block=false ! fakesink sync=false enable-last-sample=false"))
        using (var src = GstAppSrc.Find(pipeline, "src"))
        {
            using (var caps = GstCaps.Parse("video/x-raw,format=GRAY8,width=4,height=2,framerate=25/1")) src.SetCaps(caps);
            pipeline.SetState(GstState.Playing);
            for (int i = 0; i < 20; i++) src.Push(GstBuffer.Wrap(address, 8, () => Interlocked.Increment(ref releases)));
            src.EndOfStream();
            pipeline.SetState(GstState.Null);
        }
        Assert.Equal(20, Volatile.Read(ref releases));
        Assert.Throws<ArgumentException>(() => GstBuffer.Wrap(0, 8, () => { }));
        Assert.Throws<ArgumentOutOfRangeException>(() => GstBuffer.Wrap(address, 0, () => { }));
    });

    private sealed class ProbeLog
    {
        public readonly List<GstVideoCaps> Caps = new();
        public readonly List<string> EventNames = new();
        public int Buffers;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static GstPadProbeReturn RecordProbe(nint pad, nint info, nint userData)
    {
        var log = NativeCallbackState.Get<ProbeLog>(userData);
        var i = new GstPadProbeInfo(info);
        lock (log)
        {
            if (i.Buffer != 0) log.Buffers++;
            if (i.Event != 0) log.EventNames.Add(Marshal.PtrToStringUTF8(GetEventName(i.EventType))!);
            if (i.EventCaps is { } caps) log.Caps.Add(caps);
        }
        return GstPadProbeReturn.Ok;
    }

    [DllImport("libgstreamer-1.0.so.0", EntryPoint = "gst_event_type_get_name")]
    private static extern nint GetEventName(GstEventType type);

    [Fact(Timeout = 30_000)]
    public Task Pad_probe_sees_caps_events_and_buffers() => Bounded.Run(20, () =>
    {
        using var pipeline = Gst.ParseLaunch("videotestsrc num-buffers=4 ! video/x-raw,width=64,height=48 ! fakesink name=fs");
        using var sink = pipeline.RequireByName("fs");
        using var pad = sink.GetStaticPad("sink");
        Assert.NotNull(pad);
        var log = new ProbeLog();
        using (pad.AddProbe(GstPadProbeType.Buffer | GstPadProbeType.EventDownstream, &RecordProbe, log))
        {
            using var bus = pipeline.GetBus();
            pipeline.SetState(GstState.Playing);
            Assert.IsType<GstEosMessage>(bus.Pop(Wait, GstMessageType.Eos | GstMessageType.Error));
            Assert.True(pad.IsLinked);
            Assert.Equal(64, pad.CurrentCaps?.Width);
            pipeline.SetState(GstState.Null);
        }
        lock (log)
        {
            Assert.Equal(4, log.Buffers);
            Assert.Equal(new[] { "stream-start", "caps", "segment" }, log.EventNames.Take(3));
            Assert.Equal("eos", log.EventNames[^1]);
            var caps = Assert.Single(log.Caps);
            Assert.Equal((64, 48), (caps.Width, caps.Height));
        }
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void IgnoreElementAdded(nint bin, nint subBin, nint element, nint userData) { }

    [Fact(Timeout = 30_000)]
    public Task Signals_connect_and_disconnect() => Bounded.Run(20, () =>
    {
        using var pipeline = Gst.ParseLaunch("videotestsrc num-buffers=1 ! fakesink");
        var state = new ProbeLog();
        var handler = (nint)(delegate* unmanaged[Cdecl]<nint, nint, nint, nint, void>)&IgnoreElementAdded;
        var connection = pipeline.ConnectSignal("deep-element-added", handler, state);
        Assert.NotEqual(0u, (uint)connection.Id);
        connection.Dispose();
        connection.Dispose();
        Assert.Throws<GstException>(() => pipeline.ConnectSignal("no-such-signal", handler, state));
    });
}
