// Greyscale views stored as rank-3 uint8 [N,H,W] (depth or greyscale cameras): detected as 1-channel image views,
// exactly like [N,H,W,1]. Generated files in the d4rl, Minari and robomimic layouts, where every row encodes where it
// comes from: row t of episode e has code f = 32e + t, greyscale pixel (y, x) = grey(f, y, x) (so pixel (0,0) = f),
// the RGB view's pixels are frameValue(f, 1, y, x, c), and state = (t, e). Every batch row is checked byte for
// byte against the frame its state names, so alignment, stacking order, eager/lazy and resizing are all exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { writeH5, type H5DatasetSpec, type H5GroupSpec } from '../../src/data/h5-write.js';
import { datasetInfo, formatInfo } from '../../src/data/info.js';
import { loadDataset, type LoadOptions } from '../../src/data/load.js';
import type { LoadedDataset } from '../../src/data/dataset.js';
import type { HostBatch } from '../../src/data/types.js';
import { LapoError } from '../../src/errors.js';
import { Rng } from '../../src/util/rng.js';
import { ds, frameValue, group, sameAsEager, tempDir } from './helpers.js';

const dir = tempDir();
const H = 10;
const W = 12; // not square: a swapped H and W shows
const code = (e: number, t: number) => 32 * e + t;
const grey = (f: number, y: number, x: number) => (f + 17 * y + 29 * x) & 255;

interface Storage {
  chunks?: number;
  gzip?: number;
}
type Depth = 'HW' | 'HW1';

function store(rowShape: number[], s: Storage): Partial<H5DatasetSpec> {
  return s.chunks ? { chunks: [s.chunks, ...rowShape], gzip: s.gzip } : {};
}

/** depth (greyscale) + rgb + state for the given row codes; depth as [N,H,W] or [N,H,W,1]. */
function obsGroup(codes: { e: number; t: number }[], depth: Depth, s: Storage, extra: H5GroupSpec['children'] = {}): H5GroupSpec {
  const n = codes.length;
  const g = new Uint8Array(n * H * W);
  const rgb = new Uint8Array(n * H * W * 3);
  const state = new Float32Array(n * 2);
  codes.forEach(({ e, t }, i) => {
    const f = code(e, t);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        g[(i * H + y) * W + x] = grey(f, y, x);
        for (let c = 0; c < 3; c++) rgb[((i * H + y) * W + x) * 3 + c] = frameValue(f, 1, y, x, c);
      }
    }
    state.set([t, e], i * 2);
  });
  const depthShape = depth === 'HW' ? [H, W] : [H, W, 1];
  return group({
    depth: ds(g, [n, ...depthShape], store(depthShape, s)),
    rgb: ds(rgb, [n, H, W, 3], store([H, W, 3], s)),
    state: ds(state, [n, 2], store([2], s)),
    ...extra,
  });
}

// d4rl: episode 0 ends in a terminal, episode 1 by timeout (its last step is dropped), episode 2 in a terminal
const FLAT = [9, 6, 12];
async function writeFlat(file: string, depth: Depth = 'HW', s: Storage = {}): Promise<void> {
  const codes = FLAT.flatMap((T, e) => Array.from({ length: T }, (_, t) => ({ e, t })));
  const n = codes.length;
  const flag = (which: (e: number) => boolean) => Float32Array.from(codes, ({ e, t }) => (t === FLAT[e] - 1 && which(e) ? 1 : 0));
  await writeH5(file, group({
    observations: obsGroup(codes, depth, s),
    actions: ds(Float32Array.from(codes.flatMap(({ e, t }) => [t + 0.5, e])), [n, 2]),
    rewards: ds(Float32Array.from(codes, ({ e, t }) => t / 100 + e), [n]),
    terminals: ds(flag((e) => e !== 1), [n]),
    timeouts: ds(flag((e) => e === 1), [n]),
  }));
}

// Minari: T + 1 observation rows per episode; episode 0 terminates, the others are truncated
const MINARI = [5, 8, 3];
async function writeMinari(file: string, depth: Depth = 'HW', s: Storage = {}): Promise<void> {
  const eps: H5GroupSpec['children'] = {};
  MINARI.forEach((T, e) => {
    const last = (on: boolean) => Int8Array.from({ length: T }, (_, t) => (on && t === T - 1 ? 1 : 0));
    eps[`episode_${e}`] = group({
      observations: obsGroup(Array.from({ length: T + 1 }, (_, t) => ({ e, t })), depth, s),
      actions: ds(Float32Array.from({ length: T * 2 }, (_, i) => (i % 2 === 0 ? (i >> 1) + 0.5 : e)), [T, 2]),
      rewards: ds(Float64Array.from({ length: T }, (_, t) => t / 100 + e), [T]),
      terminations: ds(last(e === 0), [T]),
      truncations: ds(last(e !== 0), [T]),
    });
  });
  await writeH5(file, group(eps));
}

// robomimic: obs rows t and stored next_obs rows t + 1; every demo ends done
const ROBOMIMIC = [4, 7];
async function writeRobomimic(file: string): Promise<void> {
  const demos: H5GroupSpec['children'] = {};
  ROBOMIMIC.forEach((T, e) => {
    demos[`demo_${e}`] = group({
      obs: obsGroup(Array.from({ length: T }, (_, t) => ({ e, t })), 'HW', {}),
      next_obs: obsGroup(Array.from({ length: T }, (_, t) => ({ e, t: t + 1 })), 'HW', {}),
      actions: ds(Float32Array.from({ length: T * 2 }, (_, i) => (i % 2 === 0 ? (i >> 1) + 0.5 : e)), [T, 2]),
      rewards: ds(Float64Array.from({ length: T }, (_, t) => t / 100 + e), [T]),
      dones: ds(Int8Array.from({ length: T }, (_, t) => (t === T - 1 ? 1 : 0)), [T]),
    });
  });
  await writeH5(file, group({ data: group(demos, { total: ROBOMIMIC.reduce((a, b) => a + b, 0) }) }));
}

const written = new Map<string, Promise<void>>();
/** `name` in the temp dir, written once by `write` (tests may run alone: each asks for the files it reads). */
async function file(name: string, write: (f: string) => Promise<void>): Promise<string> {
  const f = join(dir, name);
  if (!written.has(name)) written.set(name, write(f));
  await written.get(name);
  return f;
}
const flat = () => file('flat.h5', (f) => writeFlat(f));
const flatHw1 = () => file('flat-hw1.h5', (f) => writeFlat(f, 'HW1'));
const minari = () => file('minari.hdf5', (f) => writeMinari(f));
const robomimic = () => file('robomimic.hdf5', writeRobomimic);

/** The stacked [H, W, C] row lapo must produce for row code f, views in `order`. */
function expectedRow(f: number, order: string[]): Uint8Array {
  const C = order.reduce((a, k) => a + (k === 'depth' ? 1 : 3), 0);
  const out = new Uint8Array(H * W * C);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let o = (y * W + x) * C;
      for (const k of order) {
        if (k === 'depth') out[o++] = grey(f, y, x);
        else for (let c = 0; c < 3; c++) out[o++] = frameValue(f, 1, y, x, c);
      }
    }
  }
  return out;
}

/**
 * Checks every row of a batch: the greyscale pixel (0,0) names the row, the state agrees, the whole stacked image
 * and next image are the expected bytes, and the next row is the one the layout's rules give. Returns [e, t,
 * notDone] per row.
 */
function checkRows(d: LoadedDataset, b: HostBatch, order: string[], terminalNext: 'self' | 'stored'): number[][] {
  assert.deepEqual(d.spec.imageKeys, order);
  const fb = H * W * order.reduce((a, k) => a + (k === 'depth' ? 1 : 3), 0);
  const dOff = order.indexOf('depth') === 0 ? 0 : 3;
  const { stateMean: m, stateStd: s } = d.stats;
  const st = (a: Float32Array, k: number, j: number) => Math.round(a[k * 2 + j] * (s[j] + 1e-6) + m[j]) + 0;
  const img = b.image as Uint8Array;
  const nxt = b.nextImage as Uint8Array;
  const rows: number[][] = [];
  for (let k = 0; k < b.size; k++) {
    const t = st(b.state as Float32Array, k, 0);
    const e = st(b.state as Float32Array, k, 1);
    const f = code(e, t);
    assert.equal(img[k * fb + dOff], f, `row ${k}: greyscale pixel (0,0) vs state (t=${t}, e=${e})`);
    assert.deepEqual(img.subarray(k * fb, (k + 1) * fb), expectedRow(f, order), `row ${k} (e=${e}, t=${t}): image`);
    const nd = b.notDone[k];
    const nf = nd === 0 && terminalNext === 'self' ? f : code(e, t + 1);
    assert.equal(nxt[k * fb + dOff], nf, `row ${k}: next greyscale pixel (0,0)`);
    assert.deepEqual(nxt.subarray(k * fb, (k + 1) * fb), expectedRow(nf, order), `row ${k} (e=${e}, t=${t}): next image`);
    assert.deepEqual([st(b.nextState as Float32Array, k, 0), st(b.nextState as Float32Array, k, 1)], [nf % 32, e], `row ${k}: next state`);
    rows.push([e, t, nd]);
  }
  return rows;
}

/** [e, t, notDone] of every transition the layout rules keep. */
function expectedTransitions(lengths: number[], keepLast: (e: number) => boolean, terminal: (e: number) => boolean, all = false): number[][] {
  return lengths.flatMap((T, e) =>
    Array.from({ length: T }, (_, t) => [e, t, t === T - 1 && terminal(e) ? 0 : 1]).filter(([, t]) => all || t < T - 1 || keepLast(e)),
  );
}

test('d4rl: a uint8 [N,H,W] key is a 1-channel view, stacked in sorted order with an RGB view; every row aligned', async () => {
  const f = await flat();
  const d = await loadDataset(f, { validFraction: 0 });
  assert.deepEqual([d.spec.imageKeys, d.spec.viewChannels, d.spec.imageSize, d.spec.stateKeys], [['depth', 'rgb'], [1, 3], [H, W], ['state']]);
  const want = expectedTransitions(FLAT, (e) => e !== 1, (e) => e !== 1);
  assert.deepEqual(checkRows(d, d.gather(d.indices('all')), ['depth', 'rgb'], 'self'), want);
  assert.equal(checkRows(d, d.sample('train', 40, new Rng(3)), ['depth', 'rgb'], 'self').length, 40);
  d.close();
  const swapped = await loadDataset(f, { validFraction: 0, imageKeys: ['rgb', 'depth'] });
  assert.deepEqual(swapped.spec.viewChannels, [3, 1]);
  assert.deepEqual(checkRows(swapped, swapped.gather(swapped.indices('all')), ['rgb', 'depth'], 'self'), want);
  swapped.close();
  const alone = await loadDataset(f, { validFraction: 0, imageKeys: ['depth'] });
  assert.deepEqual([alone.spec.viewChannels, (alone.gather(new Int32Array([0])).image as Uint8Array).length], [[1], H * W]);
  alone.close();
});

test('minari (T+1 observation rows) and robomimic (stored next_obs): greyscale rows aligned, stacked with RGB', async () => {
  const d = await loadDataset(await minari(), { validFraction: 0 });
  assert.equal(d.layout, 'minari');
  assert.deepEqual([d.spec.imageKeys, d.spec.viewChannels], [['depth', 'rgb'], [1, 3]]);
  assert.deepEqual(checkRows(d, d.gather(d.indices('all')), ['depth', 'rgb'], 'stored'), expectedTransitions(MINARI, () => true, (e) => e === 0));
  checkRows(d, d.sample('train', 32, new Rng(1)), ['depth', 'rgb'], 'stored');
  d.close();
  const rd = await loadDataset(await robomimic(), { validFraction: 0, imageKeys: ['rgb', 'depth'] });
  assert.equal(rd.layout, 'robomimic');
  assert.deepEqual(checkRows(rd, rd.gather(rd.indices('all')), ['rgb', 'depth'], 'stored'), expectedTransitions(ROBOMIMIC, () => true, () => true));
  rd.close();
});

test('exactly like [N,H,W,1]: same spec and bytes, also resized by --image-size (area down, bilinear up)', async () => {
  const hw = await flat();
  const hw1 = await flatHw1();
  for (const opts of [{}, { imageSize: 7 }, { imageSize: 16 }, { imageKeys: ['rgb', 'depth'], imageSize: 5 }] as LoadOptions[]) {
    const a = await loadDataset(hw, { ...opts, validFraction: 0 });
    const b = await loadDataset(hw1, { ...opts, validFraction: 0 });
    assert.deepEqual(a.spec, b.spec);
    const all = a.indices('all');
    const ga = a.gather(all);
    assert.deepEqual(ga, b.gather(all), JSON.stringify(opts));
    if (opts.imageSize) {
      const S = opts.imageSize;
      assert.deepEqual(a.spec.imageSize, [S, S]);
      assert.equal((ga.image as Uint8Array).length, all.length * S * S * 4);
    }
    a.close();
    b.close();
  }
});

test('lazy == eager bytes: pread (contiguous, raw chunks), inflated gzip + scratch copy, and the h5wasm fallback', async () => {
  const contiguous = await flat();
  const raw = await file('flat-raw.h5', (f) => writeFlat(f, 'HW', { chunks: 4 })); // chunks of 4 rows straddle the episode ends
  const gzip = await file('flat-gzip.h5', (f) => writeFlat(f, 'HW', { chunks: 4, gzip: 4 }));
  const common: LoadOptions = { validFraction: 0.34 };
  // depth, rgb, state
  let st = await sameAsEager(contiguous, { scratchDir: dir }, common);
  assert.deepEqual([st.resolved, st.direct, st.scratch], [3, 3, null]);
  st = await sameAsEager(raw, { scratchDir: dir }, common);
  assert.deepEqual([st.direct, st.scratch], [3, null]);
  st = await sameAsEager(gzip, { scratchDir: dir }, common);
  assert.equal(st.direct, 3, 'gzip chunks inflated here');
  assert.ok(st.scratch && st.scratch.blocks > 0, 'a scratch copy');
  // h5wasm for every read: hyperslabs of the contiguous file, chunks through the block cache for gzip
  for (const file of [contiguous, gzip]) {
    st = await sameAsEager(file, { lazyDirect: false, scratchDir: null }, common);
    assert.deepEqual([st.direct, st.scratch], [0, null]);
  }
  // resized, and the other stacking order (decoder path at a channel offset)
  await sameAsEager(gzip, { scratchDir: dir }, { ...common, imageSize: 7, imageKeys: ['rgb', 'depth'] });
  await sameAsEager(contiguous, { lazyDirect: false, scratchDir: null }, { ...common, imageSize: 16 });
  // and the lazy greyscale bytes are those of a [N,H,W,1] file read eagerly
  const hw1 = await flatHw1();
  const l = await loadDataset(gzip, { ...common, mode: 'lazy', scratchDir: null, cacheMB: 0.01 });
  const e = await loadDataset(hw1, { ...common, mode: 'eager' });
  assert.deepEqual(l.gather(l.indices('all')), e.gather(e.indices('all')));
  l.close();
  e.close();
  // an episodic layout: many segments (one per episode group)
  const m = await minari();
  const mg = await file('minari-gzip.hdf5', (f) => writeMinari(f, 'HW', { chunks: 3, gzip: 1 }));
  st = await sameAsEager(m, { scratchDir: dir }, common);
  assert.equal(st.direct, st.resolved);
  st = await sameAsEager(mg, { scratchDir: dir }, common);
  assert.ok(st.scratch && st.scratch.blocks > 0);
  await sameAsEager(mg, { lazyDirect: false, scratchDir: null }, common);
});

test('which arrays are greyscale views: uint8 with H, W >= 8; smaller or channel-like grids only when named; floats never', async () => {
  const f = join(dir, 'rules.h5');
  const n = 12;
  const u8 = (h: number, w: number) => Uint8Array.from({ length: n * h * w }, (_, i) => grey(Math.floor(i / (h * w)), Math.floor((i % (h * w)) / w), i % w));
  await writeH5(f, group({
    observations: group({
      depth: ds(u8(H, W), [n, H, W]),
      sq: ds(u8(8, 8), [n, 8, 8]), // at the threshold: an image
      tiny: ds(u8(7, 9), [n, 7, 9]), // below it: ignored unless named
      strip: ds(u8(3, 16), [n, 3, 16]), // a side of 3 looks like a channel axis: ignored unless named, never CHW
      seq: ds(new Float32Array(n * H * W), [n, H, W]), // a float state sequence: never an image
      state: ds(Float32Array.from({ length: n * 2 }, (_, i) => i), [n, 2]),
    }),
    actions: ds(new Float32Array(n * 2), [n, 2]),
    rewards: ds(new Float32Array(n), [n]),
    terminals: ds(Float32Array.from({ length: n }, (_, i) => (i === n - 1 ? 1 : 0)), [n]),
  }));
  const fails = async (opts: LoadOptions, message: string, code = 'data') => {
    await assert.rejects(loadDataset(f, opts), (e: Error) => {
      assert.ok(e instanceof LapoError, String(e));
      assert.equal(e.code, code);
      assert.equal(e.message, message);
      return true;
    });
  };
  // detected: depth and sq (different sizes, so the usual one-line size error), not tiny, strip or seq
  await fails({}, `${f}: observations/sq: expected 10x12 frames like depth (pass --image-size N to resize every view to NxN), found 8x8`);
  const d = await loadDataset(f, { imageSize: 8 });
  assert.deepEqual([d.spec.imageKeys, d.spec.viewChannels, d.spec.stateKeys], [['depth', 'sq'], [1, 1], ['state']]);
  d.close();
  // named: any uint8 [N,H,W] is a greyscale view of its own H x W, stored bytes unchanged (no CHW reading of [3,16])
  const s = await loadDataset(f, { imageKeys: ['strip'], validFraction: 0 });
  assert.deepEqual([s.spec.imageSize, s.spec.viewChannels], [[3, 16], [1]]);
  const b = s.gather(s.indices('all'));
  const frame0 = s.transitionFrames().obs;
  const stored = u8(3, 16);
  for (let k = 0; k < b.size; k++) assert.deepEqual((b.image as Uint8Array).subarray(k * 48, (k + 1) * 48), stored.subarray(frame0[k] * 48, (frame0[k] + 1) * 48));
  s.close();
  const t = await loadDataset(f, { imageKeys: ['tiny', 'depth'], imageSize: 6 });
  assert.deepEqual(t.spec.viewChannels, [1, 1]);
  t.close();
  await fails({ imageKeys: ['seq'] }, `${f}: observations/seq: expected uint8 frames [N,H,W,C] or [N,C,H,W] with C in 1,3,4, or greyscale [N,H,W], found float32 [N,10,12]`);
  await fails({ stateKeys: ['depth'] }, `${f}: observations/depth: expected numeric state vectors [N,D], found uint8 [N,10,12]`);
  const info = await datasetInfo(f, { imageSize: 8 });
  const roles = Object.fromEntries(info.keys.map((k) => [k.path, [k.role, k.frame ?? '-']]));
  assert.deepEqual(roles, {
    'observations/depth': ['image', 'HW'],
    'observations/seq': ['ignored', '-'],
    'observations/sq': ['image', 'HW'],
    'observations/state': ['state', '-'],
    'observations/strip': ['ignored', '-'],
    'observations/tiny': ['ignored', '-'],
    actions: ['actions', '-'],
    rewards: ['rewards', '-'],
    terminals: ['terminals', '-'],
  });
  const named = await datasetInfo(f, { imageKeys: ['strip'] });
  assert.deepEqual(named.keys.filter((k) => k.role === 'image').map((k) => [k.path, k.shape, k.frame]), [['observations/strip', [n, 3, 16], 'HW']]);
  assert.deepEqual(named.spec.imageSize, [3, 16]);
  // a single observations array [N,H,W] (d3rlpy/D4RL style) is a view; a file with only a small grid has none
  const single = join(dir, 'single.h5');
  await writeH5(single, group({
    observations: ds(u8(16, 16), [n, 16, 16]),
    actions: ds(new Float32Array(n), [n, 1]),
    rewards: ds(new Float32Array(n), [n]),
    terminals: ds(Float32Array.from({ length: n }, (_, i) => (i === n - 1 ? 1 : 0)), [n]),
  }));
  const sd = await loadDataset(single);
  assert.deepEqual([sd.spec.imageKeys, sd.spec.viewChannels, sd.spec.imageSize, sd.spec.stateKeys], [['observations'], [1], [16, 16], []]);
  sd.close();
  const none = join(dir, 'none.h5');
  await writeH5(none, group({
    observations: group({ tiny: ds(u8(7, 9), [n, 7, 9]) }),
    actions: ds(new Float32Array(n), [n, 1]),
    rewards: ds(new Float32Array(n), [n]),
    terminals: ds(new Float32Array(n), [n]),
  }));
  await assert.rejects(loadDataset(none), (e: Error) => {
    assert.equal(e.message, `${none}: observations: expected at least one image key (uint8 [N,H,W,C] or [N,H,W]) or state key (float [N,D]), found only tiny uint8 [N,7,9]`);
    return true;
  });
});

test('dataset info: greyscale keys are images (HW, 1 channel) in the summary, the text, the CLI and the estimate', async () => {
  const s = await datasetInfo(await flat(), { maxMemoryMB: 1 });
  const depth = s.keys.find((k) => k.path === 'observations/depth');
  assert.deepEqual(depth, { path: 'observations/depth', role: 'image', shape: [27, H, W], dtype: 'uint8', frame: 'HW', chunks: null, compressed: false });
  assert.equal(s.keys.find((k) => k.path === 'observations/rgb')?.frame, 'HWC');
  assert.deepEqual([s.spec.imageKeys, s.spec.viewChannels], [['depth', 'rgb'], [1, 3]]);
  // 27 frames of 10x12x(1+3) bytes + 2 float32 state; 26 transitions (one time-limit last step dropped) of 2 float32
  // actions + 13 bytes
  assert.equal(s.memory.eagerMB * 2 ** 20, 27 * (H * W * 4 + 8) + 26 * (8 + 13));
  const text = formatInfo(s);
  assert.match(text, /\n {2}observations\/depth {2}\[27,10,12\] +uint8 +image \(greyscale, 1 channel\)\n/);
  assert.match(text, /\n {2}observations\/rgb {4}\[27,10,12,3\] +uint8 +image\n/);
  assert.match(text, /\nimages {7}depth, rgb → stacked \[10,12,4\] uint8\n/);
  const m = await datasetInfo(await minari());
  assert.deepEqual(m.keys.find((k) => k.path === 'episode_*/observations/depth'), {
    path: 'episode_*/observations/depth', role: 'image', shape: [19, H, W], dtype: 'uint8', frame: 'HW', chunks: null, compressed: false,
  });
  // the CLI as a user runs it (compiled bin/lapo.js: npm run build first when testing a local change)
  const run = spawnSync(process.execPath, ['bin/lapo.js', 'dataset', 'info', await robomimic(), '--image-keys', 'rgb,depth'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /\n {2}data\/demo_\*\/obs\/depth +\[11,10,12\] +uint8 +image \(greyscale, 1 channel\)\n/);
  assert.match(run.stdout, /\n {2}data\/demo_\*\/next_obs\/depth +\[11,10,12\] +uint8 +next image \(greyscale, 1 channel\)\n/);
  assert.match(run.stdout, /\nimages {7}rgb, depth → stacked \[10,12,4\] uint8\n/);
});
