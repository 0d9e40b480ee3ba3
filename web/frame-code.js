// Frame code: a 16-bit value stamped into the bottom-left corner of a video frame (docs/LIVE.md, "Frame code").
// 19 square cells along the bottom edge, cell size floor(width / 40) px: cell 0 white, cell 1 black (sync),
// cells 2..17 the data bits, most significant first (white = 1), cell 18 the even parity of the data bits.
// Reading samples the inner half of each cell (mean luma, threshold 128) and rejects a bad sync or parity.
// No DOM needed to import: works in the browser and in node (tests/web/frame-code.test.mjs).

export const CELLS = 19;
export const DATA_BITS = 16;

/** Cell size in px for a frame `width` px wide (16 at 640). */
export function cellSize(width) {
  return Math.floor(width / 40);
}

/** The 19 cell bits (1 = white) for `value` (taken mod 65536). */
export function frameCodeBits(value) {
  const v = ((Math.round(Number(value)) % 65536) + 65536) % 65536;
  const bits = [1, 0];
  let parity = 0;
  for (let i = DATA_BITS - 1; i >= 0; i--) {
    const b = (v >> i) & 1;
    bits.push(b);
    parity ^= b;
  }
  bits.push(parity);
  return bits;
}

/**
 * Stamps `value` into a 2D canvas context whose frame is `width` x `height` px.
 * Only uses ctx.fillStyle and ctx.fillRect.
 */
export function drawFrameCode(ctx, width, height, value) {
  const cell = cellSize(width);
  if (cell < 1 || height < cell) return false;
  const y = height - cell;
  const bits = frameCodeBits(value);
  for (let i = 0; i < CELLS; i++) {
    ctx.fillStyle = bits[i] ? '#ffffff' : '#000000';
    ctx.fillRect(i * cell, y, cell, cell);
  }
  return true;
}

/**
 * Reads the code from `imageData` ({ width, height, data: RGBA bytes }), the whole frame or any bottom band
 * of it at full width (e.g. ctx.getImageData(0, h - cell, w, cell)). Returns the value, or null when the strip
 * is missing, its sync is wrong or its parity does not match.
 * `frameWidth` (optional) is the width of the frame the code was drawn for when imageData is narrower.
 */
export function readFrameCode(imageData, frameWidth) {
  if (!imageData || !imageData.data) return null;
  const { width, height, data } = imageData;
  const cell = cellSize(frameWidth || width);
  if (cell < 2 || height < cell || width < CELLS * cell) return null;
  const y0 = height - cell;
  const inner0 = Math.floor(cell / 4);
  const inner1 = Math.max(inner0 + 1, Math.ceil((3 * cell) / 4));
  const bits = new Array(CELLS);
  for (let i = 0; i < CELLS; i++) {
    const x0 = i * cell;
    let sum = 0;
    let n = 0;
    for (let y = y0 + inner0; y < y0 + inner1; y++) {
      let p = (y * width + x0 + inner0) * 4;
      for (let x = inner0; x < inner1; x++, p += 4) {
        sum += 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2];
        n++;
      }
    }
    bits[i] = sum / n >= 128 ? 1 : 0;
  }
  if (bits[0] !== 1 || bits[1] !== 0) return null;
  let value = 0;
  let parity = 0;
  for (let i = 0; i < DATA_BITS; i++) {
    const b = bits[2 + i];
    value = (value << 1) | b;
    parity ^= b;
  }
  if (parity !== bits[18]) return null;
  return value;
}

/** Glass-to-glass latency in ms from a code stamped with performance.now() mod 65536. */
export function latencyFromCode(code, now) {
  return (((Math.round(now) - code) % 65536) + 65536) % 65536;
}
