// Real datasets published by other projects (../shared/fixtures/real): Minari D4RL/door/human-v2 and d3rlpy's
// Pendulum random v1. Expected numbers come from their own metadata and are recomputed from the raw arrays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { H5Reader } from '../../src/data/h5.js';
import { loadDataset } from '../../src/data/load.js';
import { fixture } from './helpers.js';

test('Minari door human-v2: 25 episodes in numeric order, 6729 steps, no terminations, next = observation t+1', async () => {
  const file = fixture('real/minari-d4rl-door-human-v2.hdf5');
  const ds = await loadDataset(file, { validFraction: 0 });
  assert.equal(ds.layout, 'minari');
  assert.equal(ds.episodes.length, 25);
  assert.deepEqual(ds.episodes.map((e) => e.id), [...Array(25).keys()]);
  assert.equal(ds.numTransitions, 6729);
  assert.equal(ds.actionDim, 28);
  assert.deepEqual(ds.spec.stateKeys, ['observations']);
  assert.deepEqual(ds.spec.stateDims, [39]);
  assert.equal(ds.spec.imageSize, null);
  const all = ds.gather(ds.indices('all'));
  assert.equal(all.image, null);
  assert.ok(all.notDone.every((x) => x === 1), 'door human has no terminations');

  // episode_10 (the 11th by number, listed 3rd by HDF5): its transitions against the raw file, normalised by hand
  const r = await H5Reader.open(file);
  const ep = ds.episodes[10];
  const obs = r.readFloat64('episode_10/observations');
  const T = r.info('episode_10/actions').shape[0];
  assert.equal(ep.length, T);
  assert.equal(obs.length, (T + 1) * 39);
  const { stateMean: m, stateStd: s } = ds.stats;
  const b = ds.gather(Int32Array.from({ length: T }, (_, t) => ep.start + t));
  for (const t of [0, 1, T - 2, T - 1]) {
    for (const j of [0, 17, 38]) {
      const want = (Math.fround(obs[t * 39 + j]) - m[j]) / (s[j] + 1e-6);
      const wantNext = (Math.fround(obs[(t + 1) * 39 + j]) - m[j]) / (s[j] + 1e-6);
      assert.ok(Math.abs((b.state as Float32Array)[t * 39 + j] - want) < 1e-4, `t=${t} j=${j}`);
      assert.ok(Math.abs((b.nextState as Float32Array)[t * 39 + j] - wantNext) < 1e-4, `next t=${t} j=${j}`);
    }
  }
  r.close();
  ds.close();
});

test('d3rlpy Pendulum v1: time-limit ends only, transitions row→row+1 inside episodes, official statistics', async () => {
  const file = fixture('real/d3rlpy-pendulum-random-v1.h5');
  const ds = await loadDataset(file, { validFraction: 0 });
  assert.equal(ds.layout, 'd3rlpy');
  assert.equal(ds.episodes.length, 500);
  assert.ok(ds.episodes.every((e) => !e.terminal && e.length === 198));
  assert.equal(ds.numTransitions, 99000);
  const r = await H5Reader.open(file);
  const epEnd = r.readFloat64('episode_terminals');
  const obsRaw = r.readFloat64('observations');
  const actRaw = r.readFloat64('actions');
  const { obs, next, notDone } = ds.transitionFrames();
  for (let i = 0; i < obs.length; i++) {
    assert.equal(next[i], obs[i] + 1);
    assert.equal(epEnd[obs[i]], 0, `transition ${i} starts at an episode's last row`);
    assert.equal(notDone[i], 1);
  }
  // official LAPO statistics: np.mean / np.std (ddof 0) over the transitions' states and actions
  const n = obs.length;
  for (let j = 0; j < 3; j++) {
    let s1 = 0;
    for (let i = 0; i < n; i++) s1 += Math.fround(obsRaw[obs[i] * 3 + j]);
    const mean = s1 / n;
    let s2 = 0;
    for (let i = 0; i < n; i++) s2 += (Math.fround(obsRaw[obs[i] * 3 + j]) - mean) ** 2;
    assert.ok(Math.abs(ds.stats.stateMean[j] - mean) < 1e-9 * Math.max(1, Math.abs(mean)));
    assert.ok(Math.abs(ds.stats.stateStd[j] - Math.sqrt(s2 / n)) < 1e-9);
  }
  let amax = -Infinity;
  for (let i = 0; i < n; i++) amax = Math.max(amax, actRaw[obs[i]]);
  assert.equal(amax, 2);
  // every reward is negative: scale by max|r|, so normalised rewards lie in [-1, 0) and min_v = -1/(1-γ)
  const rw = ds.rawRewards();
  let maxAbs = 0;
  for (const x of rw) maxAbs = Math.max(maxAbs, Math.abs(x));
  assert.ok(Math.abs(ds.stats.rewardScale - 1 / maxAbs) < 1e-12);
  assert.ok(Math.abs(ds.stats.minV - -1 / (1 - 0.99)) < 1e-6);
  assert.ok(ds.stats.maxV < 0);
  r.close();
  ds.close();
});
