// call-app.js: a stand-in for a web call app (served by the extension's browser test on an origin of its own): it
// lists the cameras (enumerateDevices), opens the chosen one with getUserMedia({ video: { deviceId: { exact } } })
// and shows it, as a call app shows its self view. Nothing here knows of Npga.Live: the extension (web/extension/)
// adds the avatar camera. window.npgaTest is what the test reads (as on the server's own pages); window.callApp drives it.

const $ = (id) => document.getElementById(id);
const video = $('video');
let stream = null;
let stopFrames = null;
const grab = document.createElement('canvas');

const npgaTest = {
  state: 'idle', // 'idle' | 'opening' | 'connected' | 'error'
  error: null,
  framesReceived: 0,
  label: null, // the video track's label
  settings: null, // the video track's getSettings()
  grabFrame() {
    if (!video.videoWidth || !video.videoHeight) return null;
    grab.width = video.videoWidth;
    grab.height = video.videoHeight;
    grab.getContext('2d').drawImage(video, 0, 0);
    return grab.toDataURL('image/png');
  },
};
window.npgaTest = npgaTest;

function show(text) { $('status').textContent = text; }

/** The video inputs, as enumerateDevices lists them, shown in the page: [{ deviceId, label }]. */
async function listCameras() {
  const cameras = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
  const select = $('camera');
  const chosen = select.value;
  select.replaceChildren(...cameras.map((d, i) => new Option(d.label || `camera ${i + 1}`, d.deviceId)));
  if (cameras.some((d) => d.deviceId === chosen)) select.value = chosen;
  $('devices').replaceChildren(...cameras.map((d) => Object.assign(document.createElement('li'), { textContent: `${d.label || '(no label)'}: ${d.deviceId || '(no id)'}` })));
  return cameras.map((d) => ({ deviceId: d.deviceId, label: d.label, groupId: d.groupId, json: d.toJSON() }));
}

/** Stops the call's camera (every track of the stream). */
function stop() {
  stopFrames?.();
  stopFrames = null;
  stream?.getTracks().forEach((t) => t.stop());
  stream = null;
  video.srcObject = null;
  npgaTest.state = 'idle';
  show('Not in a call');
}

/** Opens the camera deviceId (exact; null: the default camera) and shows it; resolves with the track's label and settings. */
async function start(deviceId, audio = false) {
  stop();
  npgaTest.state = 'opening';
  npgaTest.error = null;
  npgaTest.framesReceived = 0;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: deviceId ? { deviceId: { exact: deviceId } } : true, audio });
  } catch (e) {
    npgaTest.state = 'error';
    npgaTest.error = `${e.name}: ${e.message}`;
    show(`Camera error: ${npgaTest.error}`);
    throw e;
  }
  const track = stream.getVideoTracks()[0];
  if (deviceId && [...$('camera').options].some((o) => o.value === deviceId)) $('camera').value = deviceId;
  npgaTest.label = track.label;
  npgaTest.settings = track.getSettings();
  track.addEventListener('ended', () => { npgaTest.state = 'ended'; show(`${track.label}: ended`); });
  video.srcObject = stream;
  await video.play().catch(() => {});
  let stopped = false;
  const loop = () => {
    if (stopped) return;
    npgaTest.framesReceived++;
    show(`In a call with ${track.label}: ${video.videoWidth}×${video.videoHeight}, ${npgaTest.framesReceived} frames`);
    video.requestVideoFrameCallback(loop);
  };
  video.requestVideoFrameCallback(loop);
  stopFrames = () => { stopped = true; };
  npgaTest.state = 'connected';
  return { label: track.label, settings: npgaTest.settings, tracks: stream.getTracks().map((t) => t.kind) };
}

window.callApp = { listCameras, start, stop };
$('join').addEventListener('click', () => start($('camera').value).catch(() => {}));
$('leave').addEventListener('click', stop);
listCameras().catch(() => {});
