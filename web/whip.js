// A minimal WHIP/WHEP client (docs/LIVE.md, "WHIP and WHEP"): plain fetch + RTCPeerConnection, non-trickle.
//   /whip.html[?avatar=ID][&token=T]            sends this camera by WHIP and shows the avatar that comes back
//   /whip.html?whep=SESSION_ID[&token=T]        watches a WHIP session's avatar by WHEP (view only)
// window.npgaTest: { state ('idle'|'offering'|'connecting'|'connected'|'ended'|'error'), resource, error, framesReceived, stop() }.
const params = new URLSearchParams(location.search);
const video = document.getElementById('avatar');
const message = document.getElementById('message');
const token = params.get('token');
const test = { state: 'idle', resource: null, error: null, framesReceived: 0, connection: 'new' };
window.npgaTest = test;

function fail(text) {
  test.state = 'error';
  test.error = text;
  message.textContent = text;
  message.hidden = false;
}

function gathered(pc) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise(resolve => {
    const timer = setTimeout(resolve, 2000);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') { clearTimeout(timer); resolve(); }
    });
  });
}

// Frames decoded from the avatar track (RTCPeerConnection stats: counted in background tabs too, which do not render).
function countFrames(pc) {
  setInterval(async () => {
    (await pc.getStats()).forEach(r => {
      if (r.type === 'inbound-rtp' && r.kind === 'video') test.framesReceived = r.framesDecoded ?? 0;
    });
  }, 250);
}

async function start() {
  const whep = params.get('whep');
  const auth = token ? { Authorization: `Bearer ${token}` } : {};
  const pc = new RTCPeerConnection();
  let url;
  if (whep) {
    pc.addTransceiver('video', { direction: 'recvonly' });
    url = `/whep/sessions/${encodeURIComponent(whep)}`;
  } else {
    const camera = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
    pc.addTransceiver(camera.getVideoTracks()[0], { direction: 'sendrecv' });
    url = params.get('avatar') ? `/whip/${encodeURIComponent(params.get('avatar'))}` : '/whip';
  }
  pc.ontrack = e => { video.srcObject = new MediaStream([e.track]); };
  countFrames(pc);
  pc.onconnectionstatechange = () => {
    test.connection = pc.connectionState;
    if (pc.connectionState === 'connected') test.state = 'connected';
    if (pc.connectionState === 'failed' || pc.connectionState === 'closed') test.state = 'ended';
  };
  test.state = 'offering';
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/sdp', ...auth }, body: pc.localDescription.sdp });
  const body = await response.text();
  if (response.status !== 201) { fail(`${response.status}: ${body.trim()}`); pc.close(); return; }
  test.resource = response.headers.get('Location');
  test.state = 'connecting';
  await pc.setRemoteDescription({ type: 'answer', sdp: body });
  test.stop = async () => {
    const r = await fetch(test.resource, { method: 'DELETE', headers: auth });
    pc.close();
    test.state = 'ended';
    return r.status;
  };
}

start().catch(e => fail(String(e)));
