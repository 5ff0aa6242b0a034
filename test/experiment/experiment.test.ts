import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readOutcome, summarizeArm, markdownTable } from '../../src/experiment/summary.js';
import { parseArms } from '../../src/experiment/arms.js';
import { runExperiment } from '../../src/experiment/runner.js';
import { useCpuBackend } from '../helpers/backend.js';
import { writeEval } from './eval-csv.js';


test('outcome: first step under the Q threshold, final numbers average the last rows', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lapo-exp-'));
  // step, episodes, return_mean, return_std, seed, score, success, action_mse, q_mse, q_mse_rel
  writeEval(dir, [
    [100, 5, 1, 0, 0, 10, 0.1, 0.5, 0.9, 0.9],
    [200, 5, 1, 0, 0, 20, 0.2, 0.4, 0.04, 0.5],
    [300, 5, 1, 0, 0, 40, 0.4, 0.2, 0.02, 0.3],
  ]);
  // threshold on q_mse_rel: 0.9, 0.5, 0.3 -> first below 0.6 is step 200
  const o = readOutcome(dir, 'critic-shift', 0, 0.6, 2)!;
  assert.equal(o.stepsToQThreshold, 200);
  assert.equal(o.lastStep, 300);
  assert.ok(Math.abs(o.finalQMse - 0.03) < 1e-12);
  assert.ok(Math.abs(o.finalQMseRel - 0.4) < 1e-12);
  assert.ok(Math.abs(o.finalScore - 30) < 1e-12);
  assert.ok(Math.abs(o.finalActionMse - 0.3) < 1e-12);
  assert.equal(readOutcome(dir, 'x', 0, 0.2, 2)!.stepsToQThreshold, null);
});

test('arm summary: t interval across seeds, unreached runs count as the budget', () => {
  const mk = (q: number, hit: number | null) => ({
    arm: 'a', seed: 0, runDir: '', lastStep: 1000, stepsToQThreshold: hit,
    finalQMse: q, finalQMseRel: q, finalScore: 50, finalSuccessRate: 0.5, finalActionMse: 0.1,
  });
  const s = summarizeArm('a', [mk(1, 100), mk(2, 300), mk(3, null)], 1000);
  assert.equal(s.reachedThreshold, 2);
  assert.ok(Math.abs(s.stepsToQThreshold.mean - (100 + 300 + 1000) / 3) < 1e-9);
  assert.equal(s.finalQMse.mean, 2);
  // sd = 1, n = 3: half width = 4.303 / sqrt(3)
  assert.ok(Math.abs(s.finalQMse.hi! - (2 + 4.303 / Math.sqrt(3))) < 1e-9);
  const md = markdownTable([s], 0.05, 1000);
  assert.match(md, /\| a \| 3 \| 467 \[/);
  assert.match(md, /\(2\/3\)/);
});

test('an unknown arm is one usage line naming --arms', () => {
  assert.throws(() => parseArms(['critic-shift', 'nope']), /--arms: expected names from .*found "nope"/);
});

test('experiment end to end (tiny): runs, skips completed runs on rerun, writes results and plots', async () => {
  await useCpuBackend();
  const dir = mkdtempSync(join(tmpdir(), 'lapo-exp-e2e-'));
  const opts = {
    dir,
    arms: parseArms(['critic-shift', 'frozen-shift']),
    seeds: 1,
    task: 'maze2d-open-dense-v0',
    policy: 'mixed',
    datasetEpisodes: 12,
    imageSize: 16,
    steps: 6,
    evalEvery: 3,
    evalEpisodes: 2,
    batchSize: 8,
    qThreshold: 1e9,
    finalEvals: 1,
    base: { hidden: [16, 16], featureDim: 16, convChannels: 4, convStrides: [2, 1], stateHidden: 8 },
    backend: null,
    log: () => {},
  };
  const r = await runExperiment(opts);
  assert.deepEqual(r.summaries.map((s) => s.arm), ['critic-shift', 'frozen-shift']);
  for (const s of r.summaries) {
    assert.equal(s.seeds, 1);
    assert.equal(s.reachedThreshold, 1);
    assert.equal(s.stepsToQThreshold.mean, 3);
    assert.ok(Number.isFinite(s.finalQMse.mean) && Number.isFinite(s.finalScore.mean));
  }
  for (const f of ['results.md', 'results.json', 'q_mse.svg', 'score.svg']) assert.ok(existsSync(join(dir, f)), f);
  assert.match(readFileSync(join(dir, 'results.md'), 'utf8'), /critic-shift/);
  const metrics = join(dir, 'runs', 'critic-shift-s0', 'metrics.csv');
  const before = statSync(metrics).mtimeMs;
  await runExperiment(opts); // everything completed: nothing retrains
  assert.equal(statSync(metrics).mtimeMs, before);
});
