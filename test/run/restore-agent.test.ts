// restoreAgent: a LapoAgent saved mid-training comes back identical (same actions, and the same next step:
// weights, optimizer moments and noise RNG), and a checkpoint that does not fit its config is one error line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LapoAgent } from '../../src/algo/agent.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { loadDataset } from '../../src/data/load.js';
import { Rng } from '../../src/util/rng.js';
import { restoreAgent, saveCheckpoint } from '../../src/run/checkpoint.js';
import { loadOptions, trainerRngs } from '../../src/run/session.js';
import { fixture, tempRuns, tinyConfig, useRunBackend } from './fixtures.js';

test('save → restoreAgent gives identical actions and an identical next step', async () => {
  await useRunBackend();
  const cfg0 = tinyConfig(fixture('robomimic-image.hdf5'), { seed: 7 });
  const ds = await loadDataset(cfg0.dataset, loadOptions(cfg0));
  const cfg = resolveConfig(cfg0, { hasImages: true, actionDim: ds.actionDim });
  const a = LapoAgent.create({ spec: ds.spec, actionDim: ds.actionDim, minV: ds.stats.minV, maxV: ds.stats.maxV }, cfg, cfg.seed);
  const rng = new Rng(1);
  for (let i = 0; i < 3; i++) a.step(ds.sample('train', 8, rng));
  const dir = join(tempRuns(), 'checkpoints', 'step_3');
  const { sampler, augment } = trainerRngs(0);
  await saveCheckpoint(dir, a, {
    step: 3, config: { ...cfg }, spec: ds.spec, actionDim: ds.actionDim, stats: ds.stats,
    samplerRng: sampler.getState(), augmentRng: augment.getState(), wallSeconds: 0,
  });
  const r = restoreAgent(dir);
  assert.equal(r.step, 3);
  assert.deepEqual(r.spec, ds.spec);
  assert.deepEqual(r.stats, ds.stats);
  assert.equal(r.config.seed, 7);
  const batch = ds.sample('valid', 8, new Rng(2));
  assert.deepEqual(r.agent.act(batch), a.act(batch));
  const next = ds.sample('train', 8, new Rng(3));
  assert.deepEqual(r.agent.train(next, { measure: true, gradNorms: false }), a.train(next, { measure: true, gradNorms: false }));
  assert.deepEqual(r.agent.act(batch), a.act(batch));
  a.dispose();
  r.agent.dispose();

  // A config edited after the fact builds other shapes: one line naming the weight and both shapes.
  const file = join(dir, 'checkpoint.json');
  const m = JSON.parse(readFileSync(file, 'utf8'));
  m.config.hidden = [16, 32, 32];
  writeFileSync(file, JSON.stringify(m));
  assert.throws(() => restoreAgent(dir), (e: Error) => {
    assert.equal(e.name, 'LapoError');
    assert.match(e.message, /weights\.bin: \S+: expected \[\d+(,\d+)*\] \(from its config\), found \[\d+(,\d+)*\]$/);
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
  m.config.hidden = 'wide';
  writeFileSync(file, JSON.stringify(m));
  assert.throws(() => restoreAgent(dir), /checkpoint\.json: hidden: expected a non-empty list of integers >= 1, found "wide"/);
  ds.close();
});
