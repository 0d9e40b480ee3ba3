// background.js: the extension's service worker. It speaks to the Npga.Live server's hub for the pages: a page's
// content scripts (page.js in the page, relay.js beside it) open a runtime port named 'npga-live' per avatar session
// and relay only signalling over it; the RTCPeerConnection stays in the page. The server sees a WebSocket from the
// extension, so neither the server's CORS (none by default) nor the page's Content-Security-Policy is in the way.
// The join token never leaves the extension.
//
// Port messages, page -> worker: {op:'join'} | {op:'offer', sdp} | {op:'candidate', candidate} | {op:'leave'},
// each with an id; the worker answers {id, ok: true, result} or {id, ok: false, error, busy?}.
// Worker -> page: {op:'answer', sdp} | {op:'candidate', candidate} | {op:'ended', reason} | {op:'closed', reason}.

import { HubSocket, hubUrl } from './hub.js';
import { loadSettings } from './settings.js';

const LEAVE_WAIT_MS = 1000;

/** The text after 'busy:' in a hub error, else null. */
function busyText(message) {
  const m = /busy:\s*(.*)$/s.exec(String(message || ''));
  return m ? m[1].trim() : null;
}

/** Why a hub WebSocket would not open: a negotiate probe tells a refused token (401) from a server that is not there. */
async function whyNoHub(server, token) {
  try {
    const r = await fetch(`${server}/hub/negotiate?negotiateVersion=1`, {
      method: 'POST',
      headers: token ? { Authorization: `Bearer ${token}` } : {},
    });
    if (r.status === 401) return 'the server needs a valid join token (set one in the extension\'s options)';
    if (r.status === 429) return 'the server is rate limiting connections; try again in a minute';
    return `the hub at ${server} did not accept a WebSocket (HTTP ${r.status} on negotiate)`;
  } catch {
    return `cannot reach the Npga.Live server at ${server} (is it running? see the extension's options)`;
  }
}

/** One page's avatar session: its port, its hub connection. */
class Session {
  constructor(port) {
    this.port = port;
    this.hub = null;
    this.done = false;
    port.onMessage.addListener((m) => this.handle(m));
    port.onDisconnect.addListener(() => this.close());
  }

  post(message) {
    if (this.done) return;
    try { this.port.postMessage(message); } catch { this.close(); }
  }

  async handle(m) {
    if (!m || typeof m !== 'object') return;
    try {
      const result = await this.run(m);
      if (m.id != null) this.post({ id: m.id, ok: true, result: result ?? null });
    } catch (e) {
      const error = String((e && e.message) || e);
      const busy = busyText(error);
      if (m.id != null) this.post({ id: m.id, ok: false, error: busy ?? error, busy: busy != null });
    }
  }

  async run(m) {
    switch (m.op) {
      case 'join': return this.join();
      case 'offer':
        if (typeof m.sdp !== 'string') throw new Error('the offer is empty');
        return this.requireHub().invoke('Offer', m.sdp);
      case 'candidate':
        if (!m.candidate || typeof m.candidate.candidate !== 'string') throw new Error('the candidate is empty');
        return this.requireHub().invoke('Candidate', { candidate: m.candidate.candidate, sdpMLineIndex: Number(m.candidate.sdpMLineIndex) || 0 });
      case 'leave': return this.leave();
      default: throw new Error(`unknown request '${m.op}'`);
    }
  }

  requireHub() {
    if (!this.hub || this.hub.closed) throw new Error('not joined');
    return this.hub;
  }

  async join() {
    if (this.hub) throw new Error('already joined');
    const s = await loadSettings();
    let hub;
    try {
      hub = await HubSocket.connect(hubUrl(s.server, s.token));
    } catch {
      throw new Error(await whyNoHub(s.server, s.token));
    }
    if (this.done) { hub.close(); throw new Error('closed'); }
    this.hub = hub;
    hub.on('Answer', (sdp) => this.post({ op: 'answer', sdp }));
    hub.on('Candidate', (c) => this.post({ op: 'candidate', candidate: c }));
    hub.on('Ended', (reason) => this.post({ op: 'ended', reason: reason || 'ended by the server' }));
    hub.onclose((error) => {
      this.post({ op: 'closed', reason: error || 'the hub connection closed' });
      this.close();
    });
    const joined = await hub.invoke('Join', { avatar: s.avatar || null, probe: s.probe });
    if (s.yaw || s.pitch) hub.invoke('SetView', { yawDeg: s.yaw, pitchDeg: s.pitch }).catch((e) => console.warn('SetView', e));
    return { sessionId: joined.sessionId, avatar: joined.avatar, iceServers: joined.iceServers || [] };
  }

  async leave() {
    const hub = this.hub;
    if (hub && !hub.closed) {
      try { await Promise.race([hub.invoke('Leave'), new Promise((r) => setTimeout(r, LEAVE_WAIT_MS))]); } catch { /* gone */ }
    }
    setTimeout(() => this.close(), 0); // after the answer to 'leave' went out
  }

  /** Closes the hub connection (the server ends the session) and the port. */
  close() {
    if (this.done) return;
    this.done = true;
    this.hub?.close();
    try { this.port.disconnect(); } catch { /* already gone */ }
  }
}

chrome.runtime.onConnect.addListener((port) => {
  // Only the content scripts of this extension connect (no externally_connectable), from a tab's frame.
  if (port.name !== 'npga-live' || !port.sender?.tab) { port.disconnect(); return; }
  new Session(port);
});
