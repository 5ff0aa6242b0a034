// Shared by the data tests: paths of the shared fixtures (failing loudly when missing), temp dirs, and small
// generated datasets written with the product's own HDF5 writer.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { writeH5, type H5DatasetSpec, type H5GroupSpec } from '../../src/data/h5-write.js';
import { loadDataset, type LoadOptions } from '../../src/data/load.js';
import type { LazyStorage } from '../../src/data/frames-lazy.js';
import type { FrameSource } from '../../src/data/frames.js';
import { Rng } from '../../src/util/rng.js';

export function fixture(rel: string): string {
  const p = resolve('..', 'shared', 'fixtures', rel);
  if (!existsSync(p)) throw new Error(`missing shared fixture ${p}: these tests need ../shared/fixtures beside the checkout`);
  return p;
}

/** A temp directory removed when the test file ends. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lapo-data-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function ds(data: H5DatasetSpec['data'], shape: number[], extra: Partial<H5DatasetSpec> = {}): H5DatasetSpec {
  return { data, shape, ...extra };
}

export function group(children: H5GroupSpec['children'], attrs?: H5GroupSpec['attrs']): H5GroupSpec {
  return { children, attrs };
}

/** Frame f of view v: pixel (y, x, c) = (f * 7 + y * 3 + x * 5 + c * 11 + v * 50) & 255 — every pixel differs. */
export function frameValue(f: number, v: number, y: number, x: number, c: number): number {
  return (f * 7 + y * 3 + x * 5 + c * 11 + v * 50) & 255;
}

export function frames(n: number, h: number, w: number, c: number, v: number, chw = false): Uint8Array {
  const out = new Uint8Array(n * h * w * c);
  let k = 0;
  for (let f = 0; f < n; f++) {
    if (chw) for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[k++] = frameValue(f, v, y, x, ch);
    else for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) out[k++] = frameValue(f, v, y, x, ch);
  }
  return out;
}

/** A D4RL-layout file: `episodes` lengths, views of h×w×3 (+ optional extra children), 4-d state, 2-d actions. */
export async function writeD4rl(
  file: string,
  opts: { episodes: number[]; h?: number; w?: number; views?: number; chunks?: number; gzip?: number; timeouts?: boolean; extra?: H5GroupSpec['children'] },
): Promise<void> {
  const n = opts.episodes.reduce((a, b) => a + b, 0);
  const h = opts.h ?? 8;
  const w = opts.w ?? 8;
  const obs: H5GroupSpec['children'] = {};
  for (let v = 0; v < (opts.views ?? 1); v++) {
    const chunk = opts.chunks ? { chunks: [opts.chunks, h, w, 3], gzip: opts.gzip } : {};
    obs[`view${v}`] = ds(frames(n, h, w, 3, v), [n, h, w, 3], chunk);
  }
  const state = new Float32Array(n * 4);
  const actions = new Float32Array(n * 2);
  const rewards = new Float32Array(n);
  const terminals = new Float32Array(n);
  const timeouts = new Float32Array(n);
  let row = 0;
  opts.episodes.forEach((len, e) => {
    for (let t = 0; t < len; t++, row++) {
      state.set([t, e, Math.sin(row), row * 0.01], row * 4);
      actions.set([t + 0.5, e - 1], row * 2);
      rewards[row] = t / 100 + e;
      if (t === len - 1) (opts.timeouts && e % 2 === 1 ? timeouts : terminals)[row] = 1;
    }
  });
  obs.state = ds(state, [n, 4]);
  await writeH5(file, group({
    observations: group({ ...obs, ...(opts.extra ?? {}) }),
    actions: ds(actions, [n, 2]),
    rewards: ds(rewards, [n]),
    terminals: ds(terminals, [n]),
    ...(opts.timeouts ? { timeouts: ds(timeouts, [n]) } : {}),
  }));
}

/**
 * Loads `file` eager and lazy and checks they give identical batches (sampled, gathered, single frames through
 * FrameSource.fillImages); returns the lazy storage report.
 */
export async function sameAsEager(file: string, lazy: LoadOptions = {}, common: LoadOptions = {}): Promise<LazyStorage> {
  const e = await loadDataset(file, { ...common, mode: 'eager' });
  const l = await loadDataset(file, { ...common, ...lazy, mode: 'lazy', cacheMB: 0.01 });
  try {
    assert.equal(l.mode, 'lazy');
    assert.deepEqual(l.stats, e.stats);
    for (let k = 0; k < 4; k++) assert.deepEqual(l.sample('train', 48, new Rng(k)), e.sample('train', 48, new Rng(k)), `batch ${k}`);
    const all = e.indices('all');
    assert.deepEqual(l.gather(all), e.gather(all));
    // the single-frame path (FrameSource.fillImages), which gather does not use in lazy mode
    const src = (l as unknown as { frames: FrameSource }).frames;
    const frameIdx = l.transitionFrames().next.filter((_, i) => i % 3 === 0);
    if (e.spec.imageSize) {
      const fb = (e.gather(new Int32Array([0])).image as Uint8Array).length;
      const want = new Uint8Array(frameIdx.length * fb);
      (e as unknown as { frames: FrameSource }).frames.fillImages(frameIdx, want);
      const got = new Uint8Array(want.length);
      src.fillImages(frameIdx, got);
      assert.deepEqual(got, want, 'fillImages');
    }
    assert.deepEqual(l.gather(all), e.gather(all), 'again, from the scratch copy where there is one');
    return l.lazyStorage as LazyStorage;
  } finally {
    e.close();
    l.close();
  }
}
