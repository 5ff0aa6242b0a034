// Lazy mode's fast paths (direct preads of contiguous arrays and raw chunks, chunks inflated with Node's zlib, the
// scratch copy of compressed arrays) must give exactly the eager batches, on every storage HDF5 writers produce,
// and must say which path they took. Files are written with h5wasm here because the tests need storage options the
// product writer does not offer (shuffle filter, libver bounds).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { h5Module } from '../../src/data/h5.js';
import { loadDataset } from '../../src/data/load.js';
import { scratchProblem } from '../../src/data/shadow-store.js';
import { fixture, frames, sameAsEager, tempDir } from './helpers.js';

const dir = tempDir();
const EPISODES = [23, 17, 31, 9, 20]; // 100 rows; chunks of 7 rows straddle episode ends

type Storage = 'contiguous' | 'raw' | 'gzip' | 'shuffle';
interface FileOpts {
  storage: Storage;
  views?: number;
  h?: number;
  w?: number;
  chw?: boolean;
  libver?: [string, string];
}

/** d4rl layout: observations/{view0..}, state [N,4] float32 (integer values), pos [N,2] float64, actions, ... */
async function write(file: string, o: FileOpts): Promise<void> {
  await h5Module();
  const n = EPISODES.reduce((a, b) => a + b, 0);
  const h = o.h ?? 8;
  const w = o.w ?? 8;
  const f = new h5wasm.File(file, 'w', o.libver ? ({ libver: o.libver } as never) : false);
  const store = (rowShape: number[], elem: number) =>
    o.storage === 'contiguous'
      ? {}
      : {
          chunks: [7, ...rowShape],
          ...(o.storage === 'gzip' ? { compression: 'gzip', compression_opts: 4 } : o.storage === 'shuffle' ? { compression: 2, compression_opts: [elem] } : {}),
        };
  f.create_group('observations');
  for (let v = 0; v < (o.views ?? 3); v++) {
    const shape = o.chw ? [3, h, w] : [h, w, 3];
    f.create_dataset({ name: `observations/view${v}`, data: frames(n, h, w, 3, v, o.chw), shape: [n, ...shape], dtype: '<B', ...store(shape, 1) } as never);
  }
  const state = new Float32Array(n * 4);
  const pos = new Float64Array(n * 2);
  const actions = new Float32Array(n * 2);
  const rewards = new Float32Array(n);
  const terminals = new Float32Array(n);
  const timeouts = new Float32Array(n);
  let row = 0;
  EPISODES.forEach((len, e) => {
    for (let t = 0; t < len; t++, row++) {
      state.set([t, e, row % 5, 2 * row], row * 4);
      pos.set([Math.sin(row), row / 3], row * 2);
      actions.set([t / 10, e - 1], row * 2);
      rewards[row] = t / 100 + e;
      if (t === len - 1) (e % 2 === 1 ? timeouts : terminals)[row] = 1;
    }
  });
  f.create_dataset({ name: 'observations/state', data: state, shape: [n, 4], dtype: '<f', ...store([4], 4) } as never);
  f.create_dataset({ name: 'observations/pos', data: pos, shape: [n, 2], dtype: '<d' });
  f.create_dataset({ name: 'actions', data: actions, shape: [n, 2], dtype: '<f' });
  f.create_dataset({ name: 'rewards', data: rewards, shape: [n], dtype: '<f' });
  f.create_dataset({ name: 'terminals', data: terminals, shape: [n], dtype: '<f' });
  f.create_dataset({ name: 'timeouts', data: timeouts, shape: [n], dtype: '<f' });
  f.close();
}

// 3 views × (5 segments? no: one d4rl segment) + state + pos = 5 arrays
const ARRAYS = 5;

test('contiguous arrays: every one read with pread, no scratch copy', async () => {
  const f = join(dir, 'contiguous.h5');
  await write(f, { storage: 'contiguous' });
  const st = await sameAsEager(f, { scratchDir: dir });
  assert.deepEqual([st.resolved, st.direct, st.scratch], [ARRAYS, ARRAYS, null]);
});

test('raw chunks of 7 rows: pread inside a chunk and across chunk boundaries, no scratch copy', async () => {
  const f = join(dir, 'raw.h5');
  await write(f, { storage: 'raw' });
  const st = await sameAsEager(f, { scratchDir: dir });
  assert.deepEqual([st.direct, st.scratch], [ARRAYS, null]);
});

test('gzip chunks: inflated here into the scratch copy once, then read back with pread', async () => {
  const f = join(dir, 'gzip.h5');
  await write(f, { storage: 'gzip' });
  const st = await sameAsEager(f, { scratchDir: dir });
  assert.equal(st.direct, ARRAYS); // views and state are inflated here, pos is contiguous
  assert.ok(st.scratch, 'a scratch copy');
  assert.equal(st.scratch.dir, dir);
  // 3 views + state, ceil(100 / 7) = 15 chunks each, every one copied exactly once by gather(all)
  assert.equal(st.scratch.blocks, 4 * 15);
  assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('.lapo')), [], 'the scratch file has no name');
});

test('shuffle-filtered chunks (float32 state): un-shuffled here', async () => {
  const f = join(dir, 'shuffle.h5');
  await write(f, { storage: 'shuffle' });
  const st = await sameAsEager(f, { scratchDir: dir });
  assert.equal(st.direct, ARRAYS);
  assert.ok(st.scratch);
});

test('gzip without a scratch copy: chunks through the block cache', async () => {
  const f = join(dir, 'gzip.h5');
  const st = await sameAsEager(f, { scratchDir: null });
  assert.equal(st.scratch, null);
  assert.equal(st.scratchSkipped, 'turned off');
  assert.ok(st.cache.misses > 0);
});

test('lazyDirect false: every array through h5wasm (copied to scratch when chunked)', async () => {
  const st = await sameAsEager(join(dir, 'contiguous.h5'), { lazyDirect: false, scratchDir: null });
  assert.equal(st.direct, 0);
  const gz = await sameAsEager(join(dir, 'gzip.h5'), { lazyDirect: false, scratchDir: dir });
  assert.equal(gz.direct, 0);
  assert.ok(gz.scratch && gz.scratch.blocks > 0);
});

test('two views (word stacking) and channel-first or resized views (decoder path)', async () => {
  const two = join(dir, 'two.h5');
  await write(two, { storage: 'raw', views: 2, h: 6, w: 6 });
  await sameAsEager(two, { scratchDir: dir });
  const chw = join(dir, 'chw.h5');
  await write(chw, { storage: 'gzip', views: 3, chw: true });
  await sameAsEager(chw, { scratchDir: dir });
  await sameAsEager(chw, { scratchDir: dir }, { imageSize: 5 });
  const odd = join(dir, 'odd.h5');
  await write(odd, { storage: 'contiguous', views: 3, h: 5, w: 3 }); // 15 pixels: not a multiple of 4 words
  await sameAsEager(odd);
});

test('libver latest (superblock 3, OHDR headers, version 4 chunk index): contiguous direct, chunked via h5wasm', async () => {
  const c = join(dir, 'latest-contiguous.h5');
  await write(c, { storage: 'contiguous', libver: ['latest', 'latest'] });
  assert.equal((await sameAsEager(c)).direct, ARRAYS);
  const g = join(dir, 'latest-gzip.h5');
  await write(g, { storage: 'gzip', libver: ['latest', 'latest'] });
  const st = await sameAsEager(g, { scratchDir: dir });
  assert.equal(st.direct, 1, 'only pos (contiguous) is read directly');
  assert.ok(st.scratch && st.scratch.blocks > 0);
});

test('a big-endian array is left to h5wasm', async () => {
  const f = join(dir, 'be.h5');
  await write(f, { storage: 'contiguous', libver: ['earliest', 'v108'] }); // version 1 headers: no checksums
  // flip the byte-order bit of the float32 datatype messages (class 1, version 1, bit field 0x20 0x1f 0x00, size 4)
  const b = readFileSync(f);
  const le = Buffer.from([0x11, 0x20, 0x1f, 0x00, 0x04, 0x00, 0x00, 0x00]);
  let flipped = 0;
  for (let at = b.indexOf(le); at >= 0; at = b.indexOf(le, at + 1), flipped++) b[at + 1] |= 0x01;
  assert.ok(flipped >= 1);
  writeFileSync(f, b);
  const st = await sameAsEager(f);
  assert.equal(st.direct, ARRAYS - 1, 'state (float32) is big-endian now; pos (float64) and the uint8 views are not');
});

test('scratch directory: too small or missing is refused; one the user named must work', async () => {
  assert.match(scratchProblem({ dir, explicit: true }, 2 ** 60) ?? '', /GiB free, the copy needs .* GiB/);
  assert.equal(scratchProblem({ dir, explicit: true }, 1000), null);
  const missing = join(dir, 'nope');
  assert.match(scratchProblem({ dir: missing, explicit: true }, 1) ?? '', /does not exist/);
  // a named directory is checked up front, whether or not the file needs a copy (contiguous.h5 needs none)
  for (const f of ['gzip.h5', 'contiguous.h5']) {
    await assert.rejects(loadDataset(join(dir, f), { mode: 'lazy', scratchDir: missing }), (e: Error & { exitCode?: number }) => {
      assert.equal(e.name, 'LapoError');
      assert.equal(e.message, `--scratch-dir: expected a writable directory, found ${JSON.stringify(missing)} (no such directory)`);
      assert.equal(e.exitCode, 2);
      return true;
    });
  }
});

test('every shared fixture: lazy batches equal eager batches', async () => {
  for (const rel of ['multimodal/fork-3view-joint.h5', 'multimodal/d4rl-image-state.h5', 'multimodal/minari-dict-obs.hdf5', 'multimodal/robomimic-image.hdf5', 'real/d3rlpy-pendulum-random-v1.h5']) {
    const st = await sameAsEager(fixture(rel), { scratchDir: dir }, { validFraction: 0.2 });
    assert.ok(st.direct > 0 && st.direct === st.resolved, `${rel}: ${st.direct} of ${st.resolved} arrays direct`);
    assert.equal(st.scratch, null, rel);
  }
  // Minari door (h5py): observations [301,39] float64 in chunks of [76,20] — a row spans two chunks, so h5wasm reads
  // them, into the scratch copy
  const st = await sameAsEager(fixture('real/minari-d4rl-door-human-v2.hdf5'), { scratchDir: dir }, { validFraction: 0.2 });
  assert.equal(st.direct, 0);
  assert.ok(st.scratch && st.scratch.blocks > 0);
});
