using System.Diagnostics;
using Npga.Live.Core.Imaging;
using Npga.Live.Media.GStreamer;
using Npga.Live.Media.Tests.Support;
using Npga.Live.Media.WebRtc;
using Npga.Live.Tests.Shared;
using Xunit.Abstractions;

namespace Npga.Live.WebRtc.Tests;

/// <summary>
/// Real WebRTC sessions over 127.0.0.1 between a <see cref="WebRtcPeer"/> and an in-process
/// webrtcbin offerer: ICE, DTLS-SRTP, RTP and the codecs all run for real. Each test skips outside
/// a loopback-only network namespace.
/// </summary>
public class PeerSessionTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>An avatar frame that is easy to recognise after lossy coding: left half red, right half blue.</summary>
    internal static RgbImage RedBlue(int width, int height)
    {
        var image = new RgbImage(width, height);
        for (int y = 0; y < height; y++)
        {
            var row = image.Row(y);
            for (int x = 0; x < width; x++)
            {
                var (r, g, b) = x < width / 2 ? (220, 30, 30) : (30, 30, 220);
                row[3 * x] = (byte)r;
                row[3 * x + 1] = (byte)g;
                row[3 * x + 2] = (byte)b;
            }
        }
        return image;
    }

    /// <summary>Mean R, G, B over columns [x0, x1) of the middle half of the rows.</summary>
    internal static (double R, double G, double B) Mean(RgbImage image, double x0, double x1)
    {
        long r = 0, g = 0, b = 0, n = 0;
        for (int y = image.Height / 4; y < image.Height * 3 / 4; y++)
        {
            var row = image.Row(y);
            for (int x = (int)(x0 * image.Width); x < (int)(x1 * image.Width); x++)
            {
                r += row[3 * x];
                g += row[3 * x + 1];
                b += row[3 * x + 2];
                n++;
            }
        }
        return (r / (double)n, g / (double)n, b / (double)n);
    }

    [Fact(Timeout = 40_000)]
    public Task Peer_receives_the_webcam_track_scaled_to_the_driver_width() => Bounded.Run(30, () =>
    {
        if (LoopbackOnly.Skip(output.WriteLine)) return;
        using var session = Session.Start(new WebRtcPeerOptions { DriverMaxWidth = 320 });
        Assert.Equal("VP8", session.Peer.Codec);
        session.WaitConnected(ConnectTimeout);
        output.WriteLine($"states: {session.Describe()}");
        // Issue 27, bug 7: once the offer is set, a candidate's m-line index must be one of the offer's m-lines (it has one).
        var beyond = Assert.Throws<ArgumentOutOfRangeException>(() => session.Peer.AddRemoteCandidate(1, OfferTests.GoodCandidates[0]));
        Assert.Contains("not an m-line of the offer (it has 1)", beyond.Message);

        // The offerer sends 640x480 (4:3); the peer scales to 320 wide, aspect kept.
        var frames = new List<VideoFrame>();
        var clock = Stopwatch.StartNew();
        while (frames.Count < 10 && clock.Elapsed < TimeSpan.FromSeconds(10))
            if (session.Peer.TryReadFrame(TimeSpan.FromSeconds(1), out var f)) frames.Add(f);
        Assert.True(frames.Count >= 10, $"only {frames.Count} frames within 10 s; {session.Describe()}");
        foreach (var f in frames)
        {
            Assert.Equal(320, f.Image.Width);
            Assert.Equal(240, f.Image.Height);
        }
        Assert.Equal(Enumerable.Range(0, frames.Count).Select(i => (long)i), frames.Select(f => f.Index));
        Assert.True(frames[^1].Time > frames[0].Time, "frame times do not advance");
        // videotestsrc's ball: a white disc on black.
        var last = frames[^1].Image.Span;
        int bright = 0, dark = 0;
        foreach (var v in last)
        {
            if (v > 200) bright++;
            if (v < 40) dark++;
        }
        output.WriteLine($"{frames.Count} frames read in {clock.Elapsed.TotalSeconds:0.0} s, {session.Peer.FramesReceived} decoded; last: {bright} bright, {dark} dark bytes");
        Assert.True(bright > 300 && dark > last.Length / 2, $"the frame is not the test ball ({bright} bright, {dark} dark bytes)");
        Assert.True(session.Peer.FramesReceived >= frames.Count);
        Assert.Equal(WebRtcPeerState.Connected, session.Peer.State);
    });

    [Fact(Timeout = 40_000)]
    public Task Frames_the_peer_sends_arrive_at_the_browser_side() => Bounded.Run(30, () =>
    {
        if (LoopbackOnly.Skip(output.WriteLine)) return;
        SendAndCheck("VP8", output);
    });

    [Fact(Timeout = 40_000)]
    public Task H264_is_negotiated_when_only_H264_is_offered() => Bounded.Run(30, () =>
    {
        if (LoopbackOnly.Skip(output.WriteLine)) return;
        foreach (var e in (string[])["x264enc", "avdec_h264", "rtph264pay", "rtph264depay"])
            if (!Gst.HasElement(e))
            {
                output.WriteLine($"SKIPPED: {e} is not installed");
                return;
            }
        using var session = SendAndCheck("H264", output);
        Assert.Equal(102, session.Peer.PayloadType);
        Assert.True(session.Peer.TryReadFrame(TimeSpan.FromSeconds(5), out var frame), "no webcam frame over H.264");
        Assert.Equal(640, frame.Image.Width);
        Assert.Equal(480, frame.Image.Height);
    });

    [Fact(Timeout = 40_000)]
    public Task Pooled_frames_are_sent_in_place_and_come_back_to_their_pool() => Bounded.Run(30, () =>
    {
        if (LoopbackOnly.Skip(output.WriteLine)) return;
        var pool = new RgbImagePool(320, 240); // 960-byte rows: GStreamer's RGB stride, so sent without a copy
        var rented = new HashSet<PooledRgbImage>();
        long sent;
        using (var session = SendAndCheck("VP8", output, pool, rented)) sent = session.Peer.FramesSent;
        // Disposed: GStreamer has freed every buffer it wrapped, and each gave its hold back.
        Assert.All(rented, image => Assert.Equal(0, image.Holds));
        output.WriteLine($"{sent} frames sent in place from {pool.Created} pooled images");
        Assert.True(pool.Created <= RgbImagePool.Capacity, $"{pool.Created} images made for {sent} frames: they do not come back");
    });

    /// <summary>Sends red|blue frames at 30 fps (from <paramref name="pool"/> when given, in place, each rented image
    /// recorded in <paramref name="rented"/>) and checks what the offerer decodes; returns the still-open session.</summary>
    private static Session SendAndCheck(string codec, ITestOutputHelper output, RgbImagePool? pool = null, HashSet<PooledRgbImage>? rented = null)
    {
        var options = new WebRtcPeerOptions { OutputWidth = 320, OutputHeight = 240 };
        var session = Session.Start(options, codec);
        try
        {
            Assert.Equal(codec, session.Peer.Codec);
            session.WaitConnected(ConnectTimeout);
            var image = RedBlue(options.OutputWidth, options.OutputHeight);
            using var stop = new CancellationTokenSource();
            var sender = Task.Run(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    if (pool is null) session.Peer.SendFrame(image);
                    else
                    {
                        var pooled = pool.Rent();
                        image.Span.CopyTo(pooled.Image.Span);
                        rented?.Add(pooled);
                        session.Peer.SendFrame(pooled);
                        pooled.Release();
                    }
                    Thread.Sleep(33);
                }
            });
            RgbImage? received = null;
            int count = 0;
            var clock = Stopwatch.StartNew();
            while (count < 10 && clock.Elapsed < TimeSpan.FromSeconds(10))
            {
                var f = session.Offerer.TryPull(TimeSpan.FromSeconds(1));
                if (f is null) continue;
                received = f;
                count++;
            }
            stop.Cancel();
            sender.Wait();
            Assert.True(received is not null && count >= 10,
                $"the offerer decoded {count} frames within 10 s ({session.Peer.FramesSent} sent); {session.Describe()}");
            Assert.Equal(options.OutputWidth, received.Width);
            Assert.Equal(options.OutputHeight, received.Height);
            var left = Mean(received, 0.1, 0.4);
            var right = Mean(received, 0.6, 0.9);
            output.WriteLine($"{codec}: {session.Peer.FramesSent} frames sent, {count} pulled by the offerer in {clock.Elapsed.TotalSeconds:0.0} s; "
                             + $"left mean {left.R:0},{left.G:0},{left.B:0}, right mean {right.R:0},{right.G:0},{right.B:0}");
            Assert.True(left.R > 170 && left.B < 80 && left.G < 80, $"the left half is not red: {left}");
            Assert.True(right.B > 170 && right.R < 80 && right.G < 80, $"the right half is not blue: {right}");
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    [Fact(Timeout = 40_000)]
    public Task A_vanished_browser_is_reported_and_the_peer_disposes() => Bounded.Run(30, () =>
    {
        if (LoopbackOnly.Skip(output.WriteLine)) return;
        var session = Session.Start(new WebRtcPeerOptions());
        try
        {
            session.WaitConnected(ConnectTimeout);
            Assert.True(session.Peer.TryReadFrame(TimeSpan.FromSeconds(5), out _), "no frame before the browser vanished");
            var gone = session.Elapsed;
            session.Offerer.Vanish();
            var failed = session.WaitFor(TimeSpan.FromSeconds(10), WebRtcPeerState.Failed, WebRtcPeerState.Closed);
            output.WriteLine($"states: {session.Describe()}");
            Assert.True(failed is not null, $"no Failed/Closed within 10 s of the browser vanishing; {session.Describe()}");
            output.WriteLine($"reported {(failed.Value.At - gone).TotalSeconds:0.0} s after the browser vanished: {failed.Value.Reason}");
            Assert.False(session.Peer.TryReadFrame(TimeSpan.FromMilliseconds(200), out _), "frames still arrive from a vanished browser");

            var dispose = Stopwatch.StartNew();
            session.Peer.Dispose();
            output.WriteLine($"Dispose took {dispose.ElapsedMilliseconds} ms");
            Assert.True(dispose.Elapsed < TimeSpan.FromSeconds(5), $"Dispose took {dispose.Elapsed}");
            Assert.NotNull(session.WaitFor(TimeSpan.FromSeconds(2), WebRtcPeerState.Closed));
            Assert.Equal(WebRtcPeerState.Closed, session.Peer.State);
            session.Peer.Dispose(); // idempotent
            Assert.Throws<ObjectDisposedException>(() => session.Peer.SendFrame(new RgbImage(512, 512)));
        }
        finally
        {
            session.Dispose();
        }
    });

    /// <summary>
    /// OBS Studio's WHIP output: sendonly opus audio and sendonly H.264 video, bundled. A receive-only peer that ignores
    /// audio answers the video recvonly (and the audio recvonly, its stream dropped), decodes the video, sends nothing,
    /// and stays connected while the audio flows.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public Task A_receive_only_peer_takes_an_OBS_shaped_offer_with_audio_and_decodes_its_video() => Bounded.Run(50, () =>
    {
        if (LoopbackOnly.Skip(output.WriteLine)) return;
        var options = new WebRtcPeerOptions { ReceiveOnly = true, IgnoreAudio = true, DriverMaxWidth = 320 };
        using var session = Session.Start(options, "H264", obs: true);
        Assert.Equal("H264", session.Peer.Codec);
        session.WaitConnected(ConnectTimeout);
        var answer = session.Answer!;
        output.WriteLine(answer);
        var sections = answer.Split("m=").Skip(1).ToList();
        Assert.Equal(2, sections.Count);
        Assert.StartsWith("audio", sections[0]);
        Assert.Contains("a=recvonly", sections[0]);
        Assert.Contains("OPUS/48000", sections[0], StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("video", sections[1]);
        Assert.Contains("a=recvonly", sections[1]);
        Assert.DoesNotContain("a=sendrecv", answer);

        var frames = 0;
        var clock = Stopwatch.StartNew();
        while (frames < 10 && clock.Elapsed < TimeSpan.FromSeconds(15))
            if (session.Peer.TryReadFrame(TimeSpan.FromSeconds(1), out var f))
            {
                Assert.Equal(320, f.Image.Width);
                frames++;
            }
        Assert.True(frames >= 10, $"only {frames} frames within 15 s; {session.Describe()}");
        Assert.False(session.Peer.SendFrame(RedBlue(512, 512)), "a receive-only peer has no avatar track");
        Assert.Equal(0, session.Peer.FramesSent);
        // The audio keeps coming and goes to the fakesink: the peer stays connected.
        Thread.Sleep(2000);
        output.WriteLine($"{frames} frames read, {session.Peer.FramesReceived} decoded; states: {session.Describe()}");
        Assert.Equal(WebRtcPeerState.Connected, session.Peer.State);
    });

    /// <summary>The offer checks of each mode: a receive-only peer needs sendonly video; audio is refused unless ignored.</summary>
    [Fact]
    public void Receive_only_and_ignore_audio_offers_are_checked_by_mode()
    {
        var sendOnly = OfferTests.BrowserOffer.Replace("a=sendrecv", "a=sendonly");
        using (var peer = new WebRtcPeer(new WebRtcPeerOptions { ReceiveOnly = true }))
            Assert.Contains("a=sendonly", Assert.Throws<WebRtcException>(() => peer.AcceptOffer(OfferTests.BrowserOffer)).Message);
        using (var peer = new WebRtcPeer(new WebRtcPeerOptions()))
            Assert.Contains("sendrecv", Assert.Throws<WebRtcException>(() => peer.AcceptOffer(sendOnly)).Message);
        Assert.True(WebRtcOffer.IsSendOnlyVideo(sendOnly));
        Assert.False(WebRtcOffer.IsSendOnlyVideo(OfferTests.BrowserOffer));
        Assert.False(WebRtcOffer.IsSendOnlyVideo("garbage"));
        Assert.Throws<ArgumentException>(() => new WebRtcPeer(new WebRtcPeerOptions { ReceiveOnly = true, ViewOnly = true }));

        // An audio m-line before the video: refused by default (the page never sends audio), taken when ignored.
        var audio = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\n"
                    + "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
                    + "a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n"
                    + "a=setup:actpass\r\na=mid:a\r\na=sendonly\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n";
        var withAudio = sendOnly.Replace("a=group:BUNDLE 0", "a=group:BUNDLE a 0").Replace("m=video", audio + "m=video");
        Assert.Contains("audio m-line", Assert.Throws<WebRtcException>(() => WebRtcOffer.Parse(withAudio.Replace("a=sendonly", "a=sendrecv"))).Message);
        using (var peer = new WebRtcPeer(new WebRtcPeerOptions { ReceiveOnly = true }))
            Assert.Contains("audio m-line", Assert.Throws<WebRtcException>(() => peer.AcceptOffer(withAudio)).Message);
        using (var peer = new WebRtcPeer(new WebRtcPeerOptions { ReceiveOnly = true, IgnoreAudio = true }))
            Assert.Contains("no video m-line", Assert.Throws<WebRtcException>(() => peer.AcceptOffer(withAudio.Replace("m=video 9", "m=video 0"))).Message);
        using (var peer = new WebRtcPeer(new WebRtcPeerOptions { ReceiveOnly = true, IgnoreAudio = true }))
        {
            string? answer = null;
            peer.AnswerCreated += sdp => answer = sdp;
            peer.AcceptOffer(withAudio);
            Assert.Equal("VP8", peer.Codec);
            Assert.True(SpinWait.SpinUntil(() => answer is not null, TimeSpan.FromSeconds(5)), "no answer");
            output.WriteLine(answer);
            Assert.Contains("m=audio", answer);
            Assert.Contains("a=recvonly", answer);
            Assert.DoesNotContain("a=sendrecv", answer);
        }
    }
}
