// The bare avatar view (obs.html), for OBS's Browser Source and other capture tools: the avatar stream alone at its
// native size, no controls, driven by this machine's camera; it reconnects by itself (2 s, doubling to 30 s).
// Query: ?avatar=ID, ?server=ORIGIN, ?yaw=DEG&pitch=DEG (the view), ?token=JOIN_TOKEN (when the server requires one),
//        ?bg=#rrggbb (the server draws the avatar on that colour; bare hex also accepted: bg=00ff00),
//        ?bg=transparent (the server draws it on pure green and the page keys the green out into an alpha channel:
//                         OBS composites the avatar alone; the page itself is transparent).
// window.npgaTest is what browser automation reads (as on the main page).

import { NpgaLive, BusyError, openCamera } from './npga-live.js';

const q = new URLSearchParams(location.search);
const KEY = '#00ff00';
const bgParam = (q.get('bg') || '').trim().toLowerCase();
const transparent = bgParam === 'transparent';
const solid = /^#?[0-9a-f]{6}$/.test(bgParam) ? (bgParam.startsWith('#') ? bgParam : `#${bgParam}`) : null;
const background = transparent ? KEY : solid;
const badBg = bgParam !== '' && !background;
const video = document.getElementById('avatar');
const canvas = document.getElementById('keyed');
const message = document.getElementById('message');

const say = (text) => {
  message.textContent = text || '';
  message.hidden = !text;
};
if (badBg) say(`bg must be #rrggbb or transparent, not '${bgParam}'; showing the avatar's own`);
if (solid) document.body.style.background = solid;

const grab = document.createElement('canvas');
const npgaTest = {
  state: 'idle',
  error: null,
  stats: null,
  keyedFrames: 0,
  get framesReceived() { return (session?.stats() ?? this.stats)?.framesReceived ?? 0; },
  /** The frame as shown: the keyed canvas (with its alpha) in transparent mode, else the video; a PNG data URL. */
  grabFrame() {
    if (transparent) return this.keyedFrames > 0 ? canvas.toDataURL('image/png') : null;
    if (!video.videoWidth) return null;
    grab.width = video.videoWidth;
    grab.height = video.videoHeight;
    grab.getContext('2d').drawImage(video, 0, 0);
    return grab.toDataURL('image/png');
  },
};
window.npgaTest = npgaTest;

// ---- transparent mode: green -> alpha ----
// A pixel's alpha falls from 1 to 0 as its green exceeds its larger other channel by LO..HI (0-255); the green that
// blended into the avatar's edge is removed (green limited to the larger of red and blue), so no green fringe shows.
const LO = 40, HI = 110;
let ctx = null;
function keyFrame() {
  const w = video.videoWidth, h = video.videoHeight;
  if (!w || !h) return;
  if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
  ctx ??= canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(video, 0, 0);
  const img = ctx.getImageData(0, 0, w, h);
  const p = img.data;
  for (let i = 0; i < p.length; i += 4) {
    const r = p[i], g = p[i + 1], b = p[i + 2];
    const m = r > b ? r : b;
    const e = g - m;
    if (e <= LO) continue;
    p[i + 1] = m;
    p[i + 3] = e >= HI ? 0 : Math.round(255 * (HI - e) / (HI - LO));
  }
  ctx.putImageData(img, 0, 0);
  npgaTest.keyedFrames++;
}
if (transparent) {
  video.classList.add('hidden');
  canvas.hidden = false;
  const loop = () => { keyFrame(); video.requestVideoFrameCallback(loop); };
  if ('requestVideoFrameCallback' in HTMLVideoElement.prototype) video.requestVideoFrameCallback(loop);
  else setInterval(keyFrame, 33);
}

// ---- the session, rejoined when it ends ----
let session = null;
let camera = null; // opened after the first Join, kept across rejoins
let delay = 2000;
async function start() {
  npgaTest.state = 'joining';
  try {
    session = await NpgaLive.connect({
      video,
      server: q.get('server') || undefined,
      avatar: q.get('avatar') || undefined,
      token: q.get('token') || undefined,
      stream: async () => (camera ??= await openCamera()),
      onState: (s) => { npgaTest.state = s; },
      onEnded: (reason) => {
        npgaTest.stats = session?.stats() ?? npgaTest.stats;
        session = null;
        say(`session ended: ${reason}; reconnecting`);
        retry();
      },
    });
    if (background) await session.setBackground(background);
    const yaw = Number(q.get('yaw') || 0), pitch = Number(q.get('pitch') || 0);
    if (yaw || pitch) await session.setView(yaw, pitch);
    delay = 2000;
    if (!badBg) say('');
  } catch (e) {
    session = null;
    npgaTest.state = e instanceof BusyError ? 'busy' : 'error';
    npgaTest.error = String(e.message || e);
    say(e instanceof BusyError ? `server busy: ${e.message}; retrying` : `could not start: ${e.message || e}; retrying`);
    retry();
  }
}
function retry() {
  setTimeout(start, delay);
  delay = Math.min(30000, delay * 2);
}
window.addEventListener('pagehide', () => session?.close());
start();
