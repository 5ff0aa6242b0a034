// `lapo dataset info` counts NaN/Inf in actions, rewards and state arrays (loading refuses them at the first bad
// array; info names every one, in loading's wording), streams state arrays in blocks, and never reads an image.
// The CLI checks run bin/lapo.js: `npm run build` first when testing a local change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { writeH5 } from '../../src/data/h5-write.js';
import { H5Reader } from '../../src/data/h5.js';
import { countNonFinite } from '../../src/data/finite-scan.js';
import { datasetInfo, formatInfo } from '../../src/data/info.js';
import { loadDataset } from '../../src/data/load.js';
import { ds, frames, group, tempDir } from './helpers.js';

const dir = tempDir();
const n = 12;

function lapo(...args: string[]) {
  return spawnSync(process.execPath, ['bin/lapo.js', ...args], { encoding: 'utf8' });
}

/** d4rl: observations/{image [n,8,8,3], state [n,4]}, actions [n,2], rewards, terminals; `edit` spoils values. */
async function writeFile(file: string, edit: (a: { state: Float32Array; actions: Float32Array; rewards: Float32Array }) => void = () => {}) {
  const state = new Float32Array(n * 4).map((_, i) => i / 7);
  const actions = new Float32Array(n * 2).map((_, i) => (i % 5) - 2);
  const rewards = new Float32Array(n).map((_, i) => i / 10);
  edit({ state, actions, rewards });
  await writeH5(file, group({
    observations: group({ image: ds(frames(n, 8, 8, 3, 0), [n, 8, 8, 3]), state: ds(state, [n, 4]) }),
    actions: ds(actions, [n, 2]),
    rewards: ds(rewards, [n]),
    terminals: ds(new Float32Array(n).map((_, i) => (i === n - 1 ? 1 : 0)), [n]),
  }));
}

const spoiled = join(dir, 'nan-state-inf-reward.h5');
const clean = join(dir, 'clean.h5');

test('NaN in a state key and Inf in rewards: counted per array with the first row, loading still refuses', async () => {
  await writeFile(spoiled, ({ state, rewards }) => {
    state[5 * 4 + 2] = NaN;
    state[9 * 4 + 0] = -Infinity;
    rewards[3] = Infinity;
  });
  await writeFile(clean);
  const s = await datasetInfo(spoiled);
  assert.deepEqual(s.finite, [
    { path: 'actions', role: 'actions', arrays: 1, nonFinite: 0, first: null },
    { path: 'rewards', role: 'rewards', arrays: 1, nonFinite: 1, first: { path: 'rewards', row: 3 } },
    { path: 'observations/state', role: 'state', arrays: 1, nonFinite: 2, first: { path: 'observations/state', row: 5 } },
  ]);
  // the reward statistics leave the Inf out instead of becoming Infinity/NaN
  assert.equal(s.reward.max, Math.fround(1.1));
  assert.ok(Number.isFinite(s.reward.mean) && Number.isFinite(s.reward.std));
  const text = formatInfo(s);
  assert.ok(
    text.includes(
      'finite       NaN/Inf in 2 arrays (lapo train refuses the file); no NaN/Inf in actions\n' +
        '  rewards: expected finite values, found 1 NaN/Inf value (first in row 3)\n' +
        '  observations/state: expected finite values, found 2 NaN/Inf values (first in row 5)\n',
    ),
    text,
  );
  // the same wording as loading's error for the array it stops at
  await assert.rejects(loadDataset(spoiled), { message: `${spoiled}: rewards: expected finite values, found 1 NaN/Inf value (first in row 3)` });

  const c = await datasetInfo(clean);
  assert.ok(c.finite.every((f) => f.nonFinite === 0 && f.first === null));
  assert.match(formatInfo(c), /^finite {7}no NaN\/Inf in actions, rewards, observations\/state$/m);
});

test('only the chosen state keys are scanned; --state-keys leaves a bad one out', async () => {
  const f = join(dir, 'two-states.h5');
  const bad = new Float64Array(n * 3);
  bad[4 * 3 + 1] = NaN;
  await writeH5(f, group({
    observations: group({ image: ds(frames(n, 8, 8, 3, 0), [n, 8, 8, 3]), good: ds(new Float32Array(n * 2), [n, 2]), bad: ds(bad, [n, 3]) }),
    actions: ds(new Float32Array(n * 2), [n, 2]),
    rewards: ds(new Float32Array(n), [n]),
    terminals: ds(new Float32Array(n), [n]),
  }));
  const all = await datasetInfo(f);
  assert.deepEqual(all.finite.filter((c) => c.nonFinite > 0).map((c) => [c.path, c.nonFinite, c.first?.row]), [['observations/bad', 1, 4]]);
  const chosen = await datasetInfo(f, { stateKeys: ['good'] });
  assert.deepEqual(chosen.finite.map((c) => c.path), ['actions', 'rewards', 'observations/good']);
  assert.ok(chosen.finite.every((c) => c.nonFinite === 0));
});

test('per-episode arrays (Minari) are summed under their pattern, naming the first bad array and row', async () => {
  const f = join(dir, 'minari-nan.hdf5');
  const ep = (T: number, e: number) => {
    const state = new Float32Array((T + 1) * 2).map((_, i) => i + e);
    const rewards = new Float64Array(T);
    if (e === 1) state[3 * 2 + 1] = NaN;
    if (e === 2) {
      state[0] = Infinity;
      rewards[T - 1] = NaN;
    }
    return group({
      observations: group({ state: ds(state, [T + 1, 2]) }),
      actions: ds(new Float32Array(T * 2), [T, 2]),
      rewards: ds(rewards, [T]),
      terminations: ds(new Int8Array(T), [T]),
      truncations: ds(Int8Array.from({ length: T }, (_, t) => (t === T - 1 ? 1 : 0)), [T]),
    });
  };
  await writeH5(f, group({ episode_0: ep(4, 0), episode_1: ep(5, 1), episode_2: ep(3, 2) }));
  const s = await datasetInfo(f);
  assert.deepEqual(s.finite, [
    { path: 'episode_*/actions', role: 'actions', arrays: 3, nonFinite: 0, first: null },
    { path: 'episode_*/rewards', role: 'rewards', arrays: 3, nonFinite: 1, first: { path: 'episode_2/rewards', row: 2 } },
    { path: 'episode_*/observations/state', role: 'state', arrays: 3, nonFinite: 2, first: { path: 'episode_1/observations/state', row: 3 } },
  ]);
  assert.match(formatInfo(s), /^ {2}episode_\*\/observations\/state: expected finite values, found 2 NaN\/Inf values \(first in row 3 of episode_1\/observations\/state\)$/m);
});

test('state arrays are streamed in blocks: counts across block and chunk edges, gzip included', async () => {
  const rows = 40_000; // [rows, 64] float32: 256 bytes a row, 16 384 rows per 4 MiB block
  const data = new Float32Array(rows * 64).fill(1);
  const bad = [[16_383, 63], [16_384, 0], [20_000, 7], [rows - 1, 5]];
  for (const [r, c] of bad) data[r * 64 + c] = r === 20_000 ? -Infinity : NaN;
  const f = join(dir, 'big-state.h5');
  await writeH5(f, group({
    contiguous: ds(data, [rows, 64]),
    gzip: ds(data, [rows, 64], { chunks: [1000, 64], gzip: 1 }),
  }));
  const r = await H5Reader.open(f);
  try {
    for (const path of ['/contiguous', '/gzip']) {
      assert.deepEqual(countNonFinite(r, path, 0, rows), { count: 4, first: 16_383 }, path);
      // a segment's rows only, numbered as file rows
      assert.deepEqual(countNonFinite(r, path, 16_384, 10_000), { count: 2, first: 16_384 }, path);
      assert.deepEqual(countNonFinite(r, path, 20_001, rows - 20_002), { count: 0, first: -1 }, path);
    }
  } finally {
    r.close();
  }
});

test('info reads no image array (eager mode): every read is a state, action, reward or flag array', async () => {
  const seen: string[] = [];
  const proto = H5Reader.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const originals = { withRows: proto.withRows, read: proto.read, readFloat64: proto.readFloat64 };
  for (const [name, fn] of Object.entries(originals)) {
    proto[name] = function (this: unknown, path: unknown, ...rest: unknown[]) {
      seen.push(String(path));
      return fn.call(this, path, ...rest);
    };
  }
  try {
    await datasetInfo(spoiled, { mode: 'eager' });
  } finally {
    Object.assign(proto, originals);
  }
  assert.ok(seen.some((p) => p.endsWith('observations/state')), seen.join(' '));
  assert.deepEqual(seen.filter((p) => p.includes('image')), []);
});

test('lapo dataset info prints the NaN/Inf lines (exit 0) and --json carries them', () => {
  const r = lapo('dataset', 'info', spoiled);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ {2}rewards: expected finite values, found 1 NaN\/Inf value \(first in row 3\)$/m);
  assert.match(r.stdout, /^ {2}observations\/state: expected finite values, found 2 NaN\/Inf values \(first in row 5\)$/m);
  const json = lapo('dataset', 'info', spoiled, '--json');
  assert.equal(json.status, 0, json.stderr);
  const s = JSON.parse(json.stdout);
  assert.deepEqual(s.finite.map((c: { path: string; nonFinite: number }) => [c.path, c.nonFinite]), [['actions', 0], ['rewards', 1], ['observations/state', 2]]);
  const ok = lapo('dataset', 'info', clean);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^finite {7}no NaN\/Inf in actions, rewards, observations\/state$/m);
});
