using Npga.Live.Media.GStreamer.Interop;

namespace Npga.Live.Media.GStreamer;

/// <summary>
/// A <c>webrtcbin</c> element (gst-plugins-bad 1.22): its action signals (descriptions, ICE
/// candidates, transceivers, TURN servers), its state properties, and the libnice agent inside it.
/// Asynchronous actions are awaited here on the caller's thread through a <see cref="GstPromise"/>
/// with a timeout. Holds no session logic.
/// </summary>
public sealed class GstWebRtcBin : GstElement
{
    private GstWebRtcBin(GstObjectHandle handle) : base(handle) { }

    /// <summary>Looks up the webrtcbin named <paramref name="name"/> in <paramref name="bin"/>.</summary>
    /// <exception cref="GstException">No such element, or it is not a webrtcbin.</exception>
    public static GstWebRtcBin Find(GstElement bin, string name)
    {
        using var element = bin.RequireByName(name);
        if (element.FactoryName != "webrtcbin") throw new GstException($"'{name}' is a {element.FactoryName}, not a webrtcbin");
        return new GstWebRtcBin(GstObjectHandle.FromBorrowed(element.Ptr));
    }

    /// <summary>The ICE connection state (<c>ice-connection-state</c>).</summary>
    public GstWebRtcIceConnectionState IceConnectionState => (GstWebRtcIceConnectionState)GetIntProperty("ice-connection-state");

    /// <summary>The ICE gathering state (<c>ice-gathering-state</c>).</summary>
    public GstWebRtcIceGatheringState IceGatheringState => (GstWebRtcIceGatheringState)GetIntProperty("ice-gathering-state");

    /// <summary>The peer connection state (<c>connection-state</c>: ICE and DTLS together).</summary>
    public GstWebRtcPeerConnectionState ConnectionState => (GstWebRtcPeerConnectionState)GetIntProperty("connection-state");

    /// <summary>
    /// Sets the remote description ("set-remote-description") and waits for webrtcbin to apply it.
    /// <paramref name="sdp"/> is copied; the caller keeps it.
    /// </summary>
    /// <exception cref="GstException">webrtcbin refused it (its message), or no reply within <paramref name="timeout"/>.</exception>
    public void SetRemoteDescription(GstWebRtcSdpType type, GstSdpMessage sdp, TimeSpan timeout)
        => SetDescription("set-remote-description", type, sdp, timeout);

    /// <summary>Sets the local description ("set-local-description") and waits for webrtcbin to apply it; <paramref name="sdp"/> is copied.</summary>
    /// <exception cref="GstException">webrtcbin refused it (its message), or no reply within <paramref name="timeout"/>.</exception>
    public void SetLocalDescription(GstWebRtcSdpType type, GstSdpMessage sdp, TimeSpan timeout)
        => SetDescription("set-local-description", type, sdp, timeout);

    /// <summary>Creates an offer from the transceivers and linked pads ("create-offer").</summary>
    /// <returns>The offer, owned by the caller.</returns>
    /// <exception cref="GstException">webrtcbin could not create it (its message), or no reply within <paramref name="timeout"/>.</exception>
    public GstSdpMessage CreateOffer(TimeSpan timeout) => Create("create-offer", "offer", timeout);

    /// <summary>Creates an answer to the remote offer ("create-answer"); set the remote description first.</summary>
    /// <returns>The answer, owned by the caller.</returns>
    /// <exception cref="GstException">webrtcbin could not create it (its message), or no reply within <paramref name="timeout"/>.</exception>
    public GstSdpMessage CreateAnswer(TimeSpan timeout) => Create("create-answer", "answer", timeout);

    /// <summary>
    /// Adds a remote ICE candidate ("add-ice-candidate"); webrtcbin applies it asynchronously and
    /// logs (does not report) a candidate it cannot use.
    /// </summary>
    /// <param name="mlineIndex">The m-line (media section) index the candidate belongs to.</param>
    /// <param name="candidate">The candidate, "candidate:…" (an "a=" prefix is accepted).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mlineIndex"/> is negative.</exception>
    public void AddIceCandidate(int mlineIndex, string candidate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(mlineIndex);
        ArgumentNullException.ThrowIfNull(candidate);
        LibGObject.SignalEmitByNameUIntString(Ptr, "add-ice-candidate", (uint)mlineIndex, candidate);
    }

    /// <summary>The transceiver at <paramref name="index"/> ("get-transceiver"), or null when there is none (webrtcbin then logs an error).</summary>
    public GstObject? GetTransceiver(int index)
    {
        LibGObject.SignalEmitByNameIntRetPtr(Ptr, "get-transceiver", index, out var trans);
        return trans == 0 ? null : new GstObject(new GstObjectHandle(trans));
    }

    /// <summary>Adds a TURN server ("add-turn-server"), <c>turn(s)://user:password@host:port</c>.</summary>
    /// <returns>False when webrtcbin rejected the URI.</returns>
    public bool AddTurnServer(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        LibGObject.SignalEmitByNameStringRetBool(Ptr, "add-turn-server", uri, out var ok);
        return ok != 0;
    }

    /// <summary>
    /// Adds <paramref name="ip"/> to the local addresses of webrtcbin's libnice agent
    /// (<c>ice-agent</c> → <c>agent</c> → <c>nice_agent_add_local_address</c>), so that host
    /// candidates are gathered on it. libnice leaves loopback out by default; call this before
    /// setting a description, when gathering starts.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="ip"/> is not an IPv4/IPv6 address.</exception>
    /// <exception cref="GstException">The element has no libnice agent, or libnice refused the address.</exception>
    public void AddLocalIceAddress(string ip)
    {
        ArgumentNullException.ThrowIfNull(ip);
        var icePtr = DupObjectProperty("ice-agent");
        if (icePtr == 0) throw new GstException($"'{Name}' has no ICE agent");
        using var ice = new GstObject(new GstObjectHandle(icePtr));
        using var agent = new GObjectHandle(ice.DupObjectProperty("agent"));
        if (agent.IsInvalid) throw new GstException($"the ICE agent of '{Name}' has no libnice agent");
        var address = LibNice.AddressNew();
        try
        {
            if (LibNice.AddressSetFromString(address, ip) == 0)
                throw new ArgumentException($"'{ip}' is not an IP address", nameof(ip));
            if (LibNice.AgentAddLocalAddress(agent.DangerousGetHandle(), address) == 0)
                throw new GstException($"libnice refused the local address {ip}");
        }
        finally
        {
            LibNice.AddressFree(address);
        }
    }

    private void SetDescription(string action, GstWebRtcSdpType type, GstSdpMessage sdp, TimeSpan timeout)
    {
        using var copy = GstSdpMessage.CopyOf(SdpPointer(sdp));
        var description = copy.TransferToSessionDescription(type);
        try
        {
            using var promise = GstPromise.Create();
            LibGObject.SignalEmitByNamePtrPtr(Ptr, action, description, promise.Ptr);
            var result = promise.Wait(timeout);
            if (result != GstPromiseResult.Replied)
                throw new GstException($"{action}: no reply from '{Name}' ({Describe(result, timeout)})");
            if (promise.ReplyError is { } error) throw new GstException($"{action}: {error}");
        }
        finally
        {
            LibGstWebRtc.SessionDescriptionFree(description);
        }
    }

    private GstSdpMessage Create(string action, string field, TimeSpan timeout)
    {
        using var promise = GstPromise.Create();
        LibGObject.SignalEmitByNamePtrPtr(Ptr, action, 0, promise.Ptr);
        var result = promise.Wait(timeout);
        if (result != GstPromiseResult.Replied)
            throw new GstException($"{action}: no reply from '{Name}' ({Describe(result, timeout)})");
        if (promise.ReplyError is { } error) throw new GstException($"{action}: {error}");
        var description = promise.ReplyBoxed(field);
        if (description == 0) throw new GstException($"{action}: the reply holds no '{field}' ({promise.ReplyText ?? "empty"})");
        return GstSdpMessage.CopyOf(ReadSdp(description));
    }

    private static unsafe nint ReadSdp(nint sessionDescription) => *(nint*)(sessionDescription + Offsets.SessionDescriptionSdp);

    private static nint SdpPointer(GstSdpMessage sdp) => sdp.DangerousPointer;

    private static string Describe(GstPromiseResult result, TimeSpan timeout) => result switch
    {
        GstPromiseResult.Interrupted => $"timed out after {timeout.TotalSeconds:0.#} s",
        GstPromiseResult.Expired => "the element dropped the request",
        _ => result.ToString(),
    };
}
