// The benchmark suite: per-run outcomes against the data's score (steps to reach it, best, end − best), and a real
// two-cell, two-arm suite of tiny runs as `lapo train` processes: run folders, the report, and a rerun that skips
// what is done.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSuiteRun } from '../../src/experiment/suite-report.js';
import { runSuite, suiteJobs } from '../../src/experiment/suite.js';
import { SUITES, SUITE_ARMS, pick, type SuiteCell } from '../../src/experiment/suite-def.js';
import { TINY } from '../run/fixtures.js';
import { parseConfig } from '../../src/config/schema.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { writeEval } from './eval-csv.js';


test('a run against the data: first step at or above its score, best evaluation, and what the end lost', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lapo-suite-'));
  writeEval(dir, [
    [100, 5, 1, 0, 0, 40, 0.4, 0.5, 9, 0.9],
    [200, 5, 1, 0, 0, 91, 0.9, 0.4, 4, 0.5],
    [300, 5, 1, 0, 0, 97, 1.0, 0.2, 2, 0.3],
    [400, 5, 1, 0, 0, 93, 0.9, 0.3, 3, 0.4],
  ]);
  const r = readSuiteRun(dir, 'c', 'a', 0, 400, 2, 90)!;
  assert.equal(r.stepsToData, 200);
  assert.equal(r.bestScore, 97);
  assert.equal(r.endMinusBest, 93 - 97);
  assert.equal(r.finalScore, (97 + 93) / 2);
  assert.ok(Math.abs(r.finalQMseRel - 0.35) < 1e-12);
  assert.equal(r.completed, false, 'no meta.json: not a completed run');
  assert.equal(readSuiteRun(dir, 'c', 'a', 0, 400, 2, 98)!.stepsToData, null);
});

test('suite pixels: four cells, BC among the arms, seed-major order, unknown names refused', () => {
  const s = SUITES.pixels;
  assert.deepEqual(s.cells.map((c) => c.name), ['umaze-mixed', 'umaze-suboptimal', 'medium-mixed', 'medium-suboptimal']);
  assert.ok(s.arms.some((a) => a.overrides.algo === 'bc'));
  const jobs = suiteJobs({ dir: '/x', cells: [...s.cells.slice(0, 2)], arms: pick(SUITE_ARMS, ['bc', 'lapo-critic'], '--arms'), seeds: 2 });
  assert.deepEqual(
    jobs.map((j) => `${j.cell.name}/${j.arm.name}-s${j.seed}`),
    ['umaze-mixed/bc-s0', 'umaze-mixed/lapo-critic-s0', 'umaze-suboptimal/bc-s0', 'umaze-suboptimal/lapo-critic-s0', 'umaze-mixed/bc-s1', 'umaze-mixed/lapo-critic-s1', 'umaze-suboptimal/bc-s1', 'umaze-suboptimal/lapo-critic-s1'],
  );
  assert.throws(() => pick(SUITE_ARMS, ['bc', 'dqn'], '--arms'), /^LapoError: --arms: expected names from bc\|.*, found "dqn"$/);
});

test("the suite's default arm is lapo's default configuration, so its targets speak for what users get", () => {
  const s = SUITES.pixels;
  const arm = s.arms.find((a) => a.name === s.defaultArm)!;
  const data = { hasImages: true, actionDim: 2 };
  const resolved = (extra: object) => resolveConfig(parseConfig({ dataset: 'd.h5', ...extra }, 'test'), data);
  assert.deepEqual(resolved(arm.overrides), resolved({}));
  assert.ok(s.arms.some((a) => a.name === s.baselineArm && a.overrides.algo === 'bc'));
});

test('a tiny suite runs as lapo train processes, reports every arm beside the data score, a rerun skips it, a larger budget extends it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lapo-suite-run-'));
  const cells: SuiteCell[] = [
    { name: 'open-a', task: 'maze2d-open-dense-v0', policy: 'mixed', episodes: 12, imageSize: 16, steps: 4 },
    { name: 'open-b', task: 'maze2d-open-dense-v0', policy: 'random', episodes: 12, imageSize: 16, steps: 4 },
  ];
  const lines: string[] = [];
  const o = {
    dir,
    suite: 'test',
    cells,
    arms: pick(SUITE_ARMS, ['bc', 'lapo-critic'], '--arms'),
    seeds: 1,
    steps: null,
    evalEvery: 2,
    evalEpisodes: 2,
    finalEvals: 1,
    dataSeed: 1,
    jobs: 2,
    threads: 1,
    backend: 'cpu',
    base: { ...TINY, imageSize: null },
    log: (l: string) => lines.push(l),
  };
  const r = await runSuite(o);
  assert.deepEqual(r.failed, []);
  for (const c of cells) {
    for (const arm of ['bc', 'lapo-critic']) {
      const run = join(dir, c.name, 'runs', `${arm}-s0`);
      const meta = JSON.parse(readFileSync(join(run, 'meta.json'), 'utf8')) as { status: string };
      assert.equal(meta.status, 'completed', `${c.name}/${arm}`);
      const cfg = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as { algo: string; augment: string; steps: number };
      assert.equal(cfg.algo, arm === 'bc' ? 'bc' : 'lapo');
      assert.equal(cfg.augment, 'none');
      assert.equal(cfg.steps, 4);
    }
  }
  const md = readFileSync(join(dir, 'results.md'), 'utf8');
  assert.match(md, /## open-a: maze2d-open-dense-v0, behaviour `mixed`, 12 episodes at 16 px, 4 steps per run/);
  assert.match(md, /The data's own normalised score: \*\*-?\d+\.\d\*\*/);
  assert.match(md, /\n\| bc \| 1 \| -?\d+\.\d \|.*\| n\/a \|/);
  assert.match(md, /\n\| lapo-critic \| 1 \| -?\d+\.\d \|/);
  assert.ok(existsSync(join(dir, 'open-a', 'curves.png')));
  const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { outcomes: unknown[] };
  assert.equal(json.outcomes.length, 4);
  lines.length = 0;
  await runSuite(o);
  assert.ok(lines.some((l) => l.includes('0 runs to go')), lines.join('\n'));
  assert.ok(!lines.some((l) => l.includes('starting')));
  // a larger budget continues the completed runs from their checkpoints instead of starting them again
  lines.length = 0;
  await runSuite({ ...o, steps: 6, cells: cells.slice(0, 1), arms: pick(SUITE_ARMS, ['bc'], '--arms') });
  assert.ok(lines.some((l) => l.includes('resuming open-a/bc-s0 to step 6')), lines.join('\n'));
  const meta = JSON.parse(readFileSync(join(dir, 'open-a', 'runs', 'bc-s0', 'meta.json'), 'utf8')) as { status: string; checkpointStep: number };
  assert.deepEqual([meta.status, meta.checkpointStep], ['completed', 6]);
});
