// options.js: the extension's options page. Reads and writes the settings (settings.js); lists the server's avatars
// (GET /api/avatars, which needs host permission for the server: 127.0.0.1 and localhost are granted at install, any
// other server is asked for on Save) and this machine's cameras (by label: device ids differ from page to page).

import { DEFAULTS, loadSettings, saveSettings, normaliseServer } from './settings.js';

const $ = (id) => document.getElementById(id);
const el = {
  form: $('form'), server: $('server'), serverStatus: $('server-status'), token: $('token'), avatar: $('avatar'),
  camera: $('camera'), listCameras: $('list-cameras'), yaw: $('yaw'), pitch: $('pitch'), yawOut: $('yaw-out'),
  pitchOut: $('pitch-out'), resetView: $('reset-view'), status: $('status'),
};
let stored = { ...DEFAULTS };

const pattern = (origin) => `${origin}/*`;

function say(text, isError = false) {
  el.status.textContent = text;
  if (isError) el.status.dataset.error = ''; else delete el.status.dataset.error;
}

function fillSelect(select, entries, value, none) {
  select.replaceChildren(new Option(none, ''));
  for (const { value: v, text } of entries) select.add(new Option(text, v));
  if (value && ![...select.options].some((o) => o.value === value)) select.add(new Option(`${value} (not listed)`, value));
  select.value = value || '';
}

/** Lists the avatars of the server in the form (its /api/avatars), keeping the chosen one selected. */
async function loadAvatars() {
  const chosen = el.avatar.value || stored.avatar;
  el.avatar.dataset.state = 'loading';
  let origin;
  try {
    origin = normaliseServer(el.server.value);
  } catch (e) {
    el.serverStatus.textContent = e.message;
    el.avatar.dataset.state = 'error';
    return;
  }
  if (!(await chrome.permissions.contains({ origins: [pattern(origin)] }))) {
    fillSelect(el.avatar, [], chosen, "(the server's default)");
    el.serverStatus.textContent = 'Save to allow the extension to reach this server; its avatars are listed then.';
    el.avatar.dataset.state = 'no-permission';
    return;
  }
  try {
    const r = await fetch(`${origin}/api/avatars`, { cache: 'no-store' });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    const avatars = await r.json();
    fillSelect(el.avatar, avatars.map((a) => ({ value: a.id, text: a.name && a.name !== a.id ? `${a.name} (${a.id})` : a.id })), chosen, "(the server's default)");
    el.serverStatus.textContent = `${origin}: ${avatars.length} avatar${avatars.length === 1 ? '' : 's'}`;
    el.avatar.dataset.state = 'loaded';
  } catch (e) {
    fillSelect(el.avatar, [], chosen, "(the server's default)");
    el.serverStatus.textContent = `Cannot reach ${origin} (${e.message}). Is the server running?`;
    el.avatar.dataset.state = 'error';
  }
}

/** Lists this machine's cameras; with ask, asks for camera access first (labels are hidden without it). */
async function loadCameras(ask) {
  const chosen = el.camera.value || stored.cameraLabel;
  try {
    if (ask) (await navigator.mediaDevices.getUserMedia({ video: true })).getTracks().forEach((t) => t.stop());
    const cameras = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput' && d.label);
    fillSelect(el.camera, cameras.map((d) => ({ value: d.label, text: d.label })), chosen, '(the default camera)');
  } catch (e) {
    if (ask) say(`No camera list: ${e.message}`, true);
  }
}

function showView() {
  el.yawOut.textContent = `${el.yaw.value}°`;
  el.pitchOut.textContent = `${el.pitch.value}°`;
}

el.server.addEventListener('change', loadAvatars);
el.listCameras.addEventListener('click', () => loadCameras(true));
el.yaw.addEventListener('input', showView);
el.pitch.addEventListener('input', showView);
el.resetView.addEventListener('click', () => { el.yaw.value = el.pitch.value = '0'; showView(); });

el.form.addEventListener('submit', async (e) => {
  e.preventDefault();
  let origin;
  try {
    origin = normaliseServer(el.server.value);
  } catch (err) {
    say(err.message, true);
    return;
  }
  // Host permission for the server (127.0.0.1 and localhost have it from the install), asked for while the click
  // still counts as a user gesture.
  const origins = [pattern(origin)];
  const granted = (await chrome.permissions.contains({ origins })) || (await chrome.permissions.request({ origins }).catch(() => false));
  stored = await saveSettings({
    ...(await loadSettings()), // fields this page does not show (probe) as they are
    server: origin,
    token: el.token.value,
    avatar: el.avatar.value,
    cameraLabel: el.camera.value,
    yaw: el.yaw.value,
    pitch: el.pitch.value,
  });
  el.server.value = stored.server;
  say(granted ? 'Saved.' : 'Saved, but without access to the server the avatar list is unavailable.', !granted);
  await loadAvatars();
});

(async () => {
  stored = await loadSettings();
  el.server.value = stored.server;
  el.token.value = stored.token;
  el.yaw.value = String(stored.yaw);
  el.pitch.value = String(stored.pitch);
  showView();
  fillSelect(el.avatar, [], stored.avatar, "(the server's default)");
  fillSelect(el.camera, [], stored.cameraLabel, '(the default camera)');
  await Promise.all([loadAvatars(), loadCameras(false)]);
  document.body.dataset.ready = '';
})();
