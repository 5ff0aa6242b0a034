// Behaviour cloning (--algo bc): it learns the expert's actions from pixels, resumes bit-exactly, keeps or trains
// its encoder as --encoder-grad says, writes its own metrics.csv columns, and is refused by diagnose-gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALGORITHMS, createAgent } from '../../src/algo/algorithm.js';
import { ALGOS } from '../../src/config/schema.js';
import { loadDataset } from '../../src/data/load.js';
import { generateDataset } from '../../src/env/generate.js';
import { evaluateOffline } from '../../src/eval/offline.js';
import { restoreAgent, loadCheckpoint } from '../../src/run/checkpoint.js';
import { readCsvLog } from '../../src/run/metrics-csv.js';
import { metricsCsvColumns } from '../../src/run/columns.js';
import { train } from '../../src/run/trainer.js';
import { loadOptions } from '../../src/run/session.js';
import { diagnoseGradients } from '../../src/diagnostics/diagnose.js';
import { tempRuns, tinyConfig, useRunBackend } from '../run/fixtures.js';

const quiet = { progress: 'none' as const, handleSignals: false };

/** 40 episodes of the built-in umaze task's single expert at 16 px (about 600 transitions). */
async function expertData(): Promise<string> {
  const out = join(tempRuns(), 'expert.h5');
  await generateDataset({ task: 'maze2d-umaze-dense-v0', policy: 'expert', episodes: 40, imageSize: 16, seed: 7, out, progress: false });
  return out;
}

test('every algorithm is one registry entry: its agent, and metrics.csv = step, wall_s, updates_per_s + its columns', () => {
  assert.deepEqual(Object.keys(ALGORITHMS).sort(), [...ALGOS].sort());
  assert.deepEqual(metricsCsvColumns('bc'), ['step', 'wall_s', 'updates_per_s', 'bc_loss', 'enc_grad_norm_actor', 'enc_conv1_grad_norm', 'delta_encoder', 'delta_actor']);
  assert.equal(metricsCsvColumns('lapo').slice(0, 4).join(','), 'step,wall_s,updates_per_s,critic_loss');
  // the trainer, sessions, checkpoints and evaluation never branch on the algorithm's name
  for (const f of ['src/run/trainer.ts', 'src/run/session.ts', 'src/run/checkpoint.ts', 'src/eval/periodic.ts', 'src/eval/run-eval.ts']) {
    assert.doesNotMatch(readFileSync(f, 'utf8'), /algo\s*[!=]==|['"]bc['"]/, f);
  }
});

test('BC learns the expert: validation action MSE falls well below the spread of the actions, and bc_loss falls', async () => {
  await useRunBackend();
  const file = await expertData();
  const runsDir = tempRuns();
  const cfg = tinyConfig(file, { algo: 'bc', steps: 400, logEvery: 50, saveEvery: 0, runName: 'bc', seed: 1, augment: 'none', actorLr: 1e-3 });
  await train(cfg, { runsDir, ...quiet });
  const rows = readCsvLog(join(runsDir, 'bc', 'metrics.csv')).rows;
  const first = rows[0].bc_loss as number;
  const last = rows[rows.length - 1].bc_loss as number;
  assert.ok(last < 0.5 * first, `bc_loss ${first} -> ${last}`);
  const r = restoreAgent(join(runsDir, 'bc'), { optimizer: false });
  const ds = await loadDataset(file, loadOptions(r.config));
  try {
    const off = evaluateOffline(ds, r.agent, { split: 'valid', mcTail: 'exclude', discount: 0.99, doubleqMin: 1, stats: r.stats });
    // Predicting the mean action scores the actions' variance. Measured on the cpu backend after these 400 steps:
    // 0.216 against a variance of 0.566 (0.38 of it; bc_loss 0.77 -> 0.14). The bar: half of the variance.
    const raw = ds.rawActions();
    const valid = ds.indices('valid');
    let variance = 0;
    for (let d = 0; d < ds.actionDim; d++) {
      let m = 0;
      for (const i of valid) m += raw[i * ds.actionDim + d];
      m /= valid.length;
      for (const i of valid) variance += (raw[i * ds.actionDim + d] - m) ** 2;
    }
    variance /= valid.length * ds.actionDim;
    assert.ok(off.actionMse < 0.5 * variance, `action MSE ${off.actionMse} vs action variance ${variance}`);
    assert.ok(Number.isNaN(off.q.mse) && Number.isNaN(off.reconMse), 'BC has no critic or VAE to score');
  } finally {
    r.agent.dispose();
    ds.close();
  }
});

test('BC: N steps + resume + N steps equals 2N straight, bit for bit', async () => {
  await useRunBackend();
  const file = await expertData();
  const runsDir = tempRuns();
  const base = { algo: 'bc' as const, logEvery: 3, saveEvery: 0, seed: 2 };
  await train(tinyConfig(file, { ...base, steps: 10, runName: 'straight' }), { runsDir, ...quiet });
  await train(tinyConfig(file, { ...base, steps: 5, runName: 'split' }), { runsDir, ...quiet });
  await train({ steps: 10 }, { runsDir, resume: join(runsDir, 'split'), ...quiet });
  const w = (name: string) => {
    const c = loadCheckpoint(join(runsDir, name));
    return { weights: readFileSync(join(c.dir, 'weights.bin')), optimizer: readFileSync(join(c.dir, 'optimizer.bin')), names: c.manifest.weights.entries.map((t) => t.name) };
  };
  const a = w('straight');
  const b = w('split');
  assert.ok(a.weights.equals(b.weights) && a.optimizer.equals(b.optimizer));
  assert.ok(a.names.includes('encoder/conv1/kernel') && a.names.includes('actor/pi4/kernel'), a.names.join(','));
  const rows = (n: string) => readCsvLog(join(runsDir, n, 'metrics.csv')).rows.map(({ wall_s: _w, updates_per_s: _u, ...r }) => r);
  assert.deepEqual(rows('split'), rows('straight'));
  assert.deepEqual(readFileSync(join(runsDir, 'split', 'grads.csv'), 'utf8'), readFileSync(join(runsDir, 'straight', 'grads.csv'), 'utf8'));
});

test('BC --encoder-grad: actor trains the encoder from the action loss; frozen keeps it and sends it nothing', async () => {
  await useRunBackend();
  const file = await expertData();
  const ds = await loadDataset(file, { validFraction: 0.1, seed: 0, rewardMode: 'max', discount: 0.99, imageSize: 16 });
  try {
    const dims = { spec: ds.spec, actionDim: ds.actionDim, minV: ds.stats.minV, maxV: ds.stats.maxV };
    const batch = ds.sample('train', 8, new (await import('../../src/util/rng.js')).Rng(3));
    for (const mode of ['actor', 'frozen'] as const) {
      const agent = createAgent(dims, tinyConfig(file, { algo: 'bc', encoderGrad: mode }), 1);
      try {
        const before = (await agent.namedVariables().get('encoder/conv1/kernel')!.data()).slice();
        const m = agent.train(batch, { measure: true, gradNorms: true }).metrics;
        const after = await agent.namedVariables().get('encoder/conv1/kernel')!.data();
        const moved = before.some((x, i) => x !== after[i]);
        if (mode === 'actor') {
          assert.ok(moved && m.delta_encoder > 0 && m.enc_grad_norm_actor > 0 && m.enc_conv1_grad_norm > 0, JSON.stringify(m));
        } else {
          assert.ok(!moved, 'frozen encoder moved');
          assert.equal(m.delta_encoder, 0);
          assert.equal(m.enc_grad_norm_actor, 0);
        }
        assert.ok(m.delta_actor > 0 && Number.isFinite(m.bc_loss));
      } finally {
        agent.dispose();
      }
    }
  } finally {
    ds.close();
  }
});

test('diagnose-gradients refuses a BC model or checkpoint with one line naming algo', async () => {
  await useRunBackend();
  const file = await expertData();
  await assert.rejects(diagnoseGradients({ config: tinyConfig(file, { algo: 'bc' }), backend: 'cpu' }), (e: Error & { exitCode?: number }) => {
    assert.match(e.message, /^--algo: algo: expected lapo \(diagnose-gradients checks LAPO's critic, actorVae and actor groups\), found bc;/);
    assert.equal(e.exitCode, 2);
    return true;
  });
  const runsDir = tempRuns();
  await train(tinyConfig(file, { algo: 'bc', steps: 2, logEvery: 1, runName: 'b' }), { runsDir, ...quiet });
  await assert.rejects(diagnoseGradients({ checkpoint: join(runsDir, 'b'), backend: 'cpu' }), /step_2: algo: expected lapo .* found bc;/);
});
