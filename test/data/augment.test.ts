// randomShift against a direct implementation of DrQ's definition: replicate-pad by `pad`, crop at a random
// offset in [0, 2·pad] per axis, per sample.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomShift } from '../../src/data/augment.js';
import { Rng } from '../../src/util/rng.js';

/** The padded image materialised, then cropped: the definition, slow and obvious. */
function reference(img: Uint8Array, b: number, h: number, w: number, c: number, pad: number, rng: Rng): Uint8Array {
  const out = new Uint8Array(img.length);
  const H = h + 2 * pad;
  const W = w + 2 * pad;
  for (let n = 0; n < b; n++) {
    const ox = rng.int(2 * pad + 1);
    const oy = rng.int(2 * pad + 1);
    const padded = new Uint8Array(H * W * c);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const sy = Math.min(h - 1, Math.max(0, y - pad));
        const sx = Math.min(w - 1, Math.max(0, x - pad));
        for (let k = 0; k < c; k++) padded[(y * W + x) * c + k] = img[n * h * w * c + (sy * w + sx) * c + k];
      }
    }
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let k = 0; k < c; k++) out[n * h * w * c + (y * w + x) * c + k] = padded[((y + oy) * W + x + ox) * c + k];
      }
    }
  }
  return out;
}

function randomImages(n: number, rng: Rng): Uint8Array {
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.int(256);
  return a;
}

test('matches pad-then-crop exactly, per sample, for several shapes and pads', () => {
  // 300 samples at pad 2: all 25 (dx, dy) pairs occur, including the band edges (dy = 0 with dx < 0, ...)
  for (const [b, h, w, c, pad] of [[8, 16, 16, 9, 4], [5, 12, 20, 3, 2], [3, 6, 5, 1, 4], [4, 3, 3, 2, 5], [300, 5, 7, 3, 2]]) {
    const img = randomImages(b * h * w * c, new Rng(b * 100 + pad));
    const got = randomShift(img, b, h, w, c, pad, new Rng(42));
    const want = reference(img, b, h, w, c, pad, new Rng(42));
    assert.deepEqual(got, want, `b=${b} h=${h} w=${w} c=${c} pad=${pad}`);
  }
});

test('every offset occurs, samples shift independently, pad 0 is a copy, input untouched', () => {
  const h = 8;
  const w = 8;
  // image whose pixel value is its x coordinate: the output's first column tells the x shift
  const b = 2000;
  const img = new Uint8Array(b * h * w);
  for (let n = 0; n < b; n++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img[(n * h + y) * w + x] = x * 10 + 5;
  const before = img.slice();
  const out = randomShift(img, b, h, w, 1, 2, new Rng(1));
  assert.deepEqual(img, before);
  const shifts = new Map<number, number>();
  for (let n = 0; n < b; n++) {
    const mid = out[(n * h + 4) * w + 4];
    const dx = (mid - 5) / 10 - 4;
    shifts.set(dx, (shifts.get(dx) ?? 0) + 1);
  }
  assert.deepEqual([...shifts.keys()].sort((a, b) => a - b), [-2, -1, 0, 1, 2]);
  for (const count of shifts.values()) assert.ok(Math.abs(count - b / 5) < 5 * Math.sqrt(b / 5));
  assert.deepEqual(randomShift(img, b, h, w, 1, 0, new Rng(1)), img);
  assert.throws(() => randomShift(img, b, h, w, 2, 1, new Rng(1)), RangeError);
});
