// hub.js: a small client of the SignalR JSON hub protocol over one WebSocket (docs/LIVE.md, "Hub protocol"), for the
// extension's service worker. No negotiate step: SignalR servers take a WebSocket straight at /hub (what the JS client's
// skipNegotiation does); the join token goes as ?access_token=, as SignalR's JS client sends it on a WebSocket connect.
// Records are JSON ended by 0x1E: the handshake {"protocol":"json","version":1}, then invocations (type 1), completions
// (3), pings (6) and close (7).

const RS = '\u001e';
const PING_MS = 5000; // the server drops a client it has not heard from for 15 s
const SERVER_TIMEOUT_MS = 30000; // the server pings every 5 s

/** The hub's WebSocket URL for a server origin ('http://127.0.0.1:5000' -> 'ws://127.0.0.1:5000/hub'), with the token. */
export function hubUrl(server, token) {
  const u = new URL(String(server).replace(/\/+$/, '') + '/hub');
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  if (token) u.searchParams.set('access_token', token);
  return u.toString();
}

/** One hub connection: invoke(), on(), onclose(), close(). Made by HubSocket.connect(). */
export class HubSocket {
  constructor(ws) {
    this._ws = ws;
    this._handlers = new Map();
    this._pending = new Map();
    this._nextId = 1;
    this._buffer = '';
    this._closed = false;
    this._closeHandlers = [];
    this._lastHeard = Date.now();
    this._timer = 0;
  }

  /**
   * Opens the WebSocket and completes the handshake.
   * @param {string} url the hub's ws(s) URL (hubUrl())
   * @param {number} [timeoutMs] for the socket and the handshake together
   * @returns {Promise<HubSocket>} rejects with an Error when the socket fails or the server refuses the handshake
   */
  static connect(url, timeoutMs = 10000) {
    return new Promise((resolve, reject) => {
      let settled = false;
      const ws = new WebSocket(url);
      const hub = new HubSocket(ws);
      const fail = (message) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        try { ws.close(); } catch { /* already closed */ }
        reject(new Error(message));
      };
      const timer = setTimeout(() => fail('the hub did not answer in time'), timeoutMs);
      ws.onerror = () => fail('could not open the hub WebSocket');
      ws.onclose = (e) => fail(`the hub closed the WebSocket (${e.code})`);
      ws.onopen = () => ws.send(JSON.stringify({ protocol: 'json', version: 1 }) + RS);
      ws.onmessage = (e) => {
        // The first record is the handshake's answer: {} or {"error": "..."}; any records after it go to the hub.
        const text = String(e.data);
        const cut = text.indexOf(RS);
        if (cut < 0) return fail('a malformed handshake answer');
        let answer;
        try { answer = JSON.parse(text.slice(0, cut)); } catch { return fail('a malformed handshake answer'); }
        if (answer.error) return fail(`the hub refused the handshake: ${answer.error}`);
        settled = true;
        clearTimeout(timer);
        hub._attach();
        if (text.length > cut + 1) hub._receive(text.slice(cut + 1));
        resolve(hub);
      };
    });
  }

  _attach() {
    const ws = this._ws;
    ws.onmessage = (e) => this._receive(String(e.data));
    ws.onerror = () => {};
    ws.onclose = (e) => this._finish(e.code === 1000 ? null : `the hub connection closed (${e.code}${e.reason ? ': ' + e.reason : ''})`);
    this._timer = setInterval(() => {
      if (Date.now() - this._lastHeard > SERVER_TIMEOUT_MS) {
        this._finish('the server sent nothing for 30 s');
        return;
      }
      this._send({ type: 6 });
    }, PING_MS);
  }

  _receive(text) {
    this._lastHeard = Date.now();
    this._buffer += text;
    let cut;
    while ((cut = this._buffer.indexOf(RS)) >= 0) {
      const record = this._buffer.slice(0, cut);
      this._buffer = this._buffer.slice(cut + 1);
      let m;
      try { m = JSON.parse(record); } catch { continue; }
      if (m.type === 1) {
        for (const fn of this._handlers.get(String(m.target).toLowerCase()) || []) {
          try { fn(...(m.arguments || [])); } catch (err) { console.error(err); }
        }
      } else if (m.type === 3) {
        const p = this._pending.get(m.invocationId);
        if (!p) continue;
        this._pending.delete(m.invocationId);
        if (m.error) p.reject(new Error(m.error));
        else p.resolve(m.result ?? null);
      } else if (m.type === 7) {
        this._finish(m.error ? `the server closed the connection: ${m.error}` : 'the server closed the connection');
      }
    }
  }

  _send(message) {
    if (this._closed || this._ws.readyState !== WebSocket.OPEN) return false;
    this._ws.send(JSON.stringify(message) + RS);
    return true;
  }

  /** Calls a hub method; resolves with its result, rejects with the server's error text. */
  invoke(target, ...args) {
    if (this._closed) return Promise.reject(new Error('the hub connection is closed'));
    const invocationId = String(this._nextId++);
    return new Promise((resolve, reject) => {
      this._pending.set(invocationId, { resolve, reject });
      if (!this._send({ type: 1, invocationId, target, arguments: args })) {
        this._pending.delete(invocationId);
        reject(new Error('the hub connection is closed'));
      }
    });
  }

  /** Handles a server -> client call (Answer, Candidate, Stats, Ended). */
  on(target, fn) {
    const key = String(target).toLowerCase();
    if (!this._handlers.has(key)) this._handlers.set(key, []);
    this._handlers.get(key).push(fn);
  }

  /** fn(error) once when the connection ends, error null when closed by close(). */
  onclose(fn) {
    this._closeHandlers.push(fn);
  }

  /** Closes the connection (the server ends the session with it). */
  close() {
    this._finish(null);
  }

  get closed() { return this._closed; }

  _finish(error) {
    if (this._closed) return;
    this._closed = true;
    clearInterval(this._timer);
    try { this._ws.close(1000); } catch { /* already closed */ }
    for (const p of this._pending.values()) p.reject(new Error(error || 'the hub connection is closed'));
    this._pending.clear();
    for (const fn of this._closeHandlers) {
      try { fn(error); } catch (err) { console.error(err); }
    }
  }
}
