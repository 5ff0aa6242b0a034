// One short training run on expert data of the pixel task (16-px frames, small networks), then: lapo eval's
// numbers are finite and equal a recomputation by hand, the trained policy's validation action error is below
// the untrained one's, periodic evaluation wrote eval.csv, and a checkpoint scored on data of another shape gets
// one clear line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTrainingBackend } from '../helpers/backend.js';
import { generateDataset } from '../../src/env/generate.js';
import { train } from '../../src/run/trainer.js';
import { createTrainEvaluator, EVAL_COLUMNS } from '../../src/eval/periodic.js';
import { runEval } from '../../src/eval/run-eval.js';
import { restoreAgent } from '../../src/run/checkpoint.js';
import { evaluateOffline } from '../../src/eval/offline.js';
import { evaluateOnline } from '../../src/eval/online.js';
import { agentPolicy } from '../../src/eval/agent-policy.js';
import { loadDataset } from '../../src/data/load.js';
import { LapoAgent } from '../../src/algo/agent.js';
import { parseConfig, type LapoConfig } from '../../src/config/schema.js';
import { parseTaskId } from '../../src/env/tasks.js';
import { readCsvLog } from '../../src/run/metrics-csv.js';
import { LapoError } from '../../src/errors.js';
import { runCli } from '../env/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'lapo-eval-'));
const data = join(dir, 'open-expert.h5');
let cfg: LapoConfig;
let runDir = '';
let ckptDir = '';

before(async () => {
  await useTrainingBackend();
  await generateDataset({ task: 'maze2d-open-dense-v0', policy: 'expert', episodes: 80, imageSize: 16, seed: 0, out: data, progress: false });
  // Critic and VAE at 1e-3 so that 300 steps visibly teach the decoder; the actor at the default 2e-4 (an actor
  // much faster than its critic chases an untrained Q and moves away from the data).
  cfg = parseConfig(
    {
      dataset: data,
      steps: 300,
      batchSize: 64,
      hidden: [64, 64],
      featureDim: 32,
      convChannels: 8,
      convStrides: [2, 2],
      stateHidden: 16,
      criticLr: 1e-3,
      vaeLr: 1e-3,
      logEvery: 100,
      saveEvery: 0,
      evalEvery: 150,
      evalEpisodes: 4,
      validFraction: 0.2,
      runName: 'short',
    },
    'test',
  );
  const r = await train(cfg, { runsDir: join(dir, 'runs'), quiet: true, handleSignals: false, evaluator: createTrainEvaluator() });
  assert.equal(r.status, 'completed');
  runDir = r.runDir;
  ckptDir = r.checkpointDir;
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('eval numbers are finite and equal a recomputation by hand', async () => {
  const { report, table, file } = await runEval({
    checkpoint: ckptDir, episodes: 4, seed: 1000, frames: join(dir, 'frames.png'), mcTail: 'exclude', offline: true, online: true, backend: null,
  });
  const off = report.offline!;
  const on = report.online!;
  for (const k of ['action_mse', 'recon_mse', 'q_mse', 'q_mse_rel', 'q_pearson', 'v_mse'] as const) assert.ok(Number.isFinite(off[k]), k);
  for (const k of ['return_mean', 'return_std', 'score', 'success_rate'] as const) assert.ok(Number.isFinite(on[k]), k);
  assert.equal(off.split, 'valid');
  assert.match(table, /action_mse/);
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')).offline.q_mse, off.q_mse);
  assert.ok(existsSync(join(dir, 'frames.png')));

  // Recompute: the same agent on the same validation rows, errors summed by hand.
  const ck = restoreAgent(ckptDir, { optimizer: false });
  const ds = await loadDataset(data, { validFraction: 0.2, seed: 0 });
  try {
    const idx = ds.indices('valid');
    assert.equal(off.transitions, idx.length);
    const ev = ck.agent.evaluate(ds.gather(idx));
    const raw = ds.rawActions();
    const rew = ds.rawRewards();
    const s = ck.stats;
    let se = 0;
    for (let i = 0; i < idx.length; i++) {
      for (let d = 0; d < 2; d++) se += (ev.action[i * 2 + d] * s.actionStd[d] + s.actionMean[d] - raw[idx[i] * 2 + d]) ** 2;
    }
    assert.ok(Math.abs(se / (idx.length * 2) - off.action_mse) < 1e-6 * Math.max(1, off.action_mse));
    // Q vs returns: expert episodes all end at the goal, so every validation row has an exact return.
    const G = new Map<number, number>();
    for (const e of ds.episodes.filter((e) => e.split === 'valid')) {
      assert.ok(e.terminal);
      let g = 0;
      for (let t = e.length - 1; t >= 0; t--) G.set(e.start + t, (g = rew[e.start + t] * s.rewardScale + 0.99 * g));
    }
    let qse = 0;
    idx.forEach((t, i) => (qse += (Math.min(ev.q1[i], ev.q2[i]) - G.get(t)!) ** 2));
    assert.equal(off.scored, idx.length);
    assert.ok(Math.abs(qse / idx.length - off.q_mse) < 1e-5 * Math.max(1, off.q_mse));
    // Online: the same seeds replay the same episodes.
    const again = evaluateOnline(parseTaskId('maze2d-open-dense-v0'), agentPolicy(ck.agent, ck.spec, ck.stats, 2), { episodes: 4, seed: 1000, imageSize: 16 });
    assert.deepEqual(again.returns, on.returns);
  } finally {
    ds.close();
    ck.agent.dispose();
  }
});

test('a briefly trained model has a lower validation action error than the untrained one', async () => {
  const ds = await loadDataset(data, { validFraction: 0.2, seed: 0 });
  const ck = restoreAgent(ckptDir, { optimizer: false });
  // The run's step-0 weights: same config, same seed.
  const untrained = LapoAgent.create({ spec: ds.spec, actionDim: 2, minV: ds.stats.minV, maxV: ds.stats.maxV }, cfg, cfg.seed);
  try {
    const o = { split: 'valid' as const, mcTail: 'exclude' as const, discount: 0.99, doubleqMin: 1, stats: ds.stats };
    const before = evaluateOffline(ds, untrained, o);
    const afterTraining = evaluateOffline(ds, ck.agent, o);
    assert.ok(afterTraining.actionMse < 0.97 * before.actionMse, `action_mse ${afterTraining.actionMse} vs untrained ${before.actionMse}`);
    assert.ok(afterTraining.reconMse < 0.7 * before.reconMse, `recon_mse ${afterTraining.reconMse} vs untrained ${before.reconMse}`);
  } finally {
    ds.close();
    untrained.dispose();
    ck.agent.dispose();
  }
});

test('--eval-every wrote eval.csv rows with the evaluator columns', () => {
  const log = readCsvLog(join(runDir, 'eval.csv'));
  assert.deepEqual(log.columns.slice(5), [...EVAL_COLUMNS]);
  assert.deepEqual(log.rows.map((r) => Number(r.step)), [150, 300]);
  for (const r of log.rows) {
    assert.equal(Number(r.episodes), 4);
    assert.ok(Number.isFinite(Number(r.score)) && Number.isFinite(Number(r.q_mse)));
  }
});

test('a checkpoint scored on data of another shape gets one clear line', async () => {
  const other = join(dir, 'open-24px.h5');
  await generateDataset({ task: 'maze2d-open-dense-v0', policy: 'expert', episodes: 3, imageSize: 24, seed: 1, out: other, progress: false });
  await assert.rejects(
    runEval({ checkpoint: ckptDir, dataset: other, episodes: 1, seed: 0, mcTail: 'exclude', offline: true, online: false, backend: null }),
    (e: unknown) =>
      e instanceof LapoError &&
      e.code === 'checkpoint' &&
      !e.message.includes('\n') &&
      /trained on image 16×16×3, state \[4\], actions \[2\]; .*open-24px\.h5 gives image 24×24×3/.test(e.message),
  );
});

test('lapo eval --json: the CLI prints the report and writes eval.json', () => {
  const r = runCli(['--backend', 'cpu', 'eval', '--checkpoint', runDir, '--episodes', '2', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  assert.equal(rep.format, 'lapo-eval');
  assert.equal(rep.step, 300);
  assert.equal(rep.online.episodes, 2);
  assert.ok(Number.isFinite(rep.offline.action_mse));
  const bad = runCli(['eval', '--checkpoint', join(dir, 'nowhere')]);
  assert.equal(bad.code, 1);
  assert.deepEqual(
    bad.stderr.trim().split('\n').filter((l) => !l.startsWith('lapo: backend ')),
    [`lapo: ${join(dir, 'nowhere')}: no such run or checkpoint folder`],
  );
});

test('lapo eval prints the scores even when eval.json cannot be written there, and --out writes it elsewhere', () => {
  const blocked = join(ckptDir, 'eval.json');
  rmSync(blocked, { force: true });
  mkdirSync(blocked); // stands in for a read-only checkpoint folder: the write fails after the scoring
  try {
    const r = runCli(['--backend', 'cpu', 'eval', '--checkpoint', ckptDir, '--no-online', '--json'], { timeoutMs: 600_000 });
    assert.equal(r.code, 1, r.stderr);
    const rep = JSON.parse(r.stdout);
    assert.ok(Number.isFinite(rep.offline.action_mse), 'the scores reached stdout');
    assert.deepEqual(r.stderr.trim().split('\n'), [
      `lapo: ${blocked}: writing: expected a file, found a folder (EISDIR); the scores above were not saved there`,
      'hint: pass --out FILE.json to write eval.json elsewhere',
    ]);
    const out = join(dir, 'elsewhere.json');
    const ok = runCli(['--backend', 'cpu', 'eval', '--checkpoint', ckptDir, '--no-online', '--out', out], { timeoutMs: 600_000 });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, new RegExp(`wrote ${out}\\n$`));
    assert.equal(JSON.parse(readFileSync(out, 'utf8')).offline.action_mse, rep.offline.action_mse);
  } finally {
    rmSync(blocked, { recursive: true, force: true });
  }
});
