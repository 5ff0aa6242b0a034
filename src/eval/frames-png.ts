// `--frames out.png`: a strip of frames from one episode, left to right, written as an RGB PNG (pngjs).
// Frames are uint8 [S, S, 3]; each is upscaled by an integer factor (nearest neighbour) so 32-px frames stay
// legible, and separated by a 2-pixel white gutter. Long episodes are subsampled to at most `maxFrames` frames,
// always keeping the first and the last.
import { PNG } from 'pngjs';
import { writeFileAtomic } from '../run/atomic.js';

export interface StripOptions {
  maxFrames?: number;
  /** Target height of each frame in pixels (the scale factor is rounded down, at least 1). */
  frameHeight?: number;
  /** Frames per row; the strip wraps into a grid when there are more. */
  columns?: number;
}

/** Indices of at most `max` frames out of `n`, evenly spaced, first and last included. */
export function pickFrames(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let k = 0; k < max; k++) out.push(Math.round((k * (n - 1)) / (max - 1)));
  return [...new Set(out)];
}

/** Encodes the frames (each size×size×3) as one PNG image. */
export function encodeStrip(frames: Uint8Array[], size: number, opts: StripOptions = {}): Buffer {
  const picked = pickFrames(frames.length, opts.maxFrames ?? 16).map((i) => frames[i]);
  const scale = Math.max(1, Math.floor((opts.frameHeight ?? 128) / size));
  const cell = size * scale;
  const gutter = 2;
  const cols = Math.min(picked.length, opts.columns ?? 8);
  const rows = Math.ceil(picked.length / cols);
  const width = cols * cell + (cols - 1) * gutter;
  const height = rows * cell + (rows - 1) * gutter;
  const png = new PNG({ width, height, colorType: 2, inputColorType: 6, inputHasAlpha: true });
  png.data.fill(255);
  picked.forEach((frame, k) => {
    const ox = (k % cols) * (cell + gutter);
    const oy = Math.floor(k / cols) * (cell + gutter);
    for (let y = 0; y < cell; y++) {
      const sy = Math.floor(y / scale);
      for (let x = 0; x < cell; x++) {
        const s = (sy * size + Math.floor(x / scale)) * 3;
        const d = ((oy + y) * width + ox + x) * 4;
        png.data[d] = frame[s];
        png.data[d + 1] = frame[s + 1];
        png.data[d + 2] = frame[s + 2];
        png.data[d + 3] = 255;
      }
    }
  });
  return PNG.sync.write(png, { colorType: 2, inputColorType: 6, inputHasAlpha: true });
}

export async function writeStrip(file: string, frames: Uint8Array[], size: number, opts: StripOptions = {}): Promise<void> {
  await writeFileAtomic(file, encodeStrip(frames, size, opts));
}
