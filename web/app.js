// The demo page (index.html): camera -> server -> avatar, with avatar chooser, orbit, expression pad and stats.
// Query: ?kiosk=1 (booth: full screen, auto-reconnect, idle screen), &stats=1 (stats overlay in kiosk),
//        ?probe=1 (stamp + measure glass-to-glass latency), ?probe=index (record the codes the stream carries),
//        ?avatar=ID, ?server=ORIGIN, ?autostart=0, ?token=JOIN_TOKEN (when the server requires one).
// window.npgaTest is what browser automation reads.

import { NpgaLive, BusyError, openCamera } from './npga-live.js';

const params = new URLSearchParams(location.search);
const kiosk = params.get('kiosk') === '1';
const showStats = !kiosk || params.get('stats') === '1';
const probe = params.get('probe') === 'index' ? 'index' : ['1', 'true'].includes(params.get('probe'));
const server = params.get('server') || location.origin;
const token = params.get('token') || undefined;
const autostart = kiosk || params.get('autostart') !== '0';
const IDLE_AFTER_MS = 5000;
const SEND_INTERVAL_MS = 33; // ~30 Hz for view and expression updates

const $ = (id) => document.getElementById(id);
const el = {
  status: $('status'), statusText: $('status-text'), toggle: $('toggle'),
  stage: $('stage'), avatar: $('avatar'), self: $('self'),
  placeholder: $('placeholder'), placeholderText: $('placeholder-text'),
  message: $('message'), messageText: $('message-text'), retry: $('retry'), idle: $('idle'),
  overlayStats: $('overlay-stats'), avatars: $('avatars'),
  pad: $('pad'), puck: $('puck'), tracked: $('tracked'), mix: $('mix'), mixOut: $('mix-out'),
  yaw: $('yaw'), pitch: $('pitch'), resetView: $('reset-view'), statsCard: $('stats-card'),
  sFpsIn: $('s-fps-in'), sFpsOut: $('s-fps-out'), sLatency: $('s-latency'), sFace: $('s-face'),
  sTimes: $('s-times'), sDropped: $('s-dropped'),
};

// ---- automation surface ----
const grabCanvas = document.createElement('canvas');
const npgaTest = {
  state: 'idle',
  error: null,
  latencies: [],
  codes: [],
  stats: null, // the last session.stats() (live while a session runs)
  get framesReceived() { return (session?.stats() ?? this.stats)?.framesReceived ?? 0; },
  get fpsOut() { return (session?.stats() ?? this.stats)?.fpsOut ?? 0; },
  grabFrame() {
    const v = el.avatar;
    if (!v.videoWidth || !v.videoHeight) return null;
    grabCanvas.width = v.videoWidth;
    grabCanvas.height = v.videoHeight;
    grabCanvas.getContext('2d').drawImage(v, 0, 0);
    return grabCanvas.toDataURL('image/png');
  },
};
window.npgaTest = npgaTest;

// ---- state ----
let session = null;
let running = false; // the user (or kiosk) wants a session
let attempt = 0; // reconnect backoff step
let reconnectTimer = 0;
let lastFaceAt = performance.now();
let view = { yaw: 0, pitch: 0 };
let cameraPromise = null;

const STATE_TEXT = { idle: 'Idle', joining: 'Connecting…', connected: 'Live', busy: 'Server busy', ended: 'Ended', error: 'Error' };

function setState(state, error = null) {
  npgaTest.state = state;
  npgaTest.error = error;
  el.status.dataset.state = state;
  el.statusText.textContent = STATE_TEXT[state] || state;
  el.toggle.textContent = running ? 'Stop' : 'Start';
}

function showMessage(text, retry = true) {
  el.messageText.textContent = text;
  el.retry.hidden = !retry;
  el.message.hidden = !text;
  if (text) el.placeholder.hidden = true;
}

function showPlaceholder(text) {
  el.placeholderText.textContent = text;
  el.placeholder.hidden = !text;
}

// The camera opens once (after the first successful Join) and is kept across reconnects.
function camera() {
  if (!cameraPromise) {
    cameraPromise = openCamera().then(
      (stream) => {
        if (!probe) setSelf(stream);
        return stream;
      },
      (e) => { cameraPromise = null; throw e; },
    );
  }
  return cameraPromise;
}

function setSelf(stream) {
  el.self.srcObject = stream;
  el.self.hidden = !stream;
}

function stopCamera() {
  cameraPromise?.then((s) => s.getTracks().forEach((t) => t.stop())).catch(() => {});
  cameraPromise = null;
  setSelf(null);
}

// ---- session lifecycle ----
async function start() {
  clearTimeout(reconnectTimer);
  if (session) return;
  running = true;
  showMessage('');
  showPlaceholder('Connecting to the server…');
  setState('joining');
  let s;
  try {
    s = await NpgaLive.connect({
      server,
      token,
      video: el.avatar,
      stream: camera,
      avatar: params.get('avatar') || undefined,
      probe,
      onStats: renderStats,
      onEnded,
      onState: (st) => {
        if (st === 'connected' && session === s) {
          attempt = 0;
          setState('connected');
        }
      },
    });
  } catch (e) {
    if (e instanceof BusyError) {
      setState('busy', e.message);
      const tail = /try again/i.test(e.message) ? '' : '; try again shortly';
      showMessage(`The server is busy — ${e.message.replace(/[.\s]+$/, '')}${tail}.`);
    } else {
      console.error(e);
      setState('error', e.message || String(e));
      showMessage(`Could not start: ${e.message || e}`);
    }
    if (kiosk && running) { showMessage(''); showPlaceholder('Reconnecting…'); scheduleReconnect(); }
    else running = false;
    setState(npgaTest.state, npgaTest.error);
    return;
  }
  if (!running) { s.close(); return; } // stopped while connecting
  session = s;
  npgaTest.latencies = s.latencies;
  npgaTest.codes = s.codes;
  lastFaceAt = performance.now();
  if (probe) { setSelf(s.localStream); el.self.classList.add('probe'); }
  renderAvatars(s.avatars, s.avatar);
  showPlaceholder('Waiting for video…');
  el.avatar.addEventListener('loadeddata', () => showPlaceholder(''), { once: true });
  if (s.state === 'connected') setState('connected');
  // restore the controls' state on a fresh session
  if (view.yaw || view.pitch) s.setView(view.yaw, view.pitch).catch(() => {});
  if (!el.tracked.checked) sendExpression.now();
}

function onEnded(reason) {
  session = null;
  el.idle.hidden = true;
  setState('ended', reason);
  showMessage(`Session ended: ${reason}`);
  if (kiosk && running) { showMessage(''); showPlaceholder('Reconnecting…'); scheduleReconnect(); }
  else { running = false; setState('ended', reason); }
}

function scheduleReconnect() {
  const delay = Math.min(30000, 1000 * 2 ** attempt) * (0.8 + 0.4 * Math.random());
  attempt = Math.min(attempt + 1, 6);
  clearTimeout(reconnectTimer);
  reconnectTimer = setTimeout(() => { if (running && !session) start(); }, delay);
}

async function stop() {
  running = false;
  clearTimeout(reconnectTimer);
  const s = session;
  session = null;
  if (s) await s.close();
  stopCamera();
  el.idle.hidden = true;
  showPlaceholder('');
  showMessage('Stopped.', true);
  setState('idle');
}

el.toggle.addEventListener('click', () => (running ? stop() : start()));
el.retry.addEventListener('click', () => start());

// ---- avatar chooser ----
function renderAvatars(avatars, current) {
  el.avatars.replaceChildren();
  if (!avatars.length) {
    el.avatars.innerHTML = '<p class="muted">No avatars.</p>';
    return;
  }
  // The session's avatar first, the others in the server's order: it is the one the viewer is looking at.
  const ordered = [...avatars.filter((a) => a.id === current), ...avatars.filter((a) => a.id !== current)];
  for (const a of ordered) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'avatar-choice';
    b.dataset.id = a.id;
    b.setAttribute('aria-pressed', String(a.id === current));
    b.textContent = a.name || a.id;
    if (a.credit) {
      const small = document.createElement('small');
      small.textContent = a.credit;
      b.appendChild(small);
    }
    b.addEventListener('click', () => {
      if (!session) return;
      session.setAvatar(a.id).catch((e) => console.warn('SetAvatar', e));
      for (const other of el.avatars.children) other.setAttribute('aria-pressed', String(other === b));
    });
    el.avatars.appendChild(b);
  }
}

// ---- throttled senders (~30 Hz, the last value always goes out) ----
function throttled(fn, interval) {
  let last = 0;
  let timer = 0;
  const call = () => { last = performance.now(); timer = 0; fn(); };
  const t = () => {
    if (timer) return;
    const wait = interval - (performance.now() - last);
    if (wait <= 0) call();
    else timer = setTimeout(call, wait);
  };
  t.now = () => { clearTimeout(timer); call(); };
  return t;
}

const capture = (target, pointerId) => {
  try { target.setPointerCapture(pointerId); } catch { /* not an active pointer (synthetic events) */ }
};

// ---- orbit: drag on the avatar ----
const sendView = throttled(() => session?.setView(view.yaw, view.pitch).catch(() => {}), SEND_INTERVAL_MS);
function renderView() {
  el.yaw.textContent = `${Math.round(view.yaw)}°`;
  el.pitch.textContent = `${Math.round(view.pitch)}°`;
}
let drag = null;
el.stage.addEventListener('pointerdown', (e) => {
  if (kiosk || e.button !== 0 || e.target.closest('.message')) return;
  drag = { x: e.clientX, y: e.clientY, yaw: view.yaw, pitch: view.pitch, id: e.pointerId };
  capture(el.stage, e.pointerId);
  el.stage.classList.add('dragging');
});
el.stage.addEventListener('pointermove', (e) => {
  if (!drag || e.pointerId !== drag.id) return;
  const degPerPx = 120 / Math.max(200, el.stage.clientWidth); // a full-width drag sweeps ±60°
  view.yaw = Math.max(-60, Math.min(60, drag.yaw + (e.clientX - drag.x) * degPerPx));
  view.pitch = Math.max(-40, Math.min(40, drag.pitch + (e.clientY - drag.y) * degPerPx));
  renderView();
  sendView();
});
const endDrag = (e) => {
  if (!drag || e.pointerId !== drag.id) return;
  drag = null;
  el.stage.classList.remove('dragging');
};
el.stage.addEventListener('pointerup', endDrag);
el.stage.addEventListener('pointercancel', endDrag);
const resetView = () => { view = { yaw: 0, pitch: 0 }; renderView(); sendView.now(); };
el.stage.addEventListener('dblclick', (e) => { if (!kiosk && !e.target.closest('.message')) resetView(); });
el.resetView.addEventListener('click', resetView);

// ---- expression pad ----
const puck = { u: 0, v: 0 };
function weights() {
  const { u, v } = puck; // corners: w00 neutral (top-left), w10 smile, w01 open mouth, w11 surprise
  return [(1 - u) * (1 - v), u * (1 - v), (1 - u) * v, u * v];
}
const sendExpression = throttled(() => {
  const mix = Number(el.mix.value);
  session?.setExpression(el.tracked.checked ? null : weights(), mix).catch(() => {});
}, SEND_INTERVAL_MS);
function renderPad() {
  el.puck.style.left = `${puck.u * 100}%`;
  el.puck.style.top = `${puck.v * 100}%`;
  el.pad.dataset.tracked = String(el.tracked.checked);
  el.mixOut.textContent = Number(el.mix.value).toFixed(2);
  const w = weights().map((x) => x.toFixed(2)).join(' · ');
  el.pad.title = el.tracked.checked ? 'tracked expression' : `weights ${w}`;
}
function movePuck(e) {
  const r = el.pad.getBoundingClientRect();
  puck.u = Math.max(0, Math.min(1, (e.clientX - r.left) / r.width));
  puck.v = Math.max(0, Math.min(1, (e.clientY - r.top) / r.height));
  el.tracked.checked = false;
  renderPad();
  sendExpression();
}
let padDrag = null;
el.pad.addEventListener('pointerdown', (e) => { padDrag = e.pointerId; capture(el.pad, e.pointerId); movePuck(e); });
el.pad.addEventListener('pointermove', (e) => { if (padDrag === e.pointerId) movePuck(e); });
el.pad.addEventListener('pointerup', () => { padDrag = null; });
el.pad.addEventListener('pointercancel', () => { padDrag = null; });
el.tracked.addEventListener('change', () => { renderPad(); sendExpression.now(); });
el.mix.addEventListener('input', () => { renderPad(); sendExpression(); });

// ---- stats ----
const fmt = (x, digits = 1, unit = '') => (x == null || Number.isNaN(x) ? '–' : `${Number(x).toFixed(digits)}${unit}`);
function renderStats() {
  const s = session?.stats();
  if (!s) return;
  npgaTest.stats = s;
  if (s.face === true) lastFaceAt = performance.now();
  if (s.face === false && performance.now() - lastFaceAt > IDLE_AFTER_MS) el.idle.hidden = !kiosk;
  else el.idle.hidden = true;
  if (!showStats) return;
  const latency = probe === true ? fmt(s.latencyMs, 0, ' ms') : s.serverLatencyMs != null ? `${fmt(s.serverLatencyMs, 0, ' ms')} (server)` : '–';
  const face = s.face == null ? '–' : s.face ? 'face' : 'no face';
  const cnn = s.server?.refine === true ? ' (CNN on)' : s.server?.refine === false ? ' (CNN off)' : '';
  const times = s.server ? `${fmt(s.server.trackMs, 0)} / ${fmt(s.server.renderMs, 0)} / ${fmt(s.server.encodeMs, 0)} ms${cnn}` : '–';
  if (kiosk) {
    el.overlayStats.hidden = false;
    el.overlayStats.textContent =
      `fps in  ${fmt(s.fpsIn)}\nfps out ${fmt(s.fpsOut)}\nlatency ${latency}\ntracking ${face}`;
    return;
  }
  el.sFpsIn.textContent = fmt(s.fpsIn);
  el.sFpsOut.textContent = fmt(s.fpsOut);
  el.sLatency.textContent = latency;
  el.sFace.textContent = face;
  el.sFace.className = s.face == null ? '' : s.face ? 'face-yes' : 'face-no';
  el.sTimes.textContent = times;
  el.sDropped.textContent = s.server?.dropped ?? '–';
}
// the page's own numbers (fps out, latency) update between the server's Stats messages too
setInterval(renderStats, 500);

// ---- boot ----
if (kiosk) document.body.classList.add('kiosk');
el.statsCard.hidden = !showStats;
setSelf(null);
renderView();
renderPad();
setState('idle');
window.addEventListener('pagehide', () => session?.close());
if (autostart) { running = true; start(); }
else showMessage('Press Start to join.', false);
