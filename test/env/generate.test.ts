import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../src/env/generate.js';
import { H5Reader } from '../../src/data/h5.js';
import { referenceReturns } from '../../src/env/reference.js';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'lapo-gen-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('a generated file has the D4RL flat layout, consistent episode ends and the task attributes', async () => {
  const out = join(dir, 'umaze-mixed.h5');
  const r = await generateDataset({ task: 'maze2d-umaze-dense-v0', policy: 'mixed', episodes: 12, imageSize: 16, seed: 3, out, progress: false });
  const f = await H5Reader.open(out);
  try {
    const N = r.transitions;
    assert.deepEqual(f.info('observations/image').shape, [N, 16, 16, 3]);
    assert.equal(f.info('observations/image').dtype, 'uint8');
    assert.deepEqual(f.info('observations/state').shape, [N, 4]);
    assert.deepEqual(f.info('actions').shape, [N, 2]);
    for (const k of ['rewards', 'terminals', 'timeouts']) assert.deepEqual(f.info(k).shape, [N], k);
    const term = f.readFloat64('terminals');
    const tout = f.readFloat64('timeouts');
    const ends = [...term.keys()].filter((i) => term[i] + tout[i] > 0);
    assert.equal(ends.length, 12, 'one end flag per episode');
    assert.equal(ends[ends.length - 1], N - 1, 'the file ends with an episode end');
    assert.ok(term.every((v, i) => v === 0 || tout[i] === 0), 'never both flags');
    const acts = f.readFloat64('actions');
    assert.ok(acts.every((a) => a >= -1 && a <= 1));
    // Rewards recompute from states: a transition's reward is exp(−‖p' − g‖) − 1 where p' is the next row's position.
    const st = f.readFloat64('observations/state');
    const goal = f.readFloat64('infos/goal');
    const rew = f.readFloat64('rewards');
    for (let i = 0; i < N - 1; i++) {
      if (ends.includes(i) || term[i] === 1) continue;
      const d = Math.hypot(st[(i + 1) * 4] - goal[i * 2], st[(i + 1) * 4 + 1] - goal[i * 2 + 1]);
      assert.ok(Math.abs(rew[i] - (Math.exp(-d) - 1)) < 1e-6, `row ${i}`);
    }
    assert.equal(f.attr('/', 'task'), 'maze2d-umaze-dense-v0');
    assert.equal(f.attr('/', 'task_version'), 0);
    assert.equal(f.attr('/', 'policy'), 'mixed');
    assert.equal(f.attr('/', 'image_size'), 16);
    const ref = referenceReturns('maze2d-umaze-dense-v0');
    assert.equal(f.attr('/', 'ref_random_return'), ref.random.returnMean);
    assert.equal(f.attr('/', 'ref_expert_return'), ref.expert.returnMean);
    assert.equal(Object.values(r.componentCounts).reduce((a, b) => a + b, 0), 12);
  } finally {
    f.close();
  }
  assert.deepEqual(readdirSync(dir).filter((n) => n.includes('.tmp-')), [], 'no temp file left behind');
});

test('the same seed writes the same data', async () => {
  const a = join(dir, 'a.h5');
  const b = join(dir, 'b.h5');
  await generateDataset({ task: 'maze2d-open-sparse-v0', policy: 'noisy-expert', episodes: 4, imageSize: 16, seed: 9, out: a, progress: false });
  await generateDataset({ task: 'maze2d-open-sparse-v0', policy: 'noisy-expert', episodes: 4, imageSize: 16, seed: 9, out: b, progress: false });
  const [fa, fb] = await Promise.all([H5Reader.open(a), H5Reader.open(b)]);
  try {
    for (const k of ['observations/image', 'observations/state', 'actions', 'rewards', 'terminals', 'timeouts']) {
      assert.deepEqual(fa.read(k), fb.read(k), k);
    }
  } finally {
    fa.close();
    fb.close();
  }
});

test('lapo dataset generate: flags, one-line errors, nothing written on a bad task', () => {
  const out = join(dir, 'cli.h5');
  const ok = runCli(['dataset', 'generate', '--task', 'maze2d-open-dense-v0', '--policy', 'expert:1,random:1', '--episodes', '3', '--image-size', '16', '--out', out]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /3 episodes, \d+ transitions/);
  assert.ok(existsSync(out));
  const bad = runCli(['dataset', 'generate', '--task', 'maze2d-tiny-dense-v0', '--out', join(dir, 'bad.h5')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^lapo: --task: expected one of maze2d-open-dense-v0\|.*found "maze2d-tiny-dense-v0"\n$/);
  assert.ok(!existsSync(join(dir, 'bad.h5')));
});
