// The embed page (embed.html, framed by embed.js): camera in, avatar out; a click rejoins after the session ends.
// Query: ?avatar=ID, ?self=0 (no self view), ?probe=1|index, ?token=JOIN_TOKEN (when the server requires one).

import { NpgaLive, BusyError, AuthError, openCamera } from './npga-live.js';

const q = new URLSearchParams(location.search);
const avatar = document.getElementById('avatar');
const self = document.getElementById('self');
const placeholder = document.getElementById('placeholder');
const text = document.getElementById('text');
if (q.get('self') === '0') self.hidden = true;
const say = (t, spin = false) => {
  text.textContent = t;
  placeholder.hidden = !t;
  placeholder.querySelector('.spinner').hidden = !spin;
};
let session = null;
let camera = null; // opened after the first Join, kept across rejoins
async function start() {
  say('Connecting…', true);
  try {
    session = await NpgaLive.connect({
      video: avatar,
      avatar: q.get('avatar') || undefined,
      token: q.get('token') || undefined,
      probe: q.get('probe') === 'index' ? 'index' : q.get('probe') === '1',
      stream: async () => (self.srcObject = camera ??= await openCamera()),
      onEnded: (reason) => { session = null; say(`Session ended: ${reason}. Click to rejoin.`); },
    });
    avatar.addEventListener('loadeddata', () => say(''), { once: true });
  } catch (e) {
    say(e instanceof BusyError ? `The server is busy — ${e.message}`
      : e instanceof AuthError ? `Not admitted: ${e.message}.`
      : `Could not start: ${e.message || e}`);
  }
}
placeholder.addEventListener('click', () => { if (!session) start(); });
window.addEventListener('pagehide', () => session?.close());
start();
