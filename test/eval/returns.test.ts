import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addBootstrap, errorStats, excludeHorizon, monteCarloReturns } from '../../src/eval/returns.js';
import { pickFrames, encodeStrip } from '../../src/eval/frames-png.js';
import { subsample } from '../../src/eval/offline.js';
import type { EpisodeInfo } from '../../src/data/types.js';
import { PNG } from 'pngjs';

const ep = (id: number, start: number, length: number, terminal: boolean): EpisodeInfo => ({ id, start, length, terminal, split: 'valid' });

test('Monte-Carlo returns: exact for terminal episodes, truncated tails excluded or bootstrapped', () => {
  // Episode 0 (terminal): rewards 1, 2, 3 with γ = 0.5 → G = 1 + 0.5·2 + 0.25·3 = 2.75, 2 + 1.5 = 3.5, 3.
  // Episode 1 (time limit): rewards 4, 5.
  const rewards = [1, 2, 3, 4, 5];
  const eps = [ep(0, 0, 3, true), ep(1, 3, 2, false)];
  const ex = monteCarloReturns(eps, rewards, 0.5, 'exclude', 5);
  assert.deepEqual(Array.from(ex.returns.slice(0, 3)), [2.75, 3.5, 3]);
  // H = ceil(ln 0.05 / ln 0.5) = 5 steps ahead needed: the 2-step truncated episode is left out entirely.
  assert.equal(excludeHorizon(0.5), 5);
  assert.deepEqual(Array.from(ex.valid), [1, 1, 1, 0, 0]);
  const bs = monteCarloReturns(eps, rewards, 0.5, 'bootstrap', 5);
  // Row 3: r = 4, then γ·V(s_4) in place of row 4's reward; row 4 itself is not scored.
  assert.deepEqual(Array.from(bs.valid), [1, 1, 1, 1, 0]);
  addBootstrap(bs, (t) => (t === 4 ? 10 : NaN));
  assert.equal(bs.returns[3], 4 + 0.5 * 10);
  assert.deepEqual(Array.from(bs.returns.slice(0, 3)), [2.75, 3.5, 3]);
  // A long truncated episode keeps only rows far enough from its cut (γ = 0.9: H = 29).
  const long = monteCarloReturns([ep(0, 0, 40, false)], new Array(40).fill(1), 0.9, 'exclude', 40);
  assert.equal(excludeHorizon(0.9), 29);
  assert.equal(long.valid.reduce((a, b) => a + b, 0), 40 - 29 + 1);
  assert.ok(Math.abs(long.returns[0] - (1 - 0.9 ** 40) / 0.1) < 1e-12);
});

test('error statistics: MSE, Pearson r and target variance by hand', () => {
  const e = errorStats([1, 2, 3, 4], [2, 4, 6, 8]);
  assert.equal(e.mse, (1 + 4 + 9 + 16) / 4);
  assert.ok(Math.abs(e.pearson - 1) < 1e-12);
  assert.equal(e.targetVar, 5);
  const anti = errorStats([1, 2, 3], [3, 2, 1]);
  assert.ok(Math.abs(anti.pearson + 1) < 1e-12);
  assert.ok(Number.isNaN(errorStats([1, 1], [2, 3]).pearson), 'a constant prediction has no correlation');
  assert.equal(errorStats([], []).n, 0);
});

test('validation subsampling is deterministic and evenly spread', () => {
  const idx = Int32Array.from({ length: 100 }, (_, i) => i * 2);
  assert.deepEqual(Array.from(subsample(idx, 4)), [0, 50, 100, 150]);
  assert.equal(subsample(idx, 1000), idx);
});

test('frame strips: first and last frames kept, PNG decodes to the drawn pixels', () => {
  assert.deepEqual(pickFrames(5, 16), [0, 1, 2, 3, 4]);
  const p = pickFrames(100, 4);
  assert.deepEqual([p[0], p[p.length - 1]], [0, 99]);
  const S = 4;
  const frames = [new Uint8Array(S * S * 3).fill(10), new Uint8Array(S * S * 3).fill(200)];
  const png = PNG.sync.read(encodeStrip(frames, S, { frameHeight: 8 }));
  // Two 8-px frames (scale 2) and a 2-px white gutter.
  assert.equal(png.width, 8 + 2 + 8);
  assert.equal(png.height, 8);
  assert.deepEqual(Array.from(png.data.slice(0, 3)), [10, 10, 10]);
  assert.deepEqual(Array.from(png.data.slice(8 * 4, 8 * 4 + 3)), [255, 255, 255]);
  assert.deepEqual(Array.from(png.data.slice(17 * 4, 17 * 4 + 3)), [200, 200, 200]);
});
