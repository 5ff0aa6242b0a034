// The training loop end to end on the cpu backend with the tiny model: a short run on each multimodal fixture
// (run folder contents), resume equivalence (N + resume + N == 2N straight, also after a Ctrl-C-like stop),
// the non-finite stop, and a flat tensor count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from '../../src/backend/tf.js';
import { train, type TrainEvaluator } from '../../src/run/trainer.js';
import { Rng } from '../../src/util/rng.js';
import { readCsvLog } from '../../src/run/metrics-csv.js';
import { loadCheckpoint, listCheckpoints } from '../../src/run/checkpoint.js';
import { metricsCsvColumns } from '../../src/run/columns.js';
import { MULTIMODAL, fixture, readJsonFile, tempRuns, tinyConfig, useRunBackend } from './fixtures.js';

const quiet = { progress: 'none' as const, handleSignals: false };

/** A deterministic evaluator: the policy's mean action on a fixed validation batch (eval.csv plumbing). */
const meanAction: TrainEvaluator = {
  columns: ['act_mean'],
  async evaluate(agent, _step, ds) {
    const a = agent.act(ds.sample('all', 4, new Rng(9)));
    return { episodes: 0, return_mean: NaN, return_std: NaN, seed: 9, act_mean: a.reduce((x, y) => x + y, 0) / a.length };
  },
};

test('a short run on each multimodal fixture writes config, meta, metrics.csv and checkpoints', async () => {
  await useRunBackend();
  for (const name of MULTIMODAL) {
    const runsDir = tempRuns();
    const cfg = tinyConfig(fixture(name), { steps: 5, logEvery: 2, saveEvery: 4, runName: 'r' });
    const res = await train(cfg, { runsDir, ...quiet });
    const dir = join(runsDir, 'r');
    assert.equal(res.runDir, dir, name);
    assert.equal(res.status, 'completed');
    assert.equal(res.step, 5);
    assert.deepEqual(readdirSync(dir).sort(), ['checkpoints', 'config.json', 'grads.csv', 'meta.json', 'metrics.csv'], name);
    assert.deepEqual(listCheckpoints(dir).map((c) => c.step), [4, 5], name);
    const config = readJsonFile(join(dir, 'config.json'));
    // nulls resolved: images → batch as given, no augmentation, latent 2 × action dim
    assert.equal(config.augment, 'none', name);
    assert.equal(config.latentDim, 2 * 16, name);
    assert.equal(config.runName, 'r');
    const meta = readJsonFile<{ status: string; checkpointStep: number; dataset: { sha256: string; bytes: number } }>(join(dir, 'meta.json'));
    assert.equal(meta.status, 'completed');
    assert.equal(meta.checkpointStep, 5);
    assert.match(meta.dataset.sha256, /^[0-9a-f]{64}$/);
    assert.equal(meta.dataset.bytes, readFileSync(fixture(name)).byteLength);
    const csv = readCsvLog(join(dir, 'metrics.csv'));
    assert.deepEqual(csv.columns, metricsCsvColumns('lapo'));
    assert.deepEqual(csv.rows.map((r) => r.step), [2, 4, 5], name);
    for (const r of csv.rows) {
      assert.ok(Number.isFinite(r.critic_loss as number) && (r.critic_loss as number) > 0, `${name} critic_loss ${r.critic_loss}`);
      assert.ok((r.enc_grad_norm_critic as number) > 0, `${name}: the critic's gradient reaches the encoder`);
      assert.ok((r.enc_grad_norm_vae as number) > 0, `${name}: under the default --encoder-grad both the VAE's gradient reaches the encoder too`);
      assert.equal(r.enc_grad_norm_actor, 0);
      assert.ok((r.updates_per_s as number) > 0 && (r.wall_s as number) > 0);
    }
    // grads.csv, long format: every variable of every group on each logged step
    const grads = readCsvLog(join(dir, 'grads.csv'));
    assert.deepEqual(grads.columns, ['step', 'group', 'param', 'norm']);
    assert.deepEqual([...new Set(grads.rows.map((r) => r.step))], [2, 4, 5]);
    assert.deepEqual([...new Set(grads.rows.map((r) => r.group))], ['critic', 'actor_vae', 'actor']);
    const at2 = grads.rows.filter((r) => r.step === 2);
    const enc = at2.filter((r) => String(r.param).startsWith('encoder/'));
    // the encoder is in the critic and the actorVae groups: each row names the group that applied the gradient
    const encGroups = (g: string) => enc.filter((r) => r.group === g).map((r) => r.param);
    assert.ok(encGroups('critic').length > 0, `${name}: the encoder is in the critic group`);
    assert.deepEqual(encGroups('actor_vae'), encGroups('critic'), `${name}: and in the actorVae group`);
    assert.equal(enc.length, 2 * encGroups('critic').length);
    assert.ok(at2.every((r) => (r.norm as number) >= 0) && at2.some((r) => (r.norm as number) > 0));
    assert.equal(new Set(at2.map((r) => `${r.group}/${r.param}`)).size, at2.length, 'each (group, variable) once per step');
  }
});

function lastWeights(runDir: string) {
  const c = loadCheckpoint(runDir);
  return { step: c.manifest.step, weights: readFileSync(join(c.dir, 'weights.bin')), optimizer: readFileSync(join(c.dir, 'optimizer.bin')), rng: c.manifest.rng };
}

function rowsWithoutTiming(runDir: string) {
  return readCsvLog(join(runDir, 'metrics.csv')).rows.map(({ wall_s: _w, updates_per_s: _u, ...rest }) => rest);
}

test('N steps + resume + N steps gives the same weights and CSV rows as 2N straight; so does a stop + resume', async () => {
  await useRunBackend();
  const runsDir = tempRuns();
  const base = { logEvery: 4, saveEvery: 0, seed: 3, evalEvery: 4 };
  const file = fixture('fork-3view-joint.h5');
  await train(tinyConfig(file, { ...base, steps: 12, runName: 'straight' }), { runsDir, ...quiet, evaluator: meanAction });
  // 6 is not a multiple of logEvery: the first part's final row at step 6 must be dropped on resume
  await train(tinyConfig(file, { ...base, steps: 6, runName: 'split' }), { runsDir, ...quiet, evaluator: meanAction });
  assert.deepEqual(readCsvLog(join(runsDir, 'split', 'metrics.csv')).rows.map((r) => r.step), [4, 6]);
  const res = await train({ steps: 12 }, { runsDir, resume: join(runsDir, 'split'), ...quiet, evaluator: meanAction });
  assert.equal(res.step, 12);
  // stopped like Ctrl-C right after step 4's log row: finishes the step, saves, throws `interrupted`
  const ctl = new AbortController();
  await assert.rejects(
    train(tinyConfig(file, { ...base, steps: 12, runName: 'stopped' }), { runsDir, ...quiet, evaluator: meanAction, signal: ctl.signal, onLog: () => ctl.abort() }),
    (e: Error & { exitCode?: number }) => {
      assert.match(e.message, /^interrupted at step 4; saved .*step_4; continue with: lapo train --resume /);
      assert.equal(e.exitCode, 130);
      return true;
    },
  );
  const stoppedMeta = readJsonFile<{ status: string; checkpointStep: number }>(join(runsDir, 'stopped', 'meta.json'));
  assert.equal(stoppedMeta.status, 'interrupted');
  assert.equal(stoppedMeta.checkpointStep, 4);
  await train({}, { runsDir, resume: join(runsDir, 'stopped'), ...quiet, evaluator: meanAction });

  const straight = lastWeights(join(runsDir, 'straight'));
  for (const other of ['split', 'stopped']) {
    const w = lastWeights(join(runsDir, other));
    assert.equal(w.step, 12);
    assert.ok(straight.weights.equals(w.weights), `${other}: weights bit-for-bit`);
    assert.ok(straight.optimizer.equals(w.optimizer), `${other}: optimizer state bit-for-bit`);
    assert.deepEqual(w.rng, straight.rng);
    assert.deepEqual(rowsWithoutTiming(join(runsDir, other)), rowsWithoutTiming(join(runsDir, 'straight')), other);
    for (const f of ['grads.csv', 'eval.csv']) {
      assert.equal(readFileSync(join(runsDir, other, f), 'utf8'), readFileSync(join(runsDir, 'straight', f), 'utf8'), `${other}/${f}`);
    }
    const meta = readJsonFile<{ status: string; starts: unknown[] }>(join(runsDir, other, 'meta.json'));
    assert.equal(meta.status, 'completed');
    assert.equal(meta.starts.length, 2);
  }
  assert.deepEqual(rowsWithoutTiming(join(runsDir, 'straight')).map((r) => r.step), [4, 8, 12]);
  const evals = readCsvLog(join(runsDir, 'straight', 'eval.csv'));
  assert.deepEqual(evals.columns, ['step', 'episodes', 'return_mean', 'return_std', 'seed', 'act_mean']);
  assert.deepEqual(evals.rows.map((r) => r.step), [4, 8, 12]);
  assert.notEqual(evals.rows[0].act_mean, evals.rows[2].act_mean);
  // wall_s continues across the resume instead of restarting at 0
  const split = readCsvLog(join(runsDir, 'split', 'metrics.csv')).rows;
  assert.ok((split[1].wall_s as number) > (split[0].wall_s as number));
});

test('resume refuses changed model keys and too few steps, naming the key', async () => {
  await useRunBackend();
  const runsDir = tempRuns();
  await train(tinyConfig(fixture('minari-dict-obs.hdf5'), { steps: 2, logEvery: 1, runName: 'x' }), { runsDir, ...quiet });
  const resume = join(runsDir, 'x');
  await assert.rejects(train({ steps: 4, criticLr: 1e-3 }, { runsDir, resume, ...quiet }), /command line: criticLr: cannot change on --resume \(the run has 0\.0002, found 0\.001\)/);
  await assert.rejects(train({}, { runsDir, resume, ...quiet }), /--steps: expected more than the checkpoint's step 2, found 2/);
  // --resume NAME finds the run under --runs-dir
  await assert.rejects(train({}, { runsDir, resume: 'x', ...quiet }), /--steps: expected more than the checkpoint's step 2, found 2/);
  await assert.rejects(train(tinyConfig(fixture('minari-dict-obs.hdf5'), { steps: 2, runName: 'x' }), { runsDir, ...quiet }), /a run with this name exists/);
});

test('--keep-checkpoints keeps the K newest, and a resumed run remembers it', async () => {
  await useRunBackend();
  const runsDir = tempRuns();
  await train(tinyConfig(fixture('minari-dict-obs.hdf5'), { steps: 4, logEvery: 2, saveEvery: 1, runName: 'k' }), { runsDir, ...quiet, keepCheckpoints: 2 });
  const dir = join(runsDir, 'k');
  assert.deepEqual(listCheckpoints(dir).map((c) => c.step), [3, 4]);
  await train({ steps: 6 }, { runsDir, resume: dir, ...quiet });
  assert.deepEqual(listCheckpoints(dir).map((c) => c.step), [5, 6]);
});

test('a non-finite loss stops the run naming the column and step, keeping the last good checkpoint', async () => {
  await useRunBackend();
  const runsDir = tempRuns();
  // Adam moves every critic weight by ~lr per step: 1e8 makes the next critic loss overflow
  const cfg = tinyConfig(fixture('fork-3view-joint.h5'), { steps: 10, logEvery: 5, saveEvery: 1, criticLr: 1e8, runName: 'nan', encoderGrad: 'critic' });
  await assert.rejects(train(cfg, { runsDir, ...quiet }), (e: Error & { exitCode?: number }) => {
    assert.match(e.message, /^non-finite critic_loss \((NaN|-?Infinity)\) at step 2; stopped, kept the last good checkpoint .*step_1$/);
    assert.equal(e.exitCode, 1);
    return true;
  });
  const dir = join(runsDir, 'nan');
  const meta = readJsonFile<{ status: string; message: string }>(join(dir, 'meta.json'));
  assert.equal(meta.status, 'failed');
  assert.match(meta.message, /critic_loss .* at step 2/);
  assert.deepEqual(listCheckpoints(dir).map((c) => c.step), [1]);
  for (const t of loadCheckpoint(dir).weights.values()) assert.ok(t.data.every(Number.isFinite));
  // the diverged step's row is logged for inspection
  assert.deepEqual(readCsvLog(join(dir, 'metrics.csv')).rows.map((r) => r.step), [2]);
});

test('--check-leaks: the tensor count stays flat across log steps, and nothing is left after train()', async () => {
  await useRunBackend();
  const before = tf.memory().numTensors;
  const runsDir = tempRuns();
  await train(tinyConfig(fixture('d4rl-image-state.h5'), { steps: 9, logEvery: 3, saveEvery: 0, runName: 'leak' }), { runsDir, ...quiet, checkLeaks: true });
  assert.equal(tf.memory().numTensors, before);
  assert.ok(existsSync(join(runsDir, 'leak', 'checkpoints', 'step_9', 'checkpoint.json')));
});

test('--resume with another --log-every / --eval-every keeps every earlier row; only rows after the checkpoint go', async () => {
  await useRunBackend();
  const runsDir = tempRuns();
  const dir = join(runsDir, 'h');
  const steps = (f: string) => readCsvLog(join(dir, f)).rows.map((r) => r.step);
  await train(tinyConfig(fixture('minari-dict-obs.hdf5'), { steps: 8, logEvery: 2, evalEvery: 2, saveEvery: 0, runName: 'h' }), { runsDir, ...quiet, evaluator: meanAction });
  const before = readCsvLog(join(dir, 'metrics.csv')).rows;
  await train({ steps: 12, logEvery: 3, evalEvery: 4 }, { runsDir, resume: dir, ...quiet, evaluator: meanAction });
  assert.deepEqual(steps('metrics.csv'), [2, 4, 6, 8, 9, 12]);
  assert.deepEqual(readCsvLog(join(dir, 'metrics.csv')).rows.slice(0, 4), before, 'the earlier rows, unchanged');
  assert.deepEqual([...new Set(steps('grads.csv'))], [2, 4, 6, 8, 9, 12]);
  assert.deepEqual(steps('eval.csv'), [2, 4, 6, 8, 12]);
  // a finished run's extra row at its last step (7, off --log-every 2) is still cut, as a straight run has none
  await train(tinyConfig(fixture('minari-dict-obs.hdf5'), { steps: 7, logEvery: 2, saveEvery: 0, runName: 'odd' }), { runsDir, ...quiet });
  await train({ steps: 10, logEvery: 5 }, { runsDir, resume: join(runsDir, 'odd'), ...quiet });
  assert.deepEqual(readCsvLog(join(runsDir, 'odd', 'metrics.csv')).rows.map((r) => r.step), [2, 4, 6, 10]);
});

test('a stop names the step the run stops at; a stop during the last step leaves a completed run', async () => {
  await useRunBackend();
  const runsDir = tempRuns();
  let said = '';
  const stream = { write: (text: string) => ((said += text), true) } as unknown as NodeJS.WriteStream;
  const ctl = new AbortController();
  await assert.rejects(
    train(tinyConfig(fixture('minari-dict-obs.hdf5'), { steps: 12, logEvery: 4, saveEvery: 0, runName: 'stop' }), {
      runsDir, progress: 'lines', progressStream: stream, handleSignals: false, signal: ctl.signal, onLog: () => ctl.abort(),
    }),
    (e: Error) => /^interrupted at step 4; saved /.test(e.message),
  );
  assert.match(said, /lapo: stop requested: stopping at step 4, then saving a checkpoint/);
  // stopped while the last step (6) logs and saves: nothing is left to resume, so the run completes
  const last = new AbortController();
  const res = await train(tinyConfig(fixture('minari-dict-obs.hdf5'), { steps: 6, logEvery: 3, saveEvery: 0, runName: 'end' }), {
    runsDir, ...quiet, signal: last.signal, onLog: (row) => row.step === 6 && last.abort(),
  });
  assert.equal(res.status, 'completed');
  assert.equal(readJsonFile<{ status: string }>(join(runsDir, 'end', 'meta.json')).status, 'completed');
  assert.deepEqual(listCheckpoints(join(runsDir, 'end')).map((c) => c.step), [6]);
});

test('--save-every-minutes checkpoints when that much time has passed since the last checkpoint', async () => {
  await useRunBackend();
  const runsDir = tempRuns();
  // a clock driven by the steps: 40 s a step, so 1 minute is due every second step
  let now = 0;
  const res = await train(tinyConfig(fixture('minari-dict-obs.hdf5'), { steps: 7, logEvery: 1, saveEvery: 0, saveEveryMinutes: 1, runName: 't' }), {
    runsDir, ...quiet, clock: () => now, onLog: (row) => (now = row.step * 40),
  });
  assert.equal(res.status, 'completed');
  assert.deepEqual(listCheckpoints(join(runsDir, 't')).map((c) => c.step), [2, 4, 6, 7]);
  const off = await train(tinyConfig(fixture('minari-dict-obs.hdf5'), { steps: 3, logEvery: 1, saveEvery: 0, saveEveryMinutes: 0, runName: 'off' }), {
    runsDir, ...quiet, clock: () => now, onLog: (row) => (now += row.step * 600),
  });
  assert.deepEqual(listCheckpoints(off.runDir).map((c) => c.step), [3]);
});

test('a run that stopped before its first checkpoint: --resume says how to restart, and train --run-name reuses the folder', async () => {
  await useRunBackend();
  const runsDir = tempRuns();
  const dir = join(runsDir, 'early');
  // diverges at step 2 with no checkpoint yet (as a crash before the first --save-every would leave it)
  const bad = tinyConfig(fixture('minari-dict-obs.hdf5'), { steps: 10, logEvery: 5, saveEvery: 0, criticLr: 1e8, runName: 'early' });
  await assert.rejects(train(bad, { runsDir, ...quiet }), /no checkpoint was written yet/);
  assert.deepEqual(listCheckpoints(dir), []);
  await assert.rejects(train({ steps: 20 }, { runsDir, resume: dir, ...quiet }), (e: Error & { hint?: string }) => {
    assert.equal(e.message, `${dir}: the run stopped before its first checkpoint (status failed, started ${readJsonFile<{ createdAt: string }>(join(dir, 'meta.json')).createdAt}), so there is nothing to resume`);
    assert.equal(e.hint, `start it again under the same name (lapo train --runs-dir ${runsDir} --run-name early ...): a folder without a checkpoint is reused`);
    return true;
  });
  let said = '';
  const stream = { write: (text: string) => ((said += text), true) } as unknown as NodeJS.WriteStream;
  const res = await train(tinyConfig(fixture('minari-dict-obs.hdf5'), { steps: 4, logEvery: 2, runName: 'early' }), { runsDir, progress: 'lines', progressStream: stream, handleSignals: false });
  assert.equal(res.status, 'completed');
  assert.match(said, new RegExp(`lapo: ${dir}: starting again in this folder: its run \\(status failed, started [^)]+\\) stopped before its first checkpoint, so there was nothing to resume; its config, meta.json and CSV logs are replaced`));
  assert.deepEqual(readCsvLog(join(dir, 'metrics.csv')).rows.map((r) => r.step), [2, 4], 'the old run\'s rows are gone');
  const meta = readJsonFile<{ status: string; starts: unknown[] }>(join(dir, 'meta.json'));
  assert.equal(meta.status, 'completed');
  assert.equal(meta.starts.length, 1);
  // with a checkpoint, the name stays taken
  await assert.rejects(train(tinyConfig(fixture('minari-dict-obs.hdf5'), { steps: 4, runName: 'early' }), { runsDir, ...quiet }), /a run with this name exists/);
});

test('a --runs-dir that cannot hold run folders is one line naming it, before the dataset is read', async () => {
  const runsDir = tempRuns();
  const file = join(runsDir, 'a-file');
  writeFileSync(file, 'x');
  const notHdf5 = join(runsDir, 'not.h5');
  writeFileSync(notHdf5, 'step,reward\n');
  // the dataset is not HDF5 either: the runs folder is checked first
  await assert.rejects(train(tinyConfig(notHdf5, { runName: 'r' }), { runsDir: file, ...quiet }), (e: Error & { exitCode?: number }) => {
    assert.equal(e.message, `${join(file, 'r')}: creating the run folder (check --runs-dir): expected a folder, found a file where a folder was expected (ENOTDIR)`);
    assert.equal(e.exitCode, 2);
    return true;
  });
});
