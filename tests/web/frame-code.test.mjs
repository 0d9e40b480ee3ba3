// node --test tests/web/  — round trip of web/frame-code.js on plain-object ImageData (no DOM, no canvas package).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { drawFrameCode, readFrameCode, cellSize, frameCodeBits, latencyFromCode } from '../../web/frame-code.js';

// A fake ImageData plus a fake 2D context that draws into it (only fillStyle + fillRect, what drawFrameCode uses).
function makeFrame(width, height, fill = (x, y) => [(x * 7 + y * 3) % 256, (x * 5) % 256, (y * 11) % 256]) {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const [r, g, b] = fill(x, y);
      const p = (y * width + x) * 4;
      data[p] = r; data[p + 1] = g; data[p + 2] = b; data[p + 3] = 255;
    }
  const img = { width, height, data };
  const ctx = {
    fillStyle: '#000000',
    fillRect(x, y, w, h) {
      const v = parseInt(this.fillStyle.slice(1, 3), 16);
      for (let yy = Math.max(0, y); yy < Math.min(height, y + h); yy++)
        for (let xx = Math.max(0, x); xx < Math.min(width, x + w); xx++) {
          const p = (yy * width + xx) * 4;
          data[p] = data[p + 1] = data[p + 2] = v;
        }
    },
  };
  return { img, ctx };
}

// Deterministic PRNG so a failure reproduces.
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296);
}

function boxBlur(img, radius) {
  const { width, height, data } = img;
  const out = new Uint8ClampedArray(data.length);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) {
        let sum = 0, n = 0;
        for (let dy = -radius; dy <= radius; dy++)
          for (let dx = -radius; dx <= radius; dx++) {
            const xx = Math.min(width - 1, Math.max(0, x + dx));
            const yy = Math.min(height - 1, Math.max(0, y + dy));
            sum += data[(yy * width + xx) * 4 + c]; n++;
          }
        out[(y * width + x) * 4 + c] = sum / n;
      }
  for (let i = 3; i < out.length; i += 4) out[i] = 255;
  return { width, height, data: out };
}

function addNoise(img, amplitude, seed) {
  const r = rng(seed);
  const data = new Uint8ClampedArray(img.data);
  for (let i = 0; i < data.length; i++) if (i % 4 !== 3) data[i] = data[i] + (r() * 2 - 1) * amplitude;
  return { width: img.width, height: img.height, data };
}

test('cell size is floor(width / 40)', () => {
  assert.equal(cellSize(640), 16);
  assert.equal(cellSize(512), 12);
  assert.equal(cellSize(1279), 31);
});

test('bits: white sync, black sync, MSB first, even parity', () => {
  const bits = frameCodeBits(0x8001);
  assert.equal(bits.length, 19);
  assert.deepEqual(bits.slice(0, 2), [1, 0]);
  assert.deepEqual(bits.slice(2, 18), [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  assert.equal(bits[18], 0);
  assert.equal(frameCodeBits(0x0007)[18], 1);
  assert.deepEqual(frameCodeBits(65536 + 5), frameCodeBits(5));
  assert.deepEqual(frameCodeBits(-1), frameCodeBits(65535));
});

test('round trip at several sizes and values', () => {
  const r = rng(1);
  for (const [w, h] of [[640, 480], [512, 512], [1280, 720], [320, 240], [96, 64]]) {
    for (const value of [0, 1, 0x5555, 0xaaaa, 65535, ...Array.from({ length: 20 }, () => Math.floor(r() * 65536))]) {
      const { img, ctx } = makeFrame(w, h);
      assert.equal(drawFrameCode(ctx, w, h, value), true);
      assert.equal(readFrameCode(img), value, `${w}x${h} value ${value}`);
    }
  }
});

test('reads from a bottom band of the frame at full width', () => {
  const { img, ctx } = makeFrame(640, 480);
  drawFrameCode(ctx, 640, 480, 43210);
  const cell = cellSize(640);
  const band = { width: 640, height: cell, data: img.data.slice((480 - cell) * 640 * 4) };
  assert.equal(readFrameCode(band), 43210);
});

test('a code survives mild blur and noise', () => {
  const r = rng(7);
  for (const [w, h] of [[640, 480], [512, 512]]) {
    for (let k = 0; k < 25; k++) {
      const value = Math.floor(r() * 65536);
      const { img, ctx } = makeFrame(w, h);
      drawFrameCode(ctx, w, h, value);
      const degraded = addNoise(boxBlur(img, 2), 40, 100 + k);
      assert.equal(readFrameCode(degraded), value, `${w}x${h} value ${value}`);
    }
  }
});

test('rejects frames without a code, a bad sync or a bad parity', () => {
  const plain = makeFrame(640, 480).img;
  assert.equal(readFrameCode(plain), null);
  const black = makeFrame(640, 480, () => [0, 0, 0]).img;
  assert.equal(readFrameCode(black), null);
  const white = makeFrame(640, 480, () => [255, 255, 255]).img;
  assert.equal(readFrameCode(white), null); // sync cell 1 must be black
  const { img, ctx } = makeFrame(640, 480);
  drawFrameCode(ctx, 640, 480, 1234);
  const cell = cellSize(640);
  ctx.fillStyle = (1234 >> 15) & 1 ? '#000000' : '#ffffff'; // flip the MSB: parity no longer matches
  ctx.fillRect(2 * cell, 480 - cell, cell, cell);
  assert.equal(readFrameCode(img), null);
  assert.equal(readFrameCode(null), null);
  assert.equal(readFrameCode({ width: 30, height: 30, data: new Uint8ClampedArray(30 * 30 * 4) }), null);
});

test('latency wraps mod 65536', () => {
  assert.equal(latencyFromCode(1000, 1120.4), 120);
  assert.equal(latencyFromCode(65500, 65536 + 30), 66);
  assert.equal(latencyFromCode(65500, 30), 66);
});
