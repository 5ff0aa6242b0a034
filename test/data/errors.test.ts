// Bad inputs of every kind (docs/datasets.md, Errors, shows the messages), generated here: each must end in one
// LapoError line naming the file, the key and what was expected vs found — and the process (and h5wasm) must keep
// working afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LapoError } from '../../src/errors.js';
import { writeH5 } from '../../src/data/h5-write.js';
import { loadDataset, type LoadOptions } from '../../src/data/load.js';
import { ds, fixture, frames, group, tempDir, writeD4rl } from './helpers.js';

const dir = tempDir();

async function expectDataError(file: string, parts: (string | RegExp)[], opts: LoadOptions = {}, code = 'data'): Promise<string> {
  let err: unknown;
  try {
    (await loadDataset(file, opts)).close();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof LapoError, `expected a LapoError, got ${String(err)}`);
  assert.equal(err.code, code);
  assert.doesNotMatch(err.message, /\n/, 'one line');
  for (const p of parts) {
    if (typeof p === 'string') assert.ok(err.message.includes(p), `"${err.message}" lacks "${p}"`);
    else assert.match(err.message, p);
  }
  if (process.env.SHOW_ERRORS) console.log(err.message);
  return err.message;
}

const n = 12;
const good = () => ({
  observations: group({ image: ds(frames(n, 8, 8, 3, 0), [n, 8, 8, 3]), state: ds(new Float32Array(n * 4).map((_, i) => i), [n, 4]) }),
  actions: ds(new Float32Array(n * 2), [n, 2]),
  rewards: ds(new Float32Array(n), [n]),
  terminals: ds(new Float32Array(n).map((_, i) => (i === n - 1 ? 1 : 0)), [n]),
});

test('not an HDF5 file, an empty file, a missing file', async () => {
  const text = join(dir, 'notes.h5');
  writeFileSync(text, 'observations,actions\n1,2\n');
  await expectDataError(text, [text, 'expected an HDF5 file', 'no HDF5 signature']);
  const empty = join(dir, 'empty.h5');
  writeFileSync(empty, '');
  await expectDataError(empty, [empty, 'expected an HDF5 file', 'empty file']);
  await expectDataError(join(dir, 'absent.h5'), ['absent.h5', 'no such file']);
});

test('truncated file: expected size from the superblock vs found', async () => {
  const whole = join(dir, 'whole.h5');
  await writeH5(whole, group(good()));
  const bytes = readFileSync(whole);
  const cut = join(dir, 'cut.h5');
  writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
  await expectDataError(cut, [cut, `expected ${bytes.length} bytes`, `found ${Math.floor(bytes.length / 2)} bytes`, 'truncated']);
});

test('missing actions or rewards (flat and per-episode layouts)', async () => {
  const noActions = join(dir, 'no-actions.h5');
  const { actions: _a, ...rest } = good();
  await writeH5(noActions, group(rest));
  await expectDataError(noActions, [noActions, 'actions: expected float actions', 'no such key', 'observations, rewards, terminals']);
  const noRewards = join(dir, 'no-rewards.h5');
  const { rewards: _r, ...rest2 } = good();
  await writeH5(noRewards, group(rest2));
  await expectDataError(noRewards, [noRewards, 'rewards: expected rewards', 'no such key']);
  const minari = join(dir, 'minari-no-rewards.hdf5');
  const ep = (T: number, withRewards: boolean) =>
    group({
      observations: ds(new Float32Array((T + 1) * 3), [T + 1, 3]),
      actions: ds(new Float32Array(T * 2), [T, 2]),
      ...(withRewards ? { rewards: ds(new Float64Array(T), [T]) } : {}),
      terminations: ds(new Int8Array(T), [T]),
      truncations: ds(new Int8Array(T), [T]),
    });
  await writeH5(minari, group({ episode_0: ep(4, true), episode_1: ep(3, false) }));
  await expectDataError(minari, [minari, 'episode_1/rewards', 'no such key']);
});

test('arrays of different lengths', async () => {
  const f = join(dir, 'lengths.h5');
  await writeH5(f, group({ ...good(), rewards: ds(new Float32Array(n - 1), [n - 1]) }));
  await expectDataError(f, [f, 'rewards: expected 12 rows (as actions), found 11 rows']);
  const g = join(dir, 'obs-length.h5');
  const base = good();
  await writeH5(g, group({ ...base, observations: group({ ...base.observations.children, state: ds(new Float32Array(40), [10, 4]) }) }));
  await expectDataError(g, [g, 'observations/state: expected 12 rows (as actions), found 10 rows']);
  const m = join(dir, 'minari-obs.hdf5');
  await writeH5(m, group({
    episode_0: group({
      observations: ds(new Float32Array(4 * 3), [4, 3]),
      actions: ds(new Float32Array(4 * 2), [4, 2]),
      rewards: ds(new Float64Array(4), [4]),
      terminations: ds(new Int8Array(4), [4]),
      truncations: ds(new Int8Array(4), [4]),
    }),
  }));
  await expectDataError(m, [m, 'episode_0/observations: expected 5 rows (as episode_0: actions rows + 1), found 4 rows']);
});

test('wrong rank or dtype', async () => {
  const rank = join(dir, 'rank.h5');
  await writeH5(rank, group({ ...good(), actions: ds(new Float32Array(n * 4), [n, 2, 2]) }));
  await expectDataError(rank, [rank, 'actions: expected float32/float64 actions [N,A]', 'found float32 [12,2,2]']);
  const dtype = join(dir, 'dtype.h5');
  await writeH5(dtype, group({ ...good(), actions: ds(new Int32Array(n), [n]) }));
  await expectDataError(dtype, [dtype, 'actions: expected float32/float64 actions', 'found int32 [12]']);
  const img = join(dir, 'float-image.h5');
  const base = good();
  await writeH5(img, group({ ...base, observations: group({ ...base.observations.children, cam: ds(new Float32Array(n * 48), [n, 4, 4, 3]) }) }));
  await expectDataError(img, [img, 'observations/cam: expected uint8 frames [N,H,W,C] or [N,C,H,W]', 'found float32 [N,4,4,3]'], { imageKeys: ['cam'] });
  await expectDataError(img, [img, 'observations/image: expected numeric state vectors', 'found uint8 [N,8,8,3]'], { stateKeys: ['image'] });
});

test('NaN/Inf in actions, rewards and state: count and first row', async () => {
  const a = new Float32Array(n * 2);
  a[7 * 2 + 1] = NaN;
  a[9 * 2] = Infinity;
  const fa = join(dir, 'nan-actions.h5');
  await writeH5(fa, group({ ...good(), actions: ds(a, [n, 2]) }));
  await expectDataError(fa, [fa, 'actions: expected finite values, found 2 NaN/Inf values (first in row 7)']);
  const r = new Float32Array(n);
  r[3] = -Infinity;
  const fr = join(dir, 'inf-rewards.h5');
  await writeH5(fr, group({ ...good(), rewards: ds(r, [n]) }));
  await expectDataError(fr, [fr, 'rewards: expected finite values, found 1 NaN/Inf value (first in row 3)']);
  const s = new Float32Array(n * 4);
  s[5 * 4 + 2] = NaN;
  const fs = join(dir, 'nan-state.h5');
  const base = good();
  await writeH5(fs, group({ ...base, observations: group({ ...base.observations.children, state: ds(s, [n, 4]) }) }));
  for (const mode of ['eager', 'lazy'] as const) {
    await expectDataError(fs, [fs, 'observations/state: expected finite values, found 1 NaN/Inf value (first in row 5)'], { mode });
  }
});

test('empty dataset: no rows, or only time-limit steps without a next observation', async () => {
  const f = join(dir, 'empty-rows.h5');
  await writeH5(f, group({
    observations: ds(new Float32Array(0), [0, 3]),
    actions: ds(new Float32Array(0), [0, 2]),
    rewards: ds(new Float32Array(0), [0]),
    terminals: ds(new Float32Array(0), [0]),
  }));
  await expectDataError(f, [f, 'expected at least one transition, found 0 (the file has no steps)']);
  const g = join(dir, 'one-step-episodes.h5');
  await writeH5(g, group({
    observations: ds(new Float32Array(6), [2, 3]),
    actions: ds(new Float32Array(4), [2, 2]),
    rewards: ds(new Float32Array(2), [2]),
    terminals: ds(new Float32Array(2), [2]),
    timeouts: ds(new Float32Array([1, 1]), [2]),
  }));
  await expectDataError(g, [g, 'found 0 (all 2 steps end episodes by time limit without a next observation)']);
});

test('unrecognised layout lists the top-level keys; views of different sizes suggest --image-size', async () => {
  const f = join(dir, 'odd.h5');
  await writeH5(f, group({ pixels: ds(new Uint8Array(48), [1, 4, 4, 3]), meta: group({ a: ds(new Float32Array(1), [1]) }) }));
  await expectDataError(f, [f, 'expected a known layout', 'found top-level keys meta, pixels']);
  const v = join(dir, 'views.h5');
  const base = good();
  await writeH5(v, group({ ...base, observations: group({ ...base.observations.children, wrist: ds(frames(n, 4, 4, 3, 1), [n, 4, 4, 3]) }) }));
  await expectDataError(v, [v, 'observations/wrist: expected 8x8 frames like image', '--image-size', 'found 4x4']);
  const ok = await loadDataset(v, { imageSize: 6 });
  assert.deepEqual(ok.spec.imageSize, [6, 6]);
  ok.close();
});

test('flags naming keys or masks that do not exist', async () => {
  const f = join(dir, 'flags.h5');
  await writeH5(f, group(good()));
  await expectDataError(f, ['--image-keys', 'image, state', '"left"'], { imageKeys: ['left'] }, 'usage');
  await expectDataError(f, ['--split', 'robomimic'], { split: 'train' }, 'usage');
  await expectDataError(fixture('multimodal/robomimic-image.hdf5'), ['mask/20_percent', 'masks train, valid'], { split: '20_percent' });
});

test('after all these errors the reader still works in the same process', async () => {
  const f = join(dir, 'fine.h5');
  await writeD4rl(f, { episodes: [3, 4] });
  const d = await loadDataset(f);
  assert.equal(d.numTransitions, 7);
  d.close();
});
