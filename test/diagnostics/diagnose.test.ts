// lapo diagnose-gradients on real data: every multimodal fixture passes in the default mode; the historical
// defect (--encoder-grad vae) and a frozen encoder fail exactly the critic-reach and critic-step checks; state-only
// data skips the encoder checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnoseGradients } from '../../src/diagnostics/diagnose.js';
import type { DiagnosisReport } from '../../src/diagnostics/report.js';
import { MEANINGS } from '../../src/diagnostics/checks.js';
import { useCpuBackend } from '../helpers/backend.js';
import { MULTIMODAL, sharedFile, tinyConfig } from './fixtures.js';

const byName = (r: DiagnosisReport, name: string) => {
  const c = r.checks.find((x) => x.name === name);
  assert.ok(c, `no check ${name} in ${r.checks.map((x) => x.name).join(', ')}`);
  return c;
};
const failing = (r: DiagnosisReport) => r.checks.filter((c) => c.status === 'FAIL').map((c) => c.name).sort();
const CRITIC_FAILS = (layers: string[]) => [...layers.map((l) => `reach.critic.${l}`), 'step.critic.encoder'].sort();

test('critic mode passes every check on each multimodal fixture', async () => {
  await useCpuBackend();
  for (const f of MULTIMODAL) {
    const r = await diagnoseGradients({ config: tinyConfig(sharedFile('fixtures', 'multimodal', f), { encoderGrad: 'critic' }), backend: 'cpu' });
    assert.deepEqual(failing(r), [], f);
    assert.equal(r.ok, true);
    assert.equal(r.skipped, 0, f);
    assert.equal(r.encoderGrad, 'critic');
    assert.equal(r.batchSize, 16);
    // the first conv layer is named and receives the value gradient; VAE and actor send exactly nothing
    assert.ok((byName(r, 'reach.critic.encoder/conv1').value as number) > 0, f);
    assert.equal(byName(r, 'reach.critic.encoder/conv1').expected, '> 0 (first conv layer)');
    for (const c of r.checks.filter((x) => x.name.startsWith('reach.vae.') || x.name.startsWith('reach.actor.'))) assert.equal(c.value, 0, `${f} ${c.name}`);
    assert.ok((byName(r, 'step.critic.encoder').value as number) > 0);
    assert.equal(byName(r, 'step.vae.encoder').value, 0);
    assert.equal(byName(r, 'step.actor.encoder').value, 0);
    assert.equal(byName(r, 'ownership.encoder').measured, 'critic');
    assert.ok(Math.abs((byName(r, 'soft-update.encoder').value as number) - 0.005) < 5e-5, f);
    assert.equal(byName(r, 'survival.encoder').status, 'PASS');
    assert.equal(r.passed, r.checks.length);
  }
});

test('--encoder-grad vae fails exactly the critic-reach and critic-step checks, and says what that means', async () => {
  await useCpuBackend();
  for (const f of ['fork-3view-joint.h5', 'robomimic-image.hdf5']) {
    const r = await diagnoseGradients({ config: tinyConfig(sharedFile('fixtures', 'multimodal', f), { encoderGrad: 'vae' }), backend: 'cpu' });
    const layers = r.checks.filter((c) => c.name.startsWith('reach.critic.')).map((c) => c.name.slice('reach.critic.'.length));
    assert.ok(layers.includes('encoder/conv1') && layers.length >= 3, layers.join(','));
    assert.deepEqual(failing(r), CRITIC_FAILS(layers), f);
    assert.equal(r.ok, false);
    assert.deepEqual(r.meanings, ['the encoder receives no value gradient: it learns only from action reconstruction']);
    // failing checks come last
    const firstFail = r.checks.findIndex((c) => c.status === 'FAIL');
    assert.ok(r.checks.slice(firstFail).every((c) => c.status === 'FAIL'));
    // the defect computes the value gradient and drops it; the VAE's gradient is the one that moves the encoder
    assert.match(byName(r, 'reach.critic.encoder/conv1').measured, /^0 \(\S+ computed, dropped: not in the critic optimizer\)$/);
    assert.ok((byName(r, 'reach.vae.encoder/conv1').value as number) > 0);
    assert.ok((byName(r, 'step.vae.encoder').value as number) > 0);
    assert.equal(byName(r, 'ownership.encoder').measured, 'actorVae');
    assert.equal(byName(r, 'survival.encoder').status, 'PASS');
  }
});

test('--encoder-grad frozen and both: frozen fails the same two checks (frozen meaning); both passes', async () => {
  await useCpuBackend();
  const file = sharedFile('fixtures', 'multimodal', 'd4rl-image-state.h5');
  const frozen = await diagnoseGradients({ config: tinyConfig(file, { encoderGrad: 'frozen' }), backend: 'cpu' });
  const layers = frozen.checks.filter((c) => c.name.startsWith('reach.critic.')).map((c) => c.name.slice('reach.critic.'.length));
  assert.deepEqual(failing(frozen), CRITIC_FAILS(layers));
  assert.deepEqual(frozen.meanings, [MEANINGS.noValueGradient.frozen]);
  assert.equal(byName(frozen, 'soft-update.encoder').value, 0);
  const both = await diagnoseGradients({ config: tinyConfig(file, { encoderGrad: 'both' }), backend: 'cpu' });
  assert.deepEqual(failing(both), []);
  assert.equal(byName(both, 'ownership.encoder').measured, 'critic+actorVae');
  assert.ok((byName(both, 'step.vae.encoder').value as number) > 0);
});

test('state-only data (no image encoder): encoder checks are skipped, the rest pass', async () => {
  await useCpuBackend();
  const r = await diagnoseGradients({ config: tinyConfig(sharedFile('fixtures', 'real', 'd3rlpy-pendulum-random-v1.h5')), backend: 'cpu' });
  assert.deepEqual(failing(r), []);
  assert.ok(r.skipped >= 5, `skipped ${r.skipped}`);
  assert.equal(byName(r, 'survival.encoder').status, 'SKIP');
  assert.equal(byName(r, 'step.critic.own').status, 'PASS');
  assert.equal(byName(r, 'ownership.critic').status, 'PASS');
});
