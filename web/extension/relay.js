// relay.js: the extension's content script in the page's isolated world. page.js (the page's own world) opens a
// MessageChannel to it per avatar session ({npgaLiveAvatar: 'open'} posted on window with the channel's port); this
// script answers {op:'config'} from chrome.storage (the camera's label only: the server, token and avatar stay in the
// extension) and relays every other message to the service worker over a runtime port, and the worker's back.
// A page may ask for a session only while it holds camera permission, as it must to use the avatar camera.

(() => {
  const OPEN = 'open';

  async function cameraAllowed() {
    try {
      return (await navigator.permissions.query({ name: 'camera' })).state === 'granted';
    } catch {
      return true; // no Permissions API for cameras here: page.js opened the camera before it asks to join
    }
  }

  function serve(page) {
    let port = null;
    let closed = false;
    const reply = (id, ok, body) => page.postMessage(ok ? { id, ok, result: body } : { id, ok, error: body });

    const connect = () => {
      port = chrome.runtime.connect({ name: 'npga-live' });
      port.onMessage.addListener((m) => page.postMessage(m));
      port.onDisconnect.addListener(() => {
        port = null;
        if (!closed) page.postMessage({ op: 'closed', reason: 'the extension ended the session' });
        closed = true;
      });
    };

    page.onmessage = async (e) => {
      const m = e.data;
      if (!m || typeof m !== 'object' || closed) return;
      if (m.op === 'config') {
        try {
          const { settings } = await chrome.storage.local.get('settings');
          reply(m.id, true, { cameraLabel: String(settings?.cameraLabel || '') });
        } catch (err) {
          reply(m.id, false, `the extension's settings cannot be read: ${err.message}`);
        }
        return;
      }
      if (m.op === 'join') {
        if (port) return reply(m.id, false, 'already joined');
        if (!(await cameraAllowed())) return reply(m.id, false, 'the page has no camera permission');
        try { connect(); } catch (err) { return reply(m.id, false, `the extension is not available: ${err.message}`); }
      }
      if (!port) return reply(m.id, false, 'not joined');
      port.postMessage(m);
    };
  }

  window.addEventListener('message', (e) => {
    if (e.source !== window || !e.data || e.data.npgaLiveAvatar !== OPEN || !e.ports || !e.ports[0]) return;
    e.stopImmediatePropagation();
    serve(e.ports[0]);
  });
})();
