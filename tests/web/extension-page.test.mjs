// node --test tests/web/  — web/extension/page.js (the extension's MAIN-world script) on fake media devices: the avatar
// camera in enumerateDevices (its label only while the real cameras show theirs), getUserMedia passing every other
// request through untouched, and an avatar request that fails cleanly (the real camera stopped again).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

const source = readFileSync(new URL('../../web/extension/page.js', import.meta.url), 'utf8');

// A window with MediaDevices whose real enumerateDevices/getUserMedia are recorded; relay(m) plays relay.js.
function makePage({ devices, relay = null }) {
  class MediaDeviceInfo {}
  class InputDeviceInfo extends MediaDeviceInfo {}
  class MediaStreamTrack { constructor(kind) { this.kind = kind; this.readyState = 'live'; } stop() { this.readyState = 'ended'; } getSettings() { return { deviceId: 'cam1' }; } }
  class MediaStream { constructor(tracks = []) { this.tracks = tracks; } getTracks() { return this.tracks; } getVideoTracks() { return this.tracks.filter((t) => t.kind === 'video'); } getAudioTracks() { return this.tracks.filter((t) => t.kind === 'audio'); } }
  const calls = [];
  const opened = [];
  class MediaDevices {
    async enumerateDevices() { return devices.map((d) => Object.assign(Object.create(InputDeviceInfo.prototype), d)); }
    async getUserMedia(c) {
      calls.push(c);
      const s = new MediaStream([new MediaStreamTrack('video'), ...(c.audio ? [new MediaStreamTrack('audio')] : [])]);
      opened.push(s);
      return s;
    }
  }
  const channels = [];
  const window = {
    navigator: { mediaDevices: new MediaDevices() },
    MediaDevices, MediaDeviceInfo, InputDeviceInfo, MediaStreamTrack, MediaStream, DOMException, MessageChannel, Event,
    setTimeout, clearTimeout, console,
    postMessage(message, origin, ports) {
      assert.equal(message.npgaLiveAvatar, 'open');
      const port = ports[0];
      channels.push(port);
      port.onmessage = (e) => port.postMessage({ id: e.data.id, ...relay(e.data) });
    },
  };
  window.window = window;
  window.globalThis = window;
  vm.runInNewContext(source, window);
  const done = () => channels.forEach((p) => p.close());
  return { md: window.navigator.mediaDevices, calls, opened, done };
}

const plain = (x) => JSON.parse(JSON.stringify(x)); // values made in the page's realm, compared here
const camera = (label) => ({ deviceId: label ? 'cam1' : '', kind: 'videoinput', label, groupId: label ? 'g1' : '' });
const mic = (label) => ({ deviceId: label ? 'mic1' : '', kind: 'audioinput', label, groupId: label ? 'g1' : '' });

test('the avatar camera is listed after the real cameras, labelled only when they are', async () => {
  for (const label of ['', 'Integrated Camera']) {
    const { md } = makePage({ devices: [camera(label), mic(label)] });
    const list = await md.enumerateDevices();
    assert.deepEqual(plain(list.map((d) => d.kind)), ['videoinput', 'videoinput', 'audioinput']);
    const avatar = list[1];
    assert.equal(avatar.deviceId, 'npga-live-avatar');
    assert.equal(avatar.groupId, 'npga-live-avatar');
    assert.equal(avatar.label, label ? 'Npga.Live avatar' : '');
    assert.deepEqual(JSON.parse(JSON.stringify(avatar)), { deviceId: 'npga-live-avatar', kind: 'videoinput', label: avatar.label, groupId: 'npga-live-avatar' });
    assert.equal(avatar.getCapabilities().width.max, 512);
  }
});

test('no camera, no avatar camera', async () => {
  const { md } = makePage({ devices: [mic('Mic')] });
  assert.deepEqual(plain((await md.enumerateDevices()).map((d) => d.deviceId)), ['mic1']);
});

test('every other request goes to the browser untouched', async () => {
  const { md, calls } = makePage({ devices: [camera('Cam')], relay: () => assert.fail('no relay for a real camera') });
  const asked = [{ video: true }, { audio: true }, { video: { deviceId: 'cam1' } }, { video: { deviceId: { exact: 'cam1' } }, audio: true }, { video: { facingMode: 'user' } }];
  for (const c of asked) await md.getUserMedia(c);
  assert.equal(calls.length, asked.length);
  calls.forEach((c, i) => assert.equal(c, asked[i])); // the very same object
});

test('a failed avatar session rejects with NotReadableError and stops the real camera', async () => {
  const forms = ['npga-live-avatar', { exact: 'npga-live-avatar' }, { ideal: 'npga-live-avatar' }, ['cam1', 'npga-live-avatar']];
  for (const deviceId of forms) {
    const seen = [];
    const { md, calls, opened, done } = makePage({
      devices: [camera('Cam')],
      relay: (m) => {
        seen.push(m.op);
        if (m.op === 'config') return { ok: true, result: { cameraLabel: '' } };
        if (m.op === 'join') return { ok: false, error: '3 of 3 sessions in use', busy: true };
        return { ok: true, result: null };
      },
    });
    await assert.rejects(md.getUserMedia({ video: { deviceId }, audio: true }), (e) => {
      assert.equal(e.name, 'NotReadableError');
      assert.match(e.message, /Npga\.Live avatar: the server is busy \(3 of 3 sessions in use\)/);
      return true;
    });
    assert.equal(calls.length, 1);
    assert.deepEqual(plain(calls[0]), { video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: true }); // the real camera and microphone
    assert.ok(opened[0].getTracks().every((t) => t.readyState === 'ended'));
    assert.deepEqual(seen.slice(0, 2), ['config', 'join']);
    done();
  }
});

test('the configured camera is opened by its label', async () => {
  const { md, calls, done } = makePage({
    devices: [camera('Cam'), { deviceId: 'cam2', kind: 'videoinput', label: 'USB Camera', groupId: 'g2' }],
    relay: (m) => (m.op === 'config' ? { ok: true, result: { cameraLabel: 'USB Camera' } } : { ok: false, error: 'stop here' }),
  });
  await assert.rejects(md.getUserMedia({ video: { deviceId: { exact: 'npga-live-avatar' } } }));
  assert.deepEqual(plain(calls[0].video.deviceId), { exact: 'cam2' });
  done();
});
