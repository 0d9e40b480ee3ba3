// Time F / F_post with onnxruntime-node on the CPU: node scripts/deformation/bench_ort.mjs DIR [N] [threads] [pattern]
import * as ort from 'onnxruntime-node';
import fs from 'node:fs';
import path from 'node:path';
const dir = process.argv[2], N = +(process.argv[3] ?? 30000), threads = +(process.argv[4] ?? 1), pat = process.argv[5] ?? '';
const rnd = (n) => { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = Math.sin(i * 12.9898) * 0.5; return a; };
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.onnx') && !f.includes('F_pre') && f.includes(pat)).sort();
for (const f of files) {
  const s = await ort.InferenceSession.create(path.join(dir, f), { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  const feeds = {};
  for (const name of s.inputNames) {
    const meta = s.inputMetadata?.find?.((m) => m.name === name);
    let dims;
    if (name === 'mu') dims = [N, 3]; else if (name === 'feat') dims = [N, 8]; else if (name === 'z_exp') dims = [1, 15];
    else { const H = +(f.match(/_H(\d+)_/)?.[1] ?? 64); dims = [N, H]; if (meta && meta.shape) dims = [N, meta.shape[1]]; }
    feeds[name] = new ort.Tensor('float32', rnd(dims[0] * dims[1]), dims);
  }
  for (let i = 0; i < 5; i++) await s.run(feeds);
  const t = [];
  for (let i = 0; i < 30; i++) { const t0 = process.hrtime.bigint(); await s.run(feeds); t.push(Number(process.hrtime.bigint() - t0) / 1e6); }
  t.sort((a, b) => a - b);
  console.log(`${f.padEnd(34)} N=${N} threads=${threads}  median ${t[15].toFixed(2)} ms  min ${t[0].toFixed(2)} ms`);
  await s.release?.();
}
