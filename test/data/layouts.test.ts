// Layout cases the shared fixtures do not cover, on generated files: robomimic without next_obs and with
// robomimic-style split masks, Minari nested dict observations, d3rlpy episodes ending in a terminal, --layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeH5 } from '../../src/data/h5-write.js';
import { loadDataset } from '../../src/data/load.js';
import { ds, fixture, group, tempDir } from './helpers.js';

const dir = tempDir();
/** state row = (t, e): the decoded (t, e) of a batch's rows. */
function te(state: Float32Array, mean: number[], std: number[], D: number, k: number): [number, number] {
  // + 0 turns -0 into 0
  return [Math.round(state[k * D] * (std[0] + 1e-6) + mean[0]) + 0, Math.round(state[k * D + 1] * (std[1] + 1e-6) + mean[1]) + 0];
}
const stateRows = (T: number, e: number, rows = T) => Float32Array.from({ length: rows * 2 }, (_, i) => (i % 2 === 0 ? Math.floor(i / 2) : e));

test('robomimic without next_obs: next = obs t+1, last step kept only when done; 20_percent_train/valid masks', async () => {
  const f = join(dir, 'robomimic-nonext.hdf5');
  const demo = (T: number, e: number, done: boolean) =>
    group({
      obs: group({ pos: ds(stateRows(T, e), [T, 2]) }),
      actions: ds(new Float32Array(T), [T, 1]),
      rewards: ds(new Float32Array(T), [T]),
      dones: ds(BigInt64Array.from({ length: T }, (_, t) => (done && t === T - 1 ? 1n : 0n)), [T]),
    });
  await writeH5(f, group({
    data: group({ demo_0: demo(4, 0, true), demo_1: demo(3, 1, false), demo_2: demo(5, 2, true), demo_10: demo(2, 10, true) }),
    mask: group({ '20_percent_train': ds(['demo_0', 'demo_1'], [2]), '20_percent_valid': ds(['demo_10'], [1]), train: ds(['demo_2'], [1]) }),
  }));
  const d = await loadDataset(f, { split: '20_percent_train' });
  assert.deepEqual(d.episodes.map((e) => [e.id, e.split, e.length, e.terminal]), [[0, 'train', 4, true], [1, 'train', 2, false], [10, 'valid', 2, true]]);
  const b = d.gather(d.indices('all'));
  const { stateMean: m, stateStd: s } = d.stats;
  const got = Array.from(d.indices('all'), (_, k) => [...te(b.state as Float32Array, m, s, 2, k), ...te(b.nextState as Float32Array, m, s, 2, k), b.notDone[k]]);
  assert.deepEqual(got, [
    [0, 0, 1, 0, 1], [1, 0, 2, 0, 1], [2, 0, 3, 0, 1], [3, 0, 3, 0, 0],
    [0, 1, 1, 1, 1], [1, 1, 2, 1, 1],
    [0, 10, 1, 10, 1], [1, 10, 1, 10, 0],
  ]);
  d.close();
  // default: mask/train exists, no mask/valid → a valid fraction of the train demos (only demo_2 here: it stays)
  const dflt = await loadDataset(f);
  assert.deepEqual(dflt.episodes.map((e) => [e.id, e.split]), [[2, 'train']]);
  dflt.close();
});

test('minari nested dict observations are keyed by their path inside observations/', async () => {
  const f = join(dir, 'minari-nested.hdf5');
  const ep = (T: number, e: number) =>
    group({
      observations: group({ robot: group({ joints: ds(stateRows(T + 1, e), [T + 1, 2]) }), goal: ds(new Float64Array(T + 1), [T + 1]) }),
      actions: ds(new Float32Array(T * 2), [T, 2]),
      rewards: ds(new Float64Array(T), [T]),
      terminations: ds(new Int8Array(T), [T]),
      truncations: ds(Int8Array.from({ length: T }, (_, t) => (t === T - 1 ? 1 : 0)), [T]),
    });
  await writeH5(f, group({ episode_0: ep(3, 0), episode_1: ep(2, 1) }));
  const d = await loadDataset(f, { stateKeys: ['robot/joints'] });
  assert.deepEqual(d.spec.stateKeys, ['robot/joints']);
  assert.equal(d.numTransitions, 5);
  const all = await loadDataset(f);
  assert.deepEqual(all.spec.stateKeys, ['goal', 'robot/joints']);
  assert.deepEqual(all.spec.stateDims, [1, 2]);
});

test('d3rlpy: a terminal on an episode\'s last row makes the transition into it terminal', async () => {
  const f = join(dir, 'd3rlpy-terminal.h5');
  // episode 0: rows 0-3 ending in a terminal; episode 1: rows 4-6 ending by time limit
  await writeH5(f, group({
    observations: ds(Float32Array.from({ length: 7 * 2 }, (_, i) => (i % 2 === 0 ? Math.floor(i / 2) : 0)), [7, 2]),
    actions: ds(new Float32Array(7), [7, 1]),
    rewards: ds(Float32Array.from([1, 2, 3, 4, 5, 6, 7]), [7]),
    terminals: ds(Float32Array.from([0, 0, 0, 1, 0, 0, 0]), [7]),
    episode_terminals: ds(Float32Array.from([0, 0, 0, 1, 0, 0, 1]), [7]),
  }));
  const d = await loadDataset(f, { validFraction: 0 });
  assert.equal(d.layout, 'd3rlpy');
  const { obs, next, notDone } = d.transitionFrames();
  assert.deepEqual([Array.from(obs), Array.from(next), Array.from(notDone)], [[0, 1, 2, 4, 5], [1, 2, 3, 5, 6], [1, 1, 0, 1, 1]]);
  assert.deepEqual(Array.from(d.rawRewards()), [1, 2, 3, 5, 6]);
  assert.deepEqual(d.episodes.map((e) => e.terminal), [true, false]);
});

test('--layout overrides detection (Pendulum read as flat D4RL: one episode, no episode_terminals)', async () => {
  const d = await loadDataset(fixture('real/d3rlpy-pendulum-random-v1.h5'), { layout: 'd4rl' });
  assert.equal(d.layout, 'd4rl');
  assert.equal(d.episodes.length, 1);
  assert.equal(d.numTransitions, 99499);
  d.close();
});
