// page.js: the extension's content script in the page's own (MAIN) world, run at document_start before the page's
// scripts. It adds the camera "Npga.Live avatar" to navigator.mediaDevices:
//
// - enumerateDevices() lists it after the real video inputs (deviceId 'npga-live-avatar'; its label only while the
//   page may see the real cameras' labels, i.e. holds camera permission, as Chromium does for real devices);
// - getUserMedia() asking for that deviceId (as a string, in exact or ideal, or in advanced) opens the real camera
//   (the one chosen in the extension's options, else the default), sends it to the Npga.Live server over WebRTC and
//   resolves with a MediaStream of the avatar's received video track (plus the real microphone's track when audio was
//   asked for). Stopping the avatar track (and its clones) stops the real camera and leaves the session. Signalling (join, offer,
//   answer, candidates, leave) goes through relay.js and the extension's service worker; the RTCPeerConnection is here.
//   Any other request goes to the browser untouched.

(() => {
  const md = globalThis.navigator?.mediaDevices;
  const proto = globalThis.MediaDevices?.prototype;
  if (!md || !proto || proto.__npgaLiveAvatar) return; // not a secure context, or wrapped already
  Object.defineProperty(proto, '__npgaLiveAvatar', { value: true });

  const AVATAR_ID = 'npga-live-avatar';
  const AVATAR_LABEL = 'Npga.Live avatar';
  const LINK_TIMEOUT_MS = 5000;
  const START_TIMEOUT_MS = 30000;
  const realEnumerate = proto.enumerateDevices;
  const realGetUserMedia = proto.getUserMedia;
  const nativeStop = MediaStreamTrack.prototype.stop;

  // ---- enumerateDevices ----

  /** A MediaDeviceInfo-like entry for the avatar camera (an InputDeviceInfo, like every real camera). */
  function avatarDevice(withLabel) {
    const base = globalThis.InputDeviceInfo?.prototype || globalThis.MediaDeviceInfo?.prototype || Object.prototype;
    const info = Object.create(base);
    const fields = { deviceId: AVATAR_ID, kind: 'videoinput', label: withLabel ? AVATAR_LABEL : '', groupId: AVATAR_ID };
    for (const [k, v] of Object.entries(fields)) Object.defineProperty(info, k, { value: v, enumerable: true });
    Object.defineProperty(info, 'toJSON', { value: () => ({ ...fields }) });
    Object.defineProperty(info, 'getCapabilities', {
      value: () => ({ deviceId: AVATAR_ID, groupId: AVATAR_ID, width: { min: 512, max: 512 }, height: { min: 512, max: 512 }, aspectRatio: { min: 1, max: 1 } }),
    });
    return info;
  }

  proto.enumerateDevices = async function enumerateDevices() {
    const list = await realEnumerate.call(this);
    const cameras = list.filter((d) => d.kind === 'videoinput');
    if (!cameras.length || list.some((d) => d.deviceId === AVATAR_ID)) return list; // no camera to drive it
    const out = [...list];
    out.splice(out.indexOf(cameras[cameras.length - 1]) + 1, 0, avatarDevice(cameras.some((d) => d.label)));
    return out;
  };

  // ---- getUserMedia ----

  const idsOf = (x) => {
    if (x == null) return [];
    if (typeof x === 'string') return [x];
    if (Array.isArray(x)) return x.flatMap(idsOf);
    if (typeof x === 'object') return [...idsOf(x.exact), ...idsOf(x.ideal)];
    return [];
  };

  /** Whether getUserMedia constraints ask for the avatar camera. */
  function wantsAvatar(c) {
    const v = c && c.video;
    if (!v || typeof v !== 'object') return false;
    return idsOf(v.deviceId).includes(AVATAR_ID) || (Array.isArray(v.advanced) && v.advanced.some((a) => a && idsOf(a.deviceId).includes(AVATAR_ID)));
  }

  proto.getUserMedia = function getUserMedia(constraints) {
    if (!wantsAvatar(constraints)) return realGetUserMedia.call(this, constraints);
    return openAvatar(this, constraints);
  };

  function error(message, name = 'NotReadableError') {
    return new DOMException(`Npga.Live avatar: ${message}`, name);
  }

  // A MessageChannel to relay.js: request(m) -> Promise of the answer's result; events go to onEvent.
  function openLink(onEvent) {
    const channel = new MessageChannel();
    const pending = new Map();
    let nextId = 1;
    let closed = false;
    channel.port1.onmessage = (e) => {
      const m = e.data;
      if (!m || typeof m !== 'object') return;
      if (m.id != null && pending.has(m.id)) {
        const p = pending.get(m.id);
        pending.delete(m.id);
        clearTimeout(p.timer);
        if (m.ok) p.resolve(m.result);
        else p.reject(Object.assign(new Error(m.error || 'failed'), { busy: !!m.busy }));
      } else if (m.op) {
        try { onEvent(m); } catch (err) { console.error(err); }
      }
    };
    window.postMessage({ npgaLiveAvatar: 'open' }, '*', [channel.port2]);
    return {
      request(m, timeoutMs = START_TIMEOUT_MS) {
        if (closed) return Promise.reject(new Error('closed'));
        const id = nextId++;
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => { pending.delete(id); reject(new Error(`no answer to '${m.op}' from the extension`)); }, timeoutMs);
          pending.set(id, { resolve, reject, timer });
          channel.port1.postMessage({ ...m, id });
        });
      },
      send(m) { if (!closed) channel.port1.postMessage(m); },
      close() {
        closed = true;
        for (const p of pending.values()) { clearTimeout(p.timer); p.reject(new Error('closed')); }
        pending.clear();
        channel.port1.close();
      },
    };
  }

  /** The real camera (by label when one is configured and present) plus the microphone when audio was asked for. */
  async function openRealCamera(mediaDevices, cameraLabel, audio) {
    const size = { width: { ideal: 640 }, height: { ideal: 480 } };
    const open = (deviceId) => realGetUserMedia.call(mediaDevices, { video: deviceId ? { ...size, deviceId: { exact: deviceId } } : size, audio: audio || false });
    const find = async () => (await realEnumerate.call(mediaDevices)).find((d) => d.kind === 'videoinput' && d.label === cameraLabel);
    if (!cameraLabel) return open(null);
    let device = await find();
    if (device?.deviceId) return open(device.deviceId);
    // No labels before the page holds camera permission: open the default camera (the prompt), then look again.
    const stream = await open(null);
    device = await find();
    const current = stream.getVideoTracks()[0]?.getSettings().deviceId;
    if (!device?.deviceId || device.deviceId === current) return stream;
    stream.getTracks().forEach((t) => nativeStop.call(t));
    return open(device.deviceId);
  }

  async function openAvatar(mediaDevices, constraints) {
    let link = null;
    let camera = null;
    let pc = null;
    let track = null;
    const dressed = new Set(); // the avatar track and its clones
    let ended = false;
    let onAnswer = () => {};
    let onCandidate = () => {};
    let resolveStart, rejectStart;
    const started = new Promise((res, rej) => { resolveStart = res; rejectStart = rej; });
    started.catch(() => {}); // awaited once the offer is answered; a failure before that is thrown where it happens

    // Ends the session once: real camera off, peer closed, the hub left (by the page) or already gone (by the server).
    const finish = (reason, byPage) => {
      if (ended) return;
      ended = true;
      rejectStart(error(reason));
      camera?.getVideoTracks().forEach((t) => nativeStop.call(t));
      if (pc) { pc.ontrack = pc.onicecandidate = pc.onconnectionstatechange = null; pc.close(); }
      if (link) {
        const l = link;
        if (byPage) l.request({ op: 'leave' }, 2000).catch(() => {}).finally(() => l.close());
        else l.close();
      }
      for (const t of dressed) {
        if (t.readyState === 'ended') continue;
        nativeStop.call(t);
        if (!byPage) t.dispatchEvent(new Event('ended')); // as a camera that was unplugged
      }
    };

    try {
      link = openLink((m) => {
        if (m.op === 'answer') onAnswer(m.sdp);
        else if (m.op === 'candidate') onCandidate(m.candidate);
        else if (m.op === 'ended' || m.op === 'closed') finish(m.reason || 'the session ended', false);
      });
      let config;
      try {
        config = await link.request({ op: 'config' }, LINK_TIMEOUT_MS);
      } catch (e) {
        throw error(`the extension does not answer (${e.message})`);
      }
      camera = await openRealCamera(mediaDevices, config.cameraLabel, constraints.audio);
      const video = camera.getVideoTracks()[0];
      if (!video) throw error('the camera gave no video track');

      let joined;
      try {
        joined = await link.request({ op: 'join' });
      } catch (e) {
        throw error(e.busy ? `the server is busy (${e.message})` : e.message);
      }
      if (ended) throw error('closed');

      let remoteSet = false;
      const early = [];
      const addRemote = (c) => pc.addIceCandidate({ candidate: c.candidate, sdpMLineIndex: c.sdpMLineIndex ?? 0 }).catch((e) => console.warn('Npga.Live avatar: addIceCandidate', e));
      onAnswer = async (sdp) => {
        if (ended || !pc) return;
        try {
          await pc.setRemoteDescription({ type: 'answer', sdp });
          remoteSet = true;
          for (const c of early.splice(0)) addRemote(c);
        } catch (e) {
          finish(`the server's answer is unusable: ${e.message}`, true);
        }
      };
      onCandidate = (c) => {
        if (ended || !c || !c.candidate) return;
        if (remoteSet) addRemote(c);
        else early.push(c);
      };

      pc = new RTCPeerConnection({ iceServers: joined.iceServers || [] });
      pc.addTransceiver(video, { direction: 'sendrecv', streams: [new MediaStream([video])] });
      pc.ontrack = (e) => {
        try { if ('jitterBufferTarget' in e.receiver) e.receiver.jitterBufferTarget = 0; } catch { /* not supported */ }
        track = dress(e.track, dressed, () => finish('stopped', true));
        if (pc.connectionState === 'connected') resolveStart();
      };
      pc.onconnectionstatechange = () => {
        if (!pc) return;
        if (pc.connectionState === 'connected' && track) resolveStart();
        else if (pc.connectionState === 'failed') finish('the WebRTC connection failed', false);
      };
      let offerSent = false;
      const pendingCandidates = [];
      const sendCandidate = (c) => link.request({ op: 'candidate', candidate: c }).catch((e) => console.warn('Npga.Live avatar: Candidate', e.message));
      pc.onicecandidate = (e) => {
        if (!e.candidate || !e.candidate.candidate) return;
        const c = { candidate: e.candidate.candidate, sdpMLineIndex: e.candidate.sdpMLineIndex ?? 0 };
        if (offerSent) sendCandidate(c);
        else pendingCandidates.push(c);
      };
      await pc.setLocalDescription(await pc.createOffer());
      const offered = link.request({ op: 'offer', sdp: pc.localDescription.sdp });
      offerSent = true; // candidates after the offer, in order
      for (const c of pendingCandidates.splice(0)) sendCandidate(c);
      try {
        await offered;
      } catch (e) {
        throw error(`the server refused the offer: ${e.message}`);
      }

      const timer = setTimeout(() => finish('no avatar video within 30 s', true), START_TIMEOUT_MS);
      try { await started; } finally { clearTimeout(timer); }
      const audio = camera.getAudioTracks();
      return new MediaStream([track, ...audio]);
    } catch (e) {
      const err = e instanceof DOMException ? e : error(String((e && e.message) || e));
      finish('the session did not start', true);
      camera?.getTracks().forEach((t) => nativeStop.call(t));
      throw err;
    }
  }

  // The received track made to look like the avatar camera's: its label and device id; clone() gives another such
  // track; stop() stops it, and the last of them to stop ends the session (onStop).
  function dress(track, all, onStop) {
    const nativeClone = MediaStreamTrack.prototype.clone;
    let live = 0;
    const wrap = (t) => {
      live++;
      all.add(t);
      let stopped = false;
      const settings = t.getSettings.bind(t);
      const capabilities = t.getCapabilities?.bind(t);
      Object.defineProperties(t, {
        label: { get: () => AVATAR_LABEL, configurable: true },
        getSettings: { value: () => ({ ...settings(), deviceId: AVATAR_ID, groupId: AVATAR_ID }), configurable: true },
        getCapabilities: { value: () => ({ ...(capabilities ? capabilities() : {}), deviceId: AVATAR_ID, groupId: AVATAR_ID }), configurable: true },
        clone: { value: function clone() { return wrap(nativeClone.call(t)); }, configurable: true },
        stop: {
          value: function stop() {
            if (stopped) return;
            stopped = true;
            nativeStop.call(t);
            if (--live === 0) onStop();
          },
          configurable: true,
        },
      });
      return t;
    };
    return wrap(track);
  }
})();
