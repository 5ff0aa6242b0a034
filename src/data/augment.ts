// DrQ's random shift (Kostrikov et al. 2020, `RandomShiftsAug`): pad each image by `pad` pixels replicating its
// border, then crop an h×w window at a random integer offset in [0, 2·pad] per axis, drawn per sample. Done on
// uint8 NHWC host buffers before the batch becomes a tensor (the padded image is never materialised: each output
// pixel reads the clamped source pixel). Draw order per sample: x offset, then y offset (DrQ's shift[..., 0] is x).
import type { Rng } from '../util/rng.js';

export function randomShift(images: Uint8Array, b: number, h: number, w: number, c: number, pad: number, rng: Rng): Uint8Array {
  const frame = h * w * c;
  if (images.length !== b * frame) throw new RangeError(`randomShift: ${images.length} bytes is not ${b}×${h}×${w}×${c}`);
  const out = new Uint8Array(images.length);
  if (pad <= 0) {
    out.set(images);
    return out;
  }
  const row = w * c;
  for (let n = 0; n < b; n++) {
    const dx = rng.int(2 * pad + 1) - pad;
    const dy = rng.int(2 * pad + 1) - pad;
    const base = n * frame;
    // output columns [x0, x1) read source columns x + dx without clamping
    const x0 = Math.min(w, Math.max(0, -dx));
    const x1 = Math.max(x0, Math.min(w, w - dx));
    // rows whose source row needs no clamping form one band: with row-major storage the whole band is a single
    // copy at offset dy·row + dx·c (the columns that wrap into a neighbouring row are overwritten below)
    const ya = Math.max(0, -dy);
    const yb = Math.max(ya, Math.min(h, h - dy));
    const off = dy * row + dx * c;
    const o0 = Math.max(ya * row, -off);
    const o1 = Math.min(yb * row, frame - off);
    if (o1 > o0) out.set(images.subarray(base + o0 + off, base + o1 + off), base + o0);
    for (let y = 0; y < h; y++) {
      const sy = Math.min(h - 1, Math.max(0, y + dy));
      const src = base + sy * row;
      const dst = base + y * row;
      if ((y < ya || y >= yb) && x1 > x0) out.set(images.subarray(src + (x0 + dx) * c, src + (x1 + dx) * c), dst + x0 * c);
      for (let x = 0; x < x0; x++) for (let k = 0; k < c; k++) out[dst + x * c + k] = images[src + k];
      const last = src + (w - 1) * c;
      for (let x = x1; x < w; x++) for (let k = 0; k < c; k++) out[dst + x * c + k] = images[last + k];
    }
  }
  return out;
}
