#!/usr/bin/env node
// Parity check: converted ONNX models (models/tracker/*.onnx, run with onnxruntime-node) against
// the original TF.js graph models (run with @tensorflow/tfjs on the cpu backend) on REAL frames of
// the driving videos in ../shared/data/driving (decoded with GStreamer into /tmp/conv-frames).
//
//   node scripts/tracker/parity.mjs [--data DIR] [--frames-dir DIR] [--per-clip N] [--fps F]
//                                   [--models DIR] [--json FILE] [--overlay-dir DIR]
//
// Pipeline per frame (the same pre-processing as @vladmandic/human, see models/tracker/README.md):
//   1. whole frame --bilinear--> 256x256, x/127.5-1  -> BlazeFace (TF.js and ONNX)
//   2. best anchor (from the TF.js output), box decoded with the anchors, enlarged 1.5x, squared;
//      crop --bilinear (tf.image.cropAndResize semantics)--> 192x192, x/255 -> FaceMesh
//   3. both eyes: box around mesh points 33/133 and 263/362 enlarged 2.3x, squared, cropped from
//      the 192 face crop --> 64x64 (left eye flipped horizontally, as human does) -> Iris
// and prints max |TF.js - ONNX| for every output. Exit code 1 if a parity target is missed
// (FaceMesh landmarks > 0.5 px, BlazeFace sigmoid scores > 1e-3) or a sanity check fails.

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import * as ort from 'onnxruntime-node';
import { loadTfjsModel, runTfjsOne, REPO_ROOT } from './tfjs_run.mjs';

// ------------------------------------------------------------------------------------------------
// arguments
const args = {
  data: path.resolve(REPO_ROOT, '..', 'shared', 'data'),
  framesDir: '/tmp/conv-frames',
  perClip: 5,
  fps: '2/1',
  models: path.join(REPO_ROOT, 'models', 'tracker'),
  json: null,
  overlayDir: null,
};
{
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    const v = () => a[++i];
    switch (a[i]) {
      case '--data': args.data = v(); break;
      case '--frames-dir': args.framesDir = v(); break;
      case '--per-clip': args.perClip = parseInt(v(), 10); break;
      case '--fps': args.fps = v(); break;
      case '--models': args.models = v(); break;
      case '--json': args.json = v(); break;
      case '--overlay-dir': args.overlayDir = v(); break;
      default: console.error(`parity: unknown argument ${a[i]}`); process.exit(2);
    }
  }
}

// ------------------------------------------------------------------------------------------------
// frames
function clipTable(dataDir) {
  // | d0.mp4 | 512x512 | 25 | 78 | ... |
  const readme = fs.readFileSync(path.join(dataDir, 'README.md'), 'utf8');
  const clips = [];
  for (const m of readme.matchAll(/^\|\s*(\S+\.mp4)\s*\|\s*(\d+)x(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|/gm)) {
    clips.push({ file: m[1], width: +m[2], height: +m[3], fps: +m[4], frames: +m[5] });
  }
  if (clips.length === 0) throw new Error(`no clip table in ${dataDir}/README.md`);
  return clips;
}

function decodeClip(dataDir, clip, framesDir, fps) {
  fs.mkdirSync(framesDir, { recursive: true });
  const out = path.join(framesDir, `${clip.file.replace(/\.mp4$/, '')}_${fps.replace('/', 'per')}.rgb`);
  const stride = (clip.width * 3 + 3) & ~3; // GStreamer pads RGB rows to 4 bytes
  const frameBytes = stride * clip.height;
  if (!fs.existsSync(out) || fs.statSync(out).size === 0 || fs.statSync(out).size % frameBytes !== 0) {
    const src = path.join(dataDir, 'driving', clip.file);
    const r = spawnSync('gst-launch-1.0', ['-q', 'filesrc', `location=${src}`, '!', 'decodebin', '!', 'videoconvert', '!',
      'videorate', '!', `video/x-raw,format=RGB,framerate=${fps}`, '!', 'filesink', `location=${out}`], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`gst-launch failed for ${src}`);
  }
  const size = fs.statSync(out).size;
  if (size % frameBytes !== 0) throw new Error(`${out}: ${size} bytes is not a multiple of ${frameBytes}`);
  return { path: out, stride, frameBytes, count: size / frameBytes };
}

function readFrame(dec, clip, index) {
  const fd = fs.openSync(dec.path, 'r');
  const buf = Buffer.alloc(dec.frameBytes);
  fs.readSync(fd, buf, 0, dec.frameBytes, index * dec.frameBytes);
  fs.closeSync(fd);
  const rgb = new Uint8Array(clip.width * clip.height * 3); // tightly packed
  for (let y = 0; y < clip.height; y++) rgb.set(buf.subarray(y * dec.stride, y * dec.stride + clip.width * 3), y * clip.width * 3);
  return { w: clip.width, h: clip.height, rgb };
}

// ------------------------------------------------------------------------------------------------
// image ops (float NHWC), tf.image semantics
function resizeBilinear(img, outW, outH, scale, offset) {
  // tf.image.resizeBilinear, alignCorners=false, halfPixelCenters=false
  const { w, h } = img;
  const out = new Float32Array(outW * outH * 3);
  const sy = h / outH;
  const sx = w / outW;
  for (let y = 0; y < outH; y++) {
    const fy = y * sy;
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, h - 1);
    const dy = fy - y0;
    for (let x = 0; x < outW; x++) {
      const fx = x * sx;
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, w - 1);
      const dx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const tl = img.px[(y0 * w + x0) * 3 + c];
        const tr = img.px[(y0 * w + x1) * 3 + c];
        const bl = img.px[(y1 * w + x0) * 3 + c];
        const br = img.px[(y1 * w + x1) * 3 + c];
        const top = tl + (tr - tl) * dx;
        const bot = bl + (br - bl) * dx;
        out[(y * outW + x) * 3 + c] = (top + (bot - top) * dy) * scale + offset;
      }
    }
  }
  return out;
}

function cropAndResize(img, box, size, scale, flip = false) {
  // tf.image.cropAndResize with box [y1,x1,y2,x2] normalised, bilinear, extrapolation 0
  const { w, h } = img;
  const [y1, x1, y2, x2] = box;
  const out = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    const iy = y1 * (h - 1) + y * (y2 - y1) * (h - 1) / (size - 1);
    for (let xo = 0; xo < size; xo++) {
      const x = flip ? size - 1 - xo : xo;
      const ix = x1 * (w - 1) + x * (x2 - x1) * (w - 1) / (size - 1);
      const o = (y * size + xo) * 3;
      if (iy < 0 || iy > h - 1 || ix < 0 || ix > w - 1) continue; // zeros
      const t = Math.floor(iy); const b = Math.ceil(iy); const dy = iy - t;
      const l = Math.floor(ix); const r = Math.ceil(ix); const dx = ix - l;
      for (let c = 0; c < 3; c++) {
        const tl = img.px[(t * w + l) * 3 + c]; const tr = img.px[(t * w + r) * 3 + c];
        const bl = img.px[(b * w + l) * 3 + c]; const br = img.px[(b * w + r) * 3 + c];
        const top = tl + (tr - tl) * dx; const bot = bl + (br - bl) * dx;
        out[o + c] = (top + (bot - top) * dy) * scale;
      }
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// BlazeFace anchors and decoding (human's generateAnchors(256))
function generateAnchors(inputSize = 256) {
  const spec = { strides: [inputSize / 16, inputSize / 8], anchors: [2, 6] };
  const anchors = [];
  spec.strides.forEach((stride, i) => {
    const rows = Math.floor((inputSize + stride - 1) / stride);
    for (let gy = 0; gy < rows; gy++) {
      for (let gx = 0; gx < rows; gx++) {
        for (let n = 0; n < spec.anchors[i]; n++) anchors.push([stride * (gx + 0.5), stride * (gy + 0.5)]);
      }
    }
  });
  return anchors;
}
const ANCHORS = generateAnchors(256);
const sigmoid = (v) => 1 / (1 + Math.exp(-v));

function decodeBest(reg, cls) {
  let best = 0;
  for (let i = 1; i < 896; i++) if (cls[i] > cls[best]) best = i;
  const r = reg.subarray(best * 16, best * 16 + 16);
  const [ax, ay] = ANCHORS[best];
  const cx = r[0] + ax; const cy = r[1] + ay;
  const kps = [];
  for (let k = 0; k < 6; k++) kps.push([r[4 + 2 * k] + ax, r[5 + 2 * k] + ay]);
  return { index: best, score: sigmoid(cls[best]), box: [cx - r[2] / 2, cy - r[3] / 2, cx + r[2] / 2, cy + r[3] / 2], kps };
}

// ------------------------------------------------------------------------------------------------
// stats
class MaxDiff {
  constructor() { this.max = 0; this.sum = 0; this.n = 0; this.where = null; this.maxRef = 0; this.maxRel = 0; }
  add(a, b, tag, pick = null) {
    for (let i = 0; i < a.length; i++) {
      if (pick && !pick(i)) continue;
      const d = Math.abs(a[i] - b[i]);
      this.maxRef = Math.max(this.maxRef, Math.abs(a[i]));
      this.maxRel = Math.max(this.maxRel, d / Math.max(Math.abs(a[i]), 1));
      if (!(d <= this.max)) { this.max = d; this.where = `${tag}[${i}]`; }
      this.sum += d; this.n++;
    }
  }
  get mean() { return this.n ? this.sum / this.n : 0; }
}

function iou(a, b) {
  const ix = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = ix * iy;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

// ------------------------------------------------------------------------------------------------
// tiny PNG writer for visual checks
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; t[n] = c >>> 0; }
  return t;
})();
function crc32(buf) { let c = 0xffffffff; for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; }
function writePng(file, w, h, rgb) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2;
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) Buffer.from(rgb.buffer, rgb.byteOffset + y * w * 3, w * 3).copy(raw, y * (w * 3 + 1) + 1);
  fs.writeFileSync(file, Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]));
}
function drawPoint(img, x, y, col, r = 1) {
  for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) {
    const px = Math.round(x) + dx; const py = Math.round(y) + dy;
    if (px >= 0 && py >= 0 && px < img.w && py < img.h) img.rgb.set(col, (py * img.w + px) * 3);
  }
}
function drawBox(img, b, col) {
  for (let x = b[0]; x <= b[2]; x++) { drawPoint(img, x, b[1], col, 0); drawPoint(img, x, b[3], col, 0); }
  for (let y = b[1]; y <= b[3]; y++) { drawPoint(img, b[0], y, col, 0); drawPoint(img, b[2], y, col, 0); }
}

// ------------------------------------------------------------------------------------------------
async function main() {
  const clips = clipTable(args.data);
  const sessOpts = { graphOptimizationLevel: 'all' };
  const onnx = {
    blazeface: await ort.InferenceSession.create(path.join(args.models, 'blazeface.onnx'), sessOpts),
    facemesh: await ort.InferenceSession.create(path.join(args.models, 'facemesh.onnx'), sessOpts),
    iris: await ort.InferenceSession.create(path.join(args.models, 'iris.onnx'), sessOpts),
  };
  const tfjs = {
    blazeface: await loadTfjsModel('blazeface'),
    facemesh: await loadTfjsModel('facemesh'),
    iris: await loadTfjsModel('iris'),
  };
  const runOnnx = async (key, size, data) => {
    const res = await onnx[key].run({ input: new ort.Tensor('float32', data, [1, size, size, 3]) });
    const out = {};
    for (const k of Object.keys(res)) out[k] = res[k].data;
    return out;
  };
  const timing = { tfjs: { blazeface: 0, facemesh: 0, iris: 0 }, onnx: { blazeface: 0, facemesh: 0, iris: 0 } };
  const timed = async (kind, key, fn) => { const t = process.hrtime.bigint(); const r = await fn(); timing[kind][key] += Number(process.hrtime.bigint() - t) / 1e6; return r; };

  const d = {
    bfReg: new MaxDiff(), bfBoxKps: new MaxDiff(), bfLogit: new MaxDiff(), bfScore: new MaxDiff(),
    fmXY: new MaxDiff(), fmZ: new MaxDiff(), fmFlag: new MaxDiff(), fmContours: new MaxDiff(),
    irEyeXY: new MaxDiff(), irEyeZ: new MaxDiff(), irIrisXY: new MaxDiff(), irIrisZ: new MaxDiff(),
  };
  const rows = [];
  let frames = 0; let irisCrops = 0; let sameBest = 0;
  const failures = [];
  const cliCases = { blazeface: [], facemesh: [], iris: [] }; // first frame of every clip, for the tfjs_run.mjs CLI check

  for (const clip of clips) {
    const dec = decodeClip(args.data, clip, args.framesDir, args.fps);
    const n = Math.min(args.perClip, dec.count);
    for (let j = 0; j < n; j++) {
      const fi = Math.round((j + 0.5) * dec.count / n - 0.5);
      const fr = readFrame(dec, clip, fi);
      const img = { w: fr.w, h: fr.h, px: Float32Array.from(fr.rgb) };
      const tag = `${clip.file}#${fi}`;

      // 1. BlazeFace
      const bfIn = resizeBilinear(img, 256, 256, 1 / 127.5, -1);
      const bfT = await timed('tfjs', 'blazeface', async () => runTfjsOne(tfjs.blazeface, bfIn));
      const bfO = await timed('onnx', 'blazeface', () => runOnnx('blazeface', 256, bfIn));
      d.bfReg.add(bfT.regressors, bfO.regressors, `${tag}:regressors`);
      d.bfBoxKps.add(bfT.regressors, bfO.regressors, `${tag}:regressors`);
      d.bfLogit.add(bfT.classificators, bfO.classificators, `${tag}:logit`);
      d.bfScore.add(bfT.classificators.map(sigmoid), bfO.classificators.map(sigmoid), `${tag}:score`);
      if (j === 0) cliCases.blazeface.push({ name: `${clip.file.replace('.mp4', '')}_${fi}`, input: bfIn, tfjs: bfT, onnx: bfO });
      const bestT = decodeBest(bfT.regressors, bfT.classificators);
      const bestO = decodeBest(bfO.regressors, bfO.classificators);
      if (bestT.index === bestO.index) sameBest++;

      // box to frame pixels, enlarge 1.5x, square
      const sx = img.w / 256; const sy = img.h / 256;
      const fb = [bestT.box[0] * sx, bestT.box[1] * sy, bestT.box[2] * sx, bestT.box[3] * sy];
      const cx = (fb[0] + fb[2]) / 2; const cy = (fb[1] + fb[3]) / 2;
      const half = 1.5 * Math.max(fb[2] - fb[0], fb[3] - fb[1]) / 2;
      const crop = [cx - half, cy - half, cx + half, cy + half]; // x1,y1,x2,y2 in frame px

      // 2. FaceMesh
      const fmIn = cropAndResize(img, [crop[1] / img.h, crop[0] / img.w, crop[3] / img.h, crop[2] / img.w], 192, 1 / 255);
      const fmT = await timed('tfjs', 'facemesh', async () => runTfjsOne(tfjs.facemesh, fmIn));
      const fmO = await timed('onnx', 'facemesh', () => runOnnx('facemesh', 192, fmIn));
      d.fmXY.add(fmT.mesh, fmO.mesh, `${tag}:mesh`, (i) => i % 3 !== 2);
      d.fmZ.add(fmT.mesh, fmO.mesh, `${tag}:mesh`, (i) => i % 3 === 2);
      d.fmFlag.add(fmT.face_flag, fmO.face_flag, `${tag}:face_flag`);
      d.fmContours.add(fmT.contours, fmO.contours, `${tag}:contours`);
      if (j === 0) cliCases.facemesh.push({ name: `${clip.file.replace('.mp4', '')}_${fi}`, input: fmIn, tfjs: fmT, onnx: fmO });

      // mesh bbox in frame pixels (for the sanity check)
      const s = (crop[2] - crop[0]) / 192;
      let mx0 = Infinity; let my0 = Infinity; let mx1 = -Infinity; let my1 = -Infinity;
      const meshFrame = [];
      for (let k = 0; k < 468; k++) {
        const x = crop[0] + fmT.mesh[3 * k] * s; const y = crop[1] + fmT.mesh[3 * k + 1] * s;
        meshFrame.push([x, y]);
        mx0 = Math.min(mx0, x); my0 = Math.min(my0, y); mx1 = Math.max(mx1, x); my1 = Math.max(my1, y);
      }
      const overlap = iou(fb, [mx0, my0, mx1, my1]);
      const kpsInside = bestT.kps.slice(0, 4).every(([x, y]) => x * sx >= fb[0] && x * sx <= fb[2] && y * sy >= fb[1] && y * sy <= fb[3]);

      // 3. Iris, both eyes (human: left eye = mesh 263/362 flipped, right eye = 33/133)
      const face = { w: 192, h: 192, px: fmIn };
      for (const [a, b, flip, eye] of [[263, 362, true, 'left'], [33, 133, false, 'right']]) {
        const pa = [fmT.mesh[3 * a], fmT.mesh[3 * a + 1]]; const pb = [fmT.mesh[3 * b], fmT.mesh[3 * b + 1]];
        const ecx = (pa[0] + pb[0]) / 2; const ecy = (pa[1] + pb[1]) / 2;
        const eh = 2.3 * Math.max(Math.abs(pa[0] - pb[0]), Math.abs(pa[1] - pb[1])) / 2;
        const eb = [Math.round(ecx - eh), Math.round(ecy - eh), Math.round(ecx + eh), Math.round(ecy + eh)];
        const irIn = cropAndResize(face, [eb[1] / 192, eb[0] / 192, eb[3] / 192, eb[2] / 192], 64, 1, flip);
        const irT = await timed('tfjs', 'iris', async () => runTfjsOne(tfjs.iris, irIn));
        const irO = await timed('onnx', 'iris', () => runOnnx('iris', 64, irIn));
        d.irEyeXY.add(irT.eye_contours, irO.eye_contours, `${tag}:${eye}:eye_contours`, (i) => i % 3 !== 2);
        d.irEyeZ.add(irT.eye_contours, irO.eye_contours, `${tag}:${eye}:eye_contours`, (i) => i % 3 === 2);
        d.irIrisXY.add(irT.iris, irO.iris, `${tag}:${eye}:iris`, (i) => i % 3 !== 2);
        d.irIrisZ.add(irT.iris, irO.iris, `${tag}:${eye}:iris`, (i) => i % 3 === 2);
        irisCrops++;
        if (j === 0) cliCases.iris.push({ name: `${clip.file.replace('.mp4', '')}_${fi}_${eye}`, input: irIn, tfjs: irT, onnx: irO });
      }

      const row = {
        frame: tag, best_anchor: bestT.index, best_anchor_onnx: bestO.index, score: +bestT.score.toFixed(4),
        box_frame_px: fb.map((v) => +v.toFixed(1)), face_flag: +fmT.face_flag[0].toFixed(4),
        iou_box_vs_mesh_bbox: +overlap.toFixed(3), keypoints_in_box: kpsInside,
      };
      rows.push(row);
      if (bestT.score < 0.75) failures.push(`${tag}: best BlazeFace score ${bestT.score.toFixed(3)} < 0.75`);
      if (overlap < 0.5) failures.push(`${tag}: IoU(detector box, mesh bbox) ${overlap.toFixed(3)} < 0.5`);
      if (!kpsInside) failures.push(`${tag}: BlazeFace eye/nose/mouth keypoints not inside the box`);
      if (fmT.face_flag[0] < 0.5) failures.push(`${tag}: face_flag ${fmT.face_flag[0].toFixed(3)} < 0.5`);

      if (args.overlayDir) {
        fs.mkdirSync(args.overlayDir, { recursive: true });
        const ov = { w: img.w, h: img.h, rgb: Uint8Array.from(fr.rgb) };
        for (const [x, y] of meshFrame) drawPoint(ov, x, y, [0, 255, 0], 0);
        drawBox(ov, fb.map(Math.round), [255, 0, 0]);
        drawBox(ov, crop.map(Math.round), [255, 255, 0]);
        for (const [x, y] of bestT.kps) drawPoint(ov, x * sx, y * sy, [0, 128, 255], 2);
        writePng(path.join(args.overlayDir, `${clip.file.replace('.mp4', '')}_${fi}.png`), ov.w, ov.h, ov.rgb);
        const fc = { w: 192, h: 192, rgb: Uint8Array.from(fmIn, (v) => Math.max(0, Math.min(255, Math.round(v * 255)))) };
        for (let k = 0; k < 468; k++) drawPoint(fc, fmO.mesh[3 * k], fmO.mesh[3 * k + 1], [0, 255, 0], 0);
        writePng(path.join(args.overlayDir, `${clip.file.replace('.mp4', '')}_${fi}_crop192.png`), 192, 192, fc.rgb);
      }
      frames++;
    }
  }

  // ----------------------------------------------------------------------------------------------
  const fmt = (v) => v.toExponential(2);
  console.log('frame                     anchor(tfjs/onnx)  score   face_flag  IoU(box,mesh)  kps-in-box  box (frame px)');
  for (const r of rows) {
    console.log(`${r.frame.padEnd(26)}${`${r.best_anchor}/${r.best_anchor_onnx}`.padEnd(19)}${r.score.toFixed(4).padEnd(8)}${r.face_flag.toFixed(4).padEnd(11)}${r.iou_box_vs_mesh_bbox.toFixed(3).padEnd(15)}${String(r.keypoints_in_box).padEnd(12)}${JSON.stringify(r.box_frame_px)}`);
  }
  const table = [
    ['blazeface regressors (input px, 256)', d.bfReg],
    ['blazeface classificators (logit)', d.bfLogit],
    ['blazeface score = sigmoid(logit)', d.bfScore],
    ['facemesh mesh x,y (px at 192)', d.fmXY],
    ['facemesh mesh z', d.fmZ],
    ['facemesh face_flag (probability)', d.fmFlag],
    ['facemesh contours (px at 192)', d.fmContours],
    ['iris eye_contours x,y (px at 64)', d.irEyeXY],
    ['iris eye_contours z', d.irEyeZ],
    ['iris iris x,y (px at 64)', d.irIrisXY],
    ['iris iris z', d.irIrisZ],
  ];
  console.log(`\n${frames} frames from ${clips.length} clips, ${irisCrops} eye crops; best anchor identical in ${sameBest}/${frames}`);
  console.log('output                                   max|tfjs-onnx|  mean|tfjs-onnx|  max|tfjs|  max|d|/max(|tfjs|,1)  (worst at)');
  for (const [name, m] of table) console.log(`${name.padEnd(41)}${fmt(m.max).padEnd(16)}${fmt(m.mean).padEnd(17)}${fmt(m.maxRef).padEnd(11)}${fmt(m.maxRel).padEnd(22)}${m.where}`);
  const ms = (kind, key, count) => (timing[kind][key] / count).toFixed(1);
  console.log(`\nmean latency per call (ms)  tfjs-cpu: blazeface ${ms('tfjs', 'blazeface', frames)}, facemesh ${ms('tfjs', 'facemesh', frames)}, iris ${ms('tfjs', 'iris', irisCrops)}` +
    `  |  onnxruntime-node cpu: blazeface ${ms('onnx', 'blazeface', frames)}, facemesh ${ms('onnx', 'facemesh', frames)}, iris ${ms('onnx', 'iris', irisCrops)}`);

  // tfjs_run.mjs, the CLI the C# tests call, must reproduce the in-process TF.js results exactly
  const cliDir = path.join(args.framesDir, 'cli');
  fs.rmSync(cliDir, { recursive: true, force: true });
  fs.mkdirSync(path.join(cliDir, 'in'), { recursive: true });
  let cliWorstVsTfjs = 0; let cliWorstVsOnnx = 0; let cliFiles = 0;
  for (const [model, cases] of Object.entries(cliCases)) {
    const inputs = cases.map((c) => {
      const f = path.join(cliDir, 'in', `${model}_${c.name}.f32`);
      fs.writeFileSync(f, Buffer.from(c.input.buffer, c.input.byteOffset, c.input.byteLength));
      return f;
    });
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'tracker', 'tfjs_run.mjs'), '--model', model, '--quiet',
      '--out-dir', path.join(cliDir, 'out'), ...inputs.flatMap((f) => ['--input', f])], { encoding: 'utf8' });
    if (r.status !== 0) { failures.push(`tfjs_run.mjs --model ${model} exited ${r.status}: ${r.stderr}`); continue; }
    const summary = JSON.parse(r.stdout);
    cases.forEach((c, k) => {
      const man = JSON.parse(fs.readFileSync(path.join(cliDir, 'out', `${model}_${c.name}.json`), 'utf8'));
      if (JSON.stringify(man) !== JSON.stringify(summary[k])) failures.push(`tfjs_run.mjs: stdout and ${c.name}.json differ`);
      for (const o of man.outputs) {
        const b = fs.readFileSync(path.join(cliDir, 'out', o.file));
        const got = new Float32Array(Uint8Array.from(b).buffer);
        const want = c.tfjs[o.name];
        if (got.length !== want.length || o.shape.reduce((x, y) => x * y, 1) !== got.length) {
          failures.push(`tfjs_run.mjs: ${o.file} has ${got.length} values, shape ${JSON.stringify(o.shape)}, expected ${want.length}`);
          continue;
        }
        for (let i = 0; i < got.length; i++) {
          cliWorstVsTfjs = Math.max(cliWorstVsTfjs, Math.abs(got[i] - want[i]));
          cliWorstVsOnnx = Math.max(cliWorstVsOnnx, Math.abs(got[i] - c.onnx[o.name][i]) / Math.max(1, Math.abs(got[i])));
        }
        cliFiles++;
      }
    });
  }
  console.log(`tfjs_run.mjs CLI: ${cliFiles} output files, max |cli - in-process tfjs| = ${cliWorstVsTfjs}, max rel |cli - onnx| = ${fmt(cliWorstVsOnnx)}`);
  if (cliWorstVsTfjs !== 0) failures.push(`tfjs_run.mjs output differs from in-process TF.js by ${cliWorstVsTfjs}`);

  if (d.fmXY.max > 0.5) failures.push(`FaceMesh landmarks differ by ${d.fmXY.max} px > 0.5`);
  if (d.bfScore.max > 1e-3) failures.push(`BlazeFace scores differ by ${d.bfScore.max} > 1e-3`);
  if (frames < 20) failures.push(`only ${frames} frames checked (< 20)`);
  if (args.json) {
    const summary = { frames, clips: clips.map((c) => c.file), eye_crops: irisCrops, same_best_anchor: sameBest, rows, failures,
      diffs: Object.fromEntries(table.map(([name, m]) => [name, { max: m.max, mean: m.mean, max_abs_ref: m.maxRef, max_rel: m.maxRel, worst: m.where }])),
      ort_version: ort.env.versions, timing_ms: timing };
    fs.writeFileSync(args.json, `${JSON.stringify(summary, null, 2)}\n`);
  }
  if (failures.length) {
    console.log(`\nFAILED:\n  ${failures.join('\n  ')}`);
    return 1;
  }
  console.log('\nOK: all parity targets and sanity checks met');
  return 0;
}

main().then((c) => { process.exitCode = c; }).catch((e) => { console.error(e); process.exitCode = 1; });
