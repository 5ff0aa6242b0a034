// Normalisation and splits against hand-computed numbers (the official LAPO formulas in src/data/normalize.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadDataset } from '../../src/data/load.js';
import { MomentAccumulator, rewardScale, valueBounds, zscore } from '../../src/data/normalize.js';
import { assignSplits, validCount } from '../../src/data/split.js';
import { tempDir, writeD4rl } from './helpers.js';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('moments: population std (numpy ddof 0), weighted rows, large offsets without cancellation', () => {
  const acc = new MomentAccumulator(2);
  acc.add([1, 10, 2, 20, 3, 30, 4, 40], 4, () => 1);
  const r = acc.result();
  close(r.mean[0], 2.5);
  close(r.std[0], Math.sqrt(1.25));
  close(r.mean[1], 25);
  close(r.std[1], Math.sqrt(125));
  const w = new MomentAccumulator(1);
  w.add([1, 5, 9], 3, (i) => [2, 0, 1][i]); // rows 1, 1, 9
  close(w.result().mean[0], 11 / 3);
  close(w.result().std[0], Math.sqrt(((1 - 11 / 3) ** 2 * 2 + (9 - 11 / 3) ** 2) / 3));
  const big = new MomentAccumulator(1);
  big.add([1e8 + 1, 1e8 + 2, 1e8 + 3], 3, () => 1);
  close(big.result().std[0], Math.sqrt(2 / 3), 1e-9);
});

test('zscore is (x - mean) / (std + 1e-6)', () => {
  const x = Float32Array.from([3, -1, 5, 7]);
  zscore(x, [1, 2], [2, 0]);
  assert.deepEqual(Array.from(x), [Math.fround(2 / (2 + 1e-6)), Math.fround(-3 / 1e-6), Math.fround(4 / (2 + 1e-6)), Math.fround(5 / 1e-6)]);
});

test('reward scale and value bounds per mode, as main_d4rl.py derives them', () => {
  const r = [0.5, 2, -1];
  const idx = [0, 1, 2];
  assert.equal(rewardScale('max', r, idx), 0.5);
  const b = valueBounds('max', 0.5, r, idx, 0.99);
  close(b.minV, -0.5 / (1 - 0.99));
  close(b.maxV, 1 / (1 - 0.99));
  assert.equal(rewardScale('antmaze', r, idx), 100);
  assert.deepEqual(valueBounds('antmaze', 100, r, idx, 0.99), { minV: 0, maxV: 100 });
  assert.equal(rewardScale('none', r, idx), 1);
  close(valueBounds('none', 1, r, idx, 0.9).maxV, 2 / (1 - 0.9));
  // with true terminals a value can be one reward: all-negative rewards keep maxV = max r (not max r / (1 - γ),
  // which would clamp every value near the goal); without terminals the official bounds hold
  const neg = [-0.5, -0.25, -1];
  const official = valueBounds('none', 1, neg, idx, 0.99);
  close(official.maxV, -0.25 / (1 - 0.99));
  const withTerminals = valueBounds('none', 1, neg, idx, 0.99, true);
  close(withTerminals.maxV, -0.25);
  close(withTerminals.minV, -1 / (1 - 0.99));
  const pos = valueBounds('none', 1, [0.5, 2], [0, 1], 0.99, true);
  close(pos.minV, 0.5);
  close(pos.maxV, 2 / (1 - 0.99));
  // all rewards negative: divide by max|r| (the official r / max would flip every sign)
  assert.equal(rewardScale('max', [-2, -4], [0, 1]), 0.25);
  assert.equal(rewardScale('max', [0, 0], [0, 1]), 1);
  // only the split's indices count
  assert.equal(rewardScale('max', [0.5, 2, -1], [0, 2]), 2);
});

test('episode split: ceil(fraction × episodes), at least one training episode, seeded', () => {
  assert.deepEqual([validCount(3, 0.1), validCount(10, 0.1), validCount(25, 0.1), validCount(1, 0.5), validCount(2, 0.9), validCount(9, 0)], [1, 1, 3, 0, 1, 0]);
  const eps = Array.from({ length: 20 }, (_, i) => ({ id: i, name: `e${i}`, start: i * 5, length: 5, terminal: false }));
  const a = assignSplits(eps, { validFraction: 0.25, seed: 1 });
  assert.deepEqual(a, assignSplits(eps, { validFraction: 0.25, seed: 1 }));
  assert.equal(a.filter((e) => e.split === 'valid').length, 5);
  const b = assignSplits(eps, { validFraction: 0.25, seed: 2 });
  assert.notDeepEqual(a.map((e) => e.split), b.map((e) => e.split));
  const m = assignSplits(eps, { validFraction: 0.25, seed: 1, validNames: new Set(['e3', 'e7']) });
  assert.deepEqual(m.filter((e) => e.split === 'valid').map((e) => e.id), [3, 7]);
});

test('loaded batches: actions and state z-scored with training statistics, rewards scaled by the mode', async () => {
  const f = join(tempDir(), 'norm.h5');
  await writeD4rl(f, { episodes: [5, 4] });
  const d = await loadDataset(f, { validFraction: 0 });
  // rows: (t, e) for t < 5, e = 0 then t < 4, e = 1; every step kept (terminal ends)
  const t = [0, 1, 2, 3, 4, 0, 1, 2, 3];
  const e = [0, 0, 0, 0, 0, 1, 1, 1, 1];
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const std = (v: number[]) => Math.sqrt(mean(v.map((x) => (x - mean(v)) ** 2)));
  close(d.stats.actionMean[0], mean(t.map((x) => x + 0.5)));
  close(d.stats.actionStd[1], std(e.map((x) => x - 1)));
  close(d.stats.stateMean[1], mean(e));
  const b = d.gather(new Int32Array([6]));
  close(b.action[0], Math.fround((1.5 - mean(t.map((x) => x + 0.5))) / (std(t) + 1e-6)), 1e-6);
  close((b.state as Float32Array)[0], Math.fround((1 - mean(t)) / (std(t) + 1e-6)), 1e-6);
  close(b.reward[0], Math.fround(1.01 / 1.03), 1e-6); // reward t/100 + e: row 6 is 1.01, the max is 1.03
  d.close();
  const ant = await loadDataset(f, { validFraction: 0, rewardMode: 'antmaze' });
  close(ant.gather(new Int32Array([6])).reward[0], Math.fround(1.01 * 100), 1e-6);
  assert.deepEqual([ant.stats.minV, ant.stats.maxV], [0, 100]);
  ant.close();
});
