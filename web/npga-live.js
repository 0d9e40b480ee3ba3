// npga-live.js: the browser API of an Npga.Live server (docs/LIVE.md, "Hub protocol"). Plain ES module, no build.
//
//   import { NpgaLive } from 'http://HOST/npga-live.js';
//   const s = await NpgaLive.connect({ server: 'http://HOST', video: document.querySelector('video') });
//   s.setView(20, -5); s.setExpression([0, 1, 0, 0], 0.8); s.setAvatar('other'); s.setBackground('#00ff00');
//   s.stats(); await s.close();
//
// connect() joins first and only then opens the camera, so a busy server never starts the webcam.

import { cellSize, drawFrameCode, readFrameCode, latencyFromCode } from './frame-code.js';

/** The server refused the join token (HTTP 401): none was given, or it is expired, tampered with or for another server. */
export class AuthError extends Error {
  constructor(message = 'the server needs a valid join token (?token=…); this one is missing, expired or wrong') {
    super(message);
    this.name = 'AuthError';
  }
}

/** Join was refused because the server is full (`busy:` HubException). `message` is the server's text. */
export class BusyError extends Error {
  constructor(message) {
    super(message);
    this.name = 'BusyError';
    this.busy = true;
  }
}

const MAX_SAMPLES = 100000;
const VIEW_LIMITS = { yaw: 60, pitch: 40 };

/** Default camera: the webcam at 640x480, no audio. */
export function openCamera() {
  return navigator.mediaDevices.getUserMedia({
    video: { width: { ideal: 640 }, height: { ideal: 480 } },
    audio: false,
  });
}

/** The SignalR browser client: window.signalR, else `${server}/lib/signalr.min.js` loaded as a script. */
export function loadSignalR(server) {
  if (globalThis.signalR) return Promise.resolve(globalThis.signalR);
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = `${server}/lib/signalr.min.js`;
    script.onload = () =>
      globalThis.signalR ? resolve(globalThis.signalR) : reject(new Error('signalr.min.js did not define signalR'));
    script.onerror = () => reject(new Error(`could not load ${script.src}`));
    document.head.appendChild(script);
  });
}

/** The text after `busy:` in a hub error ("... HubException: busy: 3 of 3 sessions in use"), else null. */
export function busyText(error) {
  const m = /busy:\s*(.*)$/s.exec(String((error && error.message) || error || ''));
  return m ? m[1].trim() : null;
}

function clamp(v, lo, hi) {
  return Math.min(hi, Math.max(lo, Number(v) || 0));
}

function median(values) {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function hiddenVideo() {
  const v = document.createElement('video');
  v.muted = true;
  v.playsInline = true;
  v.autoplay = true;
  v.setAttribute('aria-hidden', 'true');
  Object.assign(v.style, { position: 'fixed', left: '-10000px', top: '0', width: '2px', height: '2px', opacity: '0' });
  document.body.appendChild(v);
  return v;
}

// Calls fn on every new frame of `video` (requestVideoFrameCallback, or ~60 Hz polling where it is missing).
function onEveryFrame(video, fn) {
  let stopped = false;
  let handle = 0;
  if ('requestVideoFrameCallback' in HTMLVideoElement.prototype) {
    const loop = (now, meta) => {
      if (stopped) return;
      try { fn(meta); } catch (e) { console.error(e); }
      handle = video.requestVideoFrameCallback(loop);
    };
    handle = video.requestVideoFrameCallback(loop);
    return () => { stopped = true; video.cancelVideoFrameCallback(handle); };
  }
  let last = -1;
  const timer = setInterval(() => {
    if (video.currentTime !== last && video.readyState >= 2) { last = video.currentTime; fn(null); }
  }, 16);
  return () => { stopped = true; clearInterval(timer); };
}

// Probe stamping: the webcam drawn into a same-size canvas with performance.now() mod 65536 as its frame code.
function stampStream(stream) {
  const src = hiddenVideo();
  src.srcObject = stream;
  src.play().catch(() => {});
  const canvas = document.createElement('canvas');
  const settings = stream.getVideoTracks()[0]?.getSettings?.() || {};
  canvas.width = settings.width || 640;
  canvas.height = settings.height || 480;
  const ctx = canvas.getContext('2d', { alpha: false });
  const draw = () => {
    const w = src.videoWidth, h = src.videoHeight;
    if (!w || !h) return;
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    ctx.drawImage(src, 0, 0, w, h);
    drawFrameCode(ctx, w, h, Math.round(performance.now()) % 65536);
  };
  const stopFrames = onEveryFrame(src, draw);
  const out = canvas.captureStream(30);
  return {
    stream: out,
    stop() {
      stopFrames();
      out.getTracks().forEach((t) => t.stop());
      src.srcObject = null;
      src.remove();
    },
  };
}

/**
 * Starts a live session.
 * @param {object} o
 * @param {string} [o.server] server origin (default: this page's origin)
 * @param {HTMLVideoElement} [o.video] where the avatar plays (a hidden one is made when left out)
 * @param {MediaStream|function():Promise<MediaStream>} [o.stream] what drives the avatar: a stream, or a function
 *        called after Join succeeds (default: the webcam at 640x480, stopped again by close()).
 * @param {string} [o.avatar] avatar id (default: the server's)
 * @param {string|function():(string|Promise<string>)} [o.token] join token, when the server requires one (sent as
 *        SignalR's access token: `Authorization: Bearer` on negotiate, `access_token` on the WebSocket URL)
 * @param {boolean|'index'} [o.probe] true: stamp performance.now() codes and measure glass-to-glass latency;
 *        'index': send the stream as it is and record the codes it carries
 * @param {function(object)} [o.onStats] about once a second with stats()
 * @param {function(string)} [o.onEnded] once when the session ends by the server or the network (not by close())
 * @param {function(string)} [o.onState] 'joining' | 'negotiating' | 'connected' | 'ended'
 * @param {RTCIceServer[]} [o.iceServers] overrides the ICE servers that Join returns
 * @param {object} [o.signalR] the SignalR client namespace (default: window.signalR or /lib/signalr.min.js)
 */
export async function connect(o = {}) {
  const server = (o.server || globalThis.location?.origin || '').replace(/\/+$/, '');
  const probe = o.probe === 'index' ? 'index' : !!o.probe;
  const signalR = o.signalR || (await loadSignalR(server));
  const video = o.video || hiddenVideo();
  const ownVideo = !o.video;

  let state = 'joining';
  let closed = false;
  let pc = null;
  let join = null;
  let inStream = null;
  let ownStream = false;
  let stamper = null;
  let stopReading = null;
  let offerSent = false;
  let remoteSet = false;
  const localCandidates = [];
  const remoteCandidates = [];
  let serverStats = null;
  let statsTimer = 0;
  let receiver = null; // the avatar track's inbound-rtp figures (pc.getStats(), polled once a second)

  const received = { frames: 0, unreadable: 0, window: [], lastPresented: null };
  const latencies = [];
  const codes = [];

  const setState = (s) => {
    if (state === s) return;
    state = s;
    try { o.onState?.(s); } catch (e) { console.error(e); }
  };

  // The server drops a hub client it has not heard from for 15 s (LiveServer: ClientTimeoutInterval) and pings every
  // 5 s (KeepAliveInterval). SignalR's rule is a timeout of at least twice the other side's ping interval: the page pings
  // every 5 s, so a page stalled by a busy machine for up to 10 s keeps its session (the client's default 15 s ping
  // raced the server's 15 s timeout), and waits the default 30 s for the server.
  const token = o.token;
  const conn = new signalR.HubConnectionBuilder()
    .withUrl(`${server}/hub`, token ? { accessTokenFactory: typeof token === 'function' ? token : () => token } : {})
    .withKeepAliveInterval(5000)
    .withServerTimeout(30000)
    .configureLogging(signalR.LogLevel ? signalR.LogLevel.Warning : 'warn')
    .build();

  const sendCandidate = (c) => conn.invoke('Candidate', c).catch((e) => console.warn('Candidate', e));

  conn.on('Answer', async (sdp) => {
    if (closed || !pc) return;
    try {
      await pc.setRemoteDescription({ type: 'answer', sdp });
      remoteSet = true;
      for (const c of remoteCandidates.splice(0)) await addRemote(c);
    } catch (e) {
      console.error('Answer', e);
      end(`could not use the server's answer: ${e.message}`);
    }
  });
  conn.on('Candidate', (c) => {
    if (closed || !c || !c.candidate) return; // empty = end of the server's candidates
    if (remoteSet) addRemote(c);
    else remoteCandidates.push(c);
  });
  conn.on('Stats', (s) => {
    serverStats = s;
    try { o.onStats?.(stats()); } catch (e) { console.error(e); }
  });
  conn.on('Ended', (reason) => end(reason || 'ended by the server'));
  conn.onclose((err) => { if (!closed) end(err ? `connection lost: ${err.message}` : 'connection closed'); });

  async function addRemote(c) {
    try {
      await pc.addIceCandidate({ candidate: c.candidate, sdpMLineIndex: c.sdpMLineIndex ?? 0 });
    } catch (e) {
      console.warn('addIceCandidate', e);
    }
  }

  function stats() {
    const now = performance.now();
    const w = received.window.filter((x) => now - x.t <= 1000);
    let fpsOut = 0;
    if (w.length >= 2) {
      const dt = (w[w.length - 1].t - w[0].t) / 1000;
      fpsOut = dt > 0 ? (w[w.length - 1].n - w[0].n) / dt : 0;
    }
    const recent = latencies.slice(-30);
    return {
      state,
      sessionId: join?.sessionId ?? null,
      avatar: session.avatar,
      fpsIn: serverStats?.fpsIn ?? null,
      fpsOut: Math.round(fpsOut * 10) / 10,
      serverFpsOut: serverStats?.fpsOut ?? null,
      face: serverStats ? !!serverStats.face : null,
      framesReceived: received.frames,
      unreadableCodes: received.unreadable,
      latencyMs: median(recent),
      serverLatencyMs: serverStats?.latencyMs ?? null,
      server: serverStats,
      receiver,
    };
  }

  /** Polls the avatar track's receiver figures (WebRTC stats, inbound-rtp video): where frames between the server's
   * encoder and the page's display go. Cumulative counts since the session started. */
  async function pollReceiver() {
    if (!pc || closed) return;
    try {
      for (const r of (await pc.getStats()).values()) {
        if (r.type !== 'inbound-rtp' || r.kind !== 'video') continue;
        receiver = {
          framesReceived: r.framesReceived ?? null,
          framesDecoded: r.framesDecoded ?? null,
          framesDropped: r.framesDropped ?? null,
          keyFramesDecoded: r.keyFramesDecoded ?? null,
          packetsLost: r.packetsLost ?? null,
          nackCount: r.nackCount ?? null,
          freezeCount: r.freezeCount ?? null,
          jitterBufferMs: r.jitterBufferEmittedCount ? (1000 * r.jitterBufferDelay) / r.jitterBufferEmittedCount : null,
          decodeMs: r.framesDecoded ? (1000 * r.totalDecodeTime) / r.framesDecoded : null,
        };
      }
    } catch { /* closing */ }
  }

  function watchReceived() {
    const readCanvas = document.createElement('canvas');
    const readCtx = readCanvas.getContext('2d', { willReadFrequently: true });
    stopReading = onEveryFrame(video, (meta) => {
      const now = performance.now();
      const presented = meta?.presentedFrames;
      let n = 1;
      if (presented != null && received.lastPresented != null && presented > received.lastPresented)
        n = presented - received.lastPresented;
      received.lastPresented = presented ?? null;
      received.frames += n;
      received.window.push({ t: now, n: received.frames });
      while (received.window.length && now - received.window[0].t > 2000) received.window.shift();
      if (!probe) return;
      const w = meta?.width || video.videoWidth, h = meta?.height || video.videoHeight;
      const cell = cellSize(w);
      if (!w || !h || cell < 2) return;
      if (readCanvas.width !== w || readCanvas.height !== cell) { readCanvas.width = w; readCanvas.height = cell; }
      readCtx.drawImage(video, 0, h - cell, w, cell, 0, 0, w, cell);
      const code = readFrameCode(readCtx.getImageData(0, 0, w, cell));
      if (code == null) { received.unreadable++; return; }
      const t = performance.now();
      if (codes.length < MAX_SAMPLES) codes.push({ code, t });
      if (probe === true && latencies.length < MAX_SAMPLES) latencies.push(latencyFromCode(code, t));
    });
  }

  let ended = false;
  function end(reason) {
    if (ended) return;
    ended = true;
    const byServer = !closed;
    teardown();
    setState('ended');
    if (byServer) try { o.onEnded?.(reason); } catch (e) { console.error(e); }
  }

  function teardown() {
    closed = true;
    clearInterval(statsTimer);
    stopReading?.();
    if (pc) { pc.ontrack = pc.onicecandidate = pc.onconnectionstatechange = null; pc.close(); }
    stamper?.stop();
    if (ownStream) inStream?.getTracks().forEach((t) => t.stop());
    video.srcObject = null;
    if (ownVideo) video.remove();
    conn.stop().catch(() => {});
  }

  async function invoke(method, ...args) {
    if (closed) return;
    return conn.invoke(method, ...args);
  }

  const session = {
    server,
    video,
    avatar: null,
    avatars: [],
    iceServers: [],
    sessionId: null,
    localStream: null,
    latencies,
    codes,
    get state() { return state; },
    get pc() { return pc; },
    /** Shows another avatar (an id from `avatars`). */
    setAvatar(id) {
      session.avatar = id;
      return invoke('SetAvatar', String(id));
    },
    /** Orbits the view round the head centre; yaw ±60°, pitch ±40°. Accepts (yaw, pitch) or { yawDeg, pitchDeg }. */
    setView(yawDeg, pitchDeg) {
      if (typeof yawDeg === 'object' && yawDeg) ({ yawDeg, pitchDeg } = yawDeg);
      return invoke('SetView', {
        yawDeg: clamp(yawDeg, -VIEW_LIMITS.yaw, VIEW_LIMITS.yaw),
        pitchDeg: clamp(pitchDeg, -VIEW_LIMITS.pitch, VIEW_LIMITS.pitch),
      });
    },
    /** Expression pad: 4 bilinear weights [w00, w10, w01, w11] (normalised to sum 1) or null (tracked only). */
    setExpression(weights, mix = 1) {
      let w = null;
      if (Array.isArray(weights)) {
        w = weights.slice(0, 4).map((x) => Math.max(0, Number(x) || 0));
        while (w.length < 4) w.push(0);
        const sum = w.reduce((a, b) => a + b, 0);
        w = sum > 0 ? w.map((x) => x / sum) : [1, 0, 0, 0];
      }
      return invoke('SetExpression', { weights: w, mix: clamp(mix, 0, 1) });
    },
    /** The colour the avatar is drawn on, '#rrggbb', or null for the avatar's own (a colour to key out in a capture tool). */
    setBackground(colour) {
      return invoke('SetBackground', colour == null || colour === '' ? null : String(colour));
    },
    stats,
    /** Leaves the session and releases everything connect() made. */
    async close() {
      if (closed) return;
      closed = true;
      try {
        await Promise.race([conn.invoke('Leave'), new Promise((r) => setTimeout(r, 1000))]);
      } catch { /* the hub may be gone already */ }
      end('closed');
    },
  };

  // 1. Hub and Join; nothing else starts when the server is busy.
  try {
    await conn.start();
    join = await conn.invoke('Join', { avatar: o.avatar || null, probe: !!probe });
  } catch (e) {
    closed = true;
    conn.stop().catch(() => {});
    if (ownVideo) video.remove();
    const busy = busyText(e);
    if (busy != null) throw new BusyError(busy || 'the server is busy');
    if (e && (e.statusCode === 401 || /\b401\b|Unauthorized/.test(String(e.message)))) throw new AuthError();
    throw e;
  }
  session.sessionId = join.sessionId;
  session.avatar = join.avatar;
  session.avatars = join.avatars || [];
  session.iceServers = o.iceServers || join.iceServers || [];

  try {
    if (closed) throw new Error('closed');
    // 2. The driving stream (the webcam unless given), stamped in probe mode.
    if (typeof o.stream === 'function') inStream = await o.stream();
    else if (o.stream) inStream = o.stream;
    else { inStream = await openCamera(); ownStream = true; }
    if (closed) throw new Error('closed');
    let outStream = inStream;
    if (probe === true) { stamper = stampStream(inStream); outStream = stamper.stream; }
    session.localStream = outStream;
    const track = outStream.getVideoTracks()[0];
    if (!track) throw new Error('the stream has no video track');

    // 3. WebRTC: the browser offers one sendrecv video m-line; the server answers.
    setState('negotiating');
    pc = new RTCPeerConnection({ iceServers: session.iceServers });
    pc.addTransceiver(track, { direction: 'sendrecv', streams: [outStream] });
    pc.ontrack = (e) => {
      // A live avatar wants the frame now, not a smooth buffer: ask for the smallest jitter buffer the browser allows.
      try { if ('jitterBufferTarget' in e.receiver) e.receiver.jitterBufferTarget = 0; else e.receiver.playoutDelayHint = 0; } catch { /* not supported */ }
      video.srcObject = e.streams && e.streams[0] ? e.streams[0] : new MediaStream([e.track]);
      video.play().catch(() => {});
    };
    pc.onicecandidate = (e) => {
      if (!e.candidate || !e.candidate.candidate) return; // end of candidates: not sent
      const c = { candidate: e.candidate.candidate, sdpMLineIndex: e.candidate.sdpMLineIndex ?? 0 };
      if (offerSent) sendCandidate(c);
      else localCandidates.push(c);
    };
    pc.onconnectionstatechange = () => {
      if (!pc) return;
      if (pc.connectionState === 'connected') setState('connected');
      else if (pc.connectionState === 'failed') end('the WebRTC connection failed');
    };
    watchReceived();
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    const offerDone = conn.invoke('Offer', pc.localDescription.sdp);
    offerSent = true; // candidates go after the offer, in order, on the same connection
    for (const c of localCandidates.splice(0)) sendCandidate(c);
    await offerDone;
    statsTimer = setInterval(() => {
      pollReceiver();
      if (!serverStats) try { o.onStats?.(stats()); } catch (e) { console.error(e); }
    }, 1000);
  } catch (e) {
    const wasClosed = closed;
    closed = true;
    try { await Promise.race([conn.invoke('Leave'), new Promise((r) => setTimeout(r, 500))]); } catch { /* gone */ }
    ended = true;
    teardown();
    throw wasClosed ? new Error('closed before the session started') : e;
  }
  return session;
}

export const NpgaLive = { connect, openCamera, loadSignalR, busyText, BusyError, AuthError };
if (typeof window !== 'undefined') window.NpgaLive = NpgaLive;
export default NpgaLive;
