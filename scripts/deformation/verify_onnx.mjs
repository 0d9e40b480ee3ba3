// Verifies an exported deformation prior with onnxruntime-node (ORT CPU):
//   F == F_post(F_pre) (split == whole), F == the torch model, and the feature-field sampling rule
//   (re-implemented here from prior.json + feature_field.bin, as the C# side does) == the torch field.
//   Then times F and F_post for N = 30000 on 1 and 2 threads.
// node scripts/deformation/verify_onnx.mjs models/deformation/mp468-prior-v1 /tmp/prior/run/verify [out.json]
import * as ort from 'onnxruntime-node';
import fs from 'node:fs';
import path from 'node:path';

const [dir, vdir, outJson] = process.argv.slice(2);
const prior = JSON.parse(fs.readFileSync(path.join(dir, 'prior.json'), 'utf8'));
const meta = JSON.parse(fs.readFileSync(path.join(vdir, 'meta.json'), 'utf8'));
const f32 = (p) => { const b = fs.readFileSync(p); return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4); };
const mu = f32(path.join(vdir, 'mu.bin')), featT = f32(path.join(vdir, 'feat.bin')), zs = f32(path.join(vdir, 'z.bin')), ref = f32(path.join(vdir, 'd_mu.bin'));
const N = meta.N, C = prior.feature_dim, K = prior.expression_model.K, R = prior.feature_field.resolution;
const result = {};

// feature field, exactly the rule stated in prior.json
const planes = f32(path.join(dir, prior.feature_field.file));
const lo = prior.feature_field.bounds_min, hi = prior.feature_field.bounds_max;
const axes = [[0, 1], [0, 2], [1, 2]];
const feat = new Float32Array(N * C);
for (let n = 0; n < N; n++) {
  for (let p = 0; p < 3; p++) {
    const [a, b] = axes[p];
    const u = (mu[n * 3 + a] - lo[a]) / (hi[a] - lo[a]) * R - 0.5, v = (mu[n * 3 + b] - lo[b]) / (hi[b] - lo[b]) * R - 0.5;
    let i0 = Math.floor(u), j0 = Math.floor(v);
    const fu = u - i0, fv = v - j0;
    const cl = (k) => Math.min(Math.max(k, 0), R - 1);
    const i1 = cl(i0 + 1), j1 = cl(j0 + 1); i0 = cl(i0); j0 = cl(j0);
    for (let c = 0; c < C; c++) {
      const P = (p * C + c) * R * R;
      feat[n * C + c] += (1 - fu) * (1 - fv) * planes[P + j0 * R + i0] + fu * (1 - fv) * planes[P + j0 * R + i1]
        + (1 - fu) * fv * planes[P + j1 * R + i0] + fu * fv * planes[P + j1 * R + i1];
    }
  }
}
let fErr = 0;
for (let i = 0; i < N * C; i++) fErr = Math.max(fErr, Math.abs(feat[i] - featT[i]));
result.feature_rule_js_vs_torch_max_abs = fErr;
console.log(`feature field rule (JS) vs torch grid_sample: max |diff| ${fErr.toExponential(2)} over ${N} points`);

const opts = (t) => ({ intraOpNumThreads: t, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
const F = await ort.InferenceSession.create(path.join(dir, 'F.onnx'), opts(1));
const Fpre = await ort.InferenceSession.create(path.join(dir, 'F_pre.onnx'), opts(1));
const Fpost = await ort.InferenceSession.create(path.join(dir, 'F_post.onnx'), opts(1));
const T = (a, d) => new ort.Tensor('float32', a, d);
const muT = T(mu, [N, 3]), featJs = T(feat, [N, C]);
const h0 = (await Fpre.run({ mu: muT, feat: featJs })).h0;
result.h0_shape = h0.dims;
let splitErr = 0, torchErr = 0, maxMag = 0;
for (let k = 0; k < meta.codes; k++) {
  const z = T(zs.slice(k * K, (k + 1) * K), [1, K]);
  const whole = (await F.run({ mu: muT, feat: featJs, z_exp: z })).d_mu.data;
  const split = (await Fpost.run({ h0, z_exp: z })).d_mu.data;
  for (let i = 0; i < N * 3; i++) {
    splitErr = Math.max(splitErr, Math.abs(whole[i] - split[i]));
    torchErr = Math.max(torchErr, Math.abs(whole[i] - ref[k * N * 3 + i]));
    maxMag = Math.max(maxMag, Math.abs(whole[i]));
  }
}
Object.assign(result, { split_vs_whole_max_abs_m: splitErr, onnx_vs_torch_max_abs_m: torchErr, max_abs_d_mu_m: maxMag, codes: meta.codes, points: N });
console.log(`F_post(F_pre) vs F: max |diff| ${splitErr.toExponential(2)} m; F (ORT) vs torch: ${torchErr.toExponential(2)} m; max |d_mu| ${(maxMag * 1e3).toFixed(2)} mm`);

// timing, N = 30000
const NT = 30000;
const rnd = (n, s) => { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = Math.sin(i * 12.9898 + s) * 0.08; return a; };
result.timing_ms_N30000 = {};
for (const th of [1, 2]) {
  const f = await ort.InferenceSession.create(path.join(dir, 'F.onnx'), opts(th));
  const fp = await ort.InferenceSession.create(path.join(dir, 'F_post.onnx'), opts(th));
  const fpre = await ort.InferenceSession.create(path.join(dir, 'F_pre.onnx'), opts(th));
  const feeds = { mu: T(rnd(NT * 3, 1), [NT, 3]), feat: T(rnd(NT * C, 2), [NT, C]), z_exp: T(rnd(K, 3), [1, K]) };
  const hh = (await fpre.run({ mu: feeds.mu, feat: feeds.feat })).h0;
  const time = async (fn) => { for (let i = 0; i < 5; i++) await fn(); const t = []; for (let i = 0; i < 40; i++) { const t0 = process.hrtime.bigint(); await fn(); t.push(Number(process.hrtime.bigint() - t0) / 1e6); } t.sort((a, b) => a - b); return { median: +t[20].toFixed(3), min: +t[0].toFixed(3) }; };
  const r = { F: await time(() => f.run(feeds)), F_post: await time(() => fp.run({ h0: hh, z_exp: feeds.z_exp })), F_pre: await time(() => fpre.run({ mu: feeds.mu, feat: feeds.feat })) };
  result.timing_ms_N30000[`threads_${th}`] = r;
  console.log(`N=${NT}, ${th} thread(s): F ${r.F.median} ms (min ${r.F.min}), F_post ${r.F_post.median} ms (min ${r.F_post.min}), F_pre ${r.F_pre.median} ms`);
}
result.onnxruntime = ort.env.versions?.common ?? 'onnxruntime-node';
if (outJson) fs.writeFileSync(outJson, JSON.stringify(result, null, 1));
const ok = splitErr <= 1e-5 && torchErr <= 1e-5 && fErr <= 1e-5;
console.log(ok ? 'OK' : 'FAILED');
process.exit(ok ? 0 : 1);
