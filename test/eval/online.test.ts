import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../src/env/generate.js';
import { loadDataset } from '../../src/data/load.js';
import { evaluateOnline, type ObsBatch } from '../../src/eval/online.js';
import { normalizedScore } from '../../src/env/reference.js';
import { parseTaskId } from '../../src/env/tasks.js';

test('online episode i starts like dataset episode i, and a resized run sees the loader’s resized frames', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lapo-online-'));
  try {
    const file = join(dir, 'm.h5');
    await generateDataset({ task: 'maze2d-medium-sparse-v0', policy: 'expert', episodes: 2, imageSize: 32, seed: 5, out: file, progress: false });
    const ds = await loadDataset(file, { imageSize: 16, validFraction: 0 });
    const first = ds.gather(Int32Array.of(ds.episodes[1].start));
    let seen: ObsBatch | null = null;
    evaluateOnline(parseTaskId('maze2d-medium-sparse-v0'), (obs) => {
      seen ??= { size: obs.size, image: obs.image.slice(), state: obs.state.slice() };
      return new Float32Array(obs.size * 2);
    }, { episodes: 2, seed: 5, imageSize: 16, renderSize: 32 });
    const s = seen as unknown as ObsBatch;
    assert.deepEqual(Array.from(s.image.subarray(16 * 16 * 3)), Array.from(first.image!));
    const raw = Array.from(first.state!, (v, d) => v * ds.stats.stateStd[d] + ds.stats.stateMean[d]);
    raw.forEach((v, d) => assert.ok(Math.abs(v - s.state[4 + d]) < 1e-5));
    ds.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('online results: deterministic per seed, per-episode scores consistent with the mean', () => {
  const task = parseTaskId('maze2d-umaze-dense-v0');
  // A fixed "go right and down" policy: some episodes reach the goal, most time out.
  const policy = (obs: ObsBatch) => Float32Array.from({ length: obs.size * 2 }, (_, i) => (i % 2 === 0 ? 1 : 0.5));
  const a = evaluateOnline(task, policy, { episodes: 12, seed: 3, imageSize: 16 });
  const b = evaluateOnline(task, policy, { episodes: 12, seed: 3, imageSize: 16 });
  assert.deepEqual(a.returns, b.returns);
  assert.equal(a.returns.length, 12);
  assert.ok(a.lengths.every((l, i) => (a.successes[i] ? l <= task.maxSteps : l === task.maxSteps)));
  const mean = a.returns.reduce((x, y) => x + y, 0) / 12;
  assert.ok(Math.abs(a.returnMean - mean) < 1e-12);
  assert.ok(Math.abs(a.normalizedScore - normalizedScore(task, mean)) < 1e-9);
  assert.equal(a.successRate, a.successes.filter(Boolean).length / 12);
  const c = evaluateOnline(task, policy, { episodes: 12, seed: 4, imageSize: 16 });
  assert.notDeepEqual(a.returns, c.returns);
});
