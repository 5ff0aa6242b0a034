// Diagnosing a checkpoint written by a short training run: it works, reports the checkpoint's step, and leaves
// every file of the run (and the dataset) byte-identical.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { train } from '../../src/run/trainer.js';
import { diagnoseGradients } from '../../src/diagnostics/diagnose.js';
import { LapoError } from '../../src/errors.js';
import { useCpuBackend } from '../helpers/backend.js';
import { sharedFile, tinyConfig } from './fixtures.js';

/** path → sha256 of every file under `dir` (and `dir` itself when it is a file). */
function hashTree(path: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (p: string) => {
    if (statSync(p).isDirectory()) for (const n of readdirSync(p).sort()) walk(join(p, n));
    else out.set(p, createHash('sha256').update(readFileSync(p)).digest('hex'));
  };
  walk(path);
  return out;
}

test('a checkpoint from lapo train is diagnosed without changing a byte of the run or the dataset', async () => {
  await useCpuBackend();
  const runsDir = mkdtempSync(join(tmpdir(), 'lapo-diag-'));
  try {
    const dataset = sharedFile('fixtures', 'multimodal', 'd4rl-image-state.h5');
    const res = await train(tinyConfig(dataset, { steps: 3, logEvery: 3, saveEvery: 0, runName: 'ck' }), { runsDir, progress: 'none', handleSignals: false });
    assert.equal(res.step, 3);
    const before = hashTree(res.runDir);
    const dataBefore = hashTree(dataset);
    assert.ok(before.size >= 5, [...before.keys()].join(', '));

    // a run folder means its newest checkpoint
    const r = await diagnoseGradients({ checkpoint: res.runDir, backend: 'cpu' });
    assert.equal(r.ok, true, r.checks.filter((c) => c.status === 'FAIL').map((c) => `${c.name} ${c.measured}`).join('; '));
    assert.equal(r.step, 3);
    assert.equal(r.checkpoint, res.checkpointDir);
    assert.equal(r.encoderGrad, 'both', 'the mode the run trained with: the default');
    assert.equal(r.batchSize, 16);
    // after three steps the targets lag the online networks, so the soft update is measured on a real gap
    const tauHat = r.checks.find((c) => c.name === 'soft-update.encoder')?.value as number;
    assert.ok(Math.abs(tauHat - 0.005) < 5e-5, String(tauHat));

    // a smaller batch drawn from the validation split works too
    const v = await diagnoseGradients({ checkpoint: res.checkpointDir, batchSize: 4, batchFrom: 'valid', backend: 'cpu' });
    assert.equal(v.ok, true);
    assert.equal(v.batchSize, 4);

    assert.deepEqual(hashTree(res.runDir), before);
    assert.deepEqual(hashTree(dataset), dataBefore);

    // its optimizer state belongs to its mode: another mode is refused in one line
    await assert.rejects(diagnoseGradients({ checkpoint: res.runDir, encoderGrad: 'vae', backend: 'cpu' }), (e: unknown) => {
      assert.ok(e instanceof LapoError);
      assert.match(e.message, /^--encoder-grad vae: .* was trained with --encoder-grad both/);
      return true;
    });
    // a dataset with other observations than the checkpoint's is refused naming both
    await assert.rejects(
      diagnoseGradients({ checkpoint: res.runDir, dataset: sharedFile('fixtures', 'multimodal', 'fork-3view-joint.h5'), backend: 'cpu' }),
      /fork-3view-joint\.h5: observations: expected what .* was trained on/,
    );
    assert.deepEqual(hashTree(res.runDir), before);
  } finally {
    rmSync(runsDir, { recursive: true, force: true });
  }
});
