// settings.js: the extension's settings in chrome.storage.local (key 'settings'), shared by the options page and the
// service worker. The content scripts read storage directly (relay.js) and hand the page only the camera's label.

/** What a fresh install uses. */
export const DEFAULTS = Object.freeze({
  server: 'http://127.0.0.1:5000', // the Npga.Live server's origin
  token: '', // a join token, when the server requires one (npga token)
  avatar: '', // an avatar id from the server's /api/avatars; '' = the server's default
  cameraLabel: '', // the real camera that drives the avatar, by label (device ids differ per origin); '' = default
  yaw: 0, // the view: yaw in degrees, -60..60
  pitch: 0, // pitch in degrees, -40..40
  probe: false, // join with probe: true (frame codes copied into the avatar frames; for tests)
});

const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, Number(v) || 0));

/** The server's origin ('http://host:port') from what a user typed, or throws for anything but http(s). */
export function normaliseServer(text) {
  const u = new URL(String(text || '').trim());
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('the server URL starts with http:// or https://');
  return u.origin;
}

/** Settings with every field present and in range (unknown fields dropped). */
export function normalise(s = {}) {
  let server = DEFAULTS.server;
  try { server = normaliseServer(s.server ?? DEFAULTS.server); } catch { /* keep the default */ }
  return {
    server,
    token: String(s.token ?? '').trim(),
    avatar: String(s.avatar ?? ''),
    cameraLabel: String(s.cameraLabel ?? ''),
    yaw: clamp(s.yaw, -60, 60),
    pitch: clamp(s.pitch, -40, 40),
    probe: !!s.probe,
  };
}

/** The stored settings, normalised. */
export async function loadSettings() {
  const { settings } = await chrome.storage.local.get('settings');
  return normalise(settings || {});
}

/** Stores the settings (normalised) and returns what was stored. */
export async function saveSettings(s) {
  const settings = normalise(s);
  await chrome.storage.local.set({ settings });
  return settings;
}
