// LapoAgent's host API: shapes of act/evaluate, stable variable names, and a save/restore of variables, optimizer
// state and RNG state that continues bit-identically (what checkpoints and --resume rely on).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCpuBackend } from '../helpers/backend.js';
import { tf } from '../../src/backend/tf.js';
import { Rng } from '../../src/util/rng.js';
import { LapoError } from '../../src/errors.js';
import { randomBatch, toyAgent, TOY_ACTION_DIM } from './toy.js';

test('names, act and evaluate', async () => {
  await useCpuBackend();
  const agent = toyAgent('critic');
  const names = [...agent.namedVariables().keys()];
  for (const n of [
    'encoder/conv1/kernel',
    'encoder/fc/bias',
    'critic/q1/l1/kernel',
    'critic/q2/l5/kernel',
    'critic/v/v4/bias',
    'actor/pi4/kernel',
    'actor_vae/e3/kernel',
    'actor_vae/mean/bias',
    'actor_vae/log_var/kernel',
    'actor_vae/d4/bias',
    'target/encoder/conv1/kernel',
    'target/critic/q1/l1/kernel',
    'target/actor/pi1/kernel',
    'target/actor_vae/d1/kernel',
  ])
    assert.ok(names.includes(n), `missing ${n}`);
  assert.deepEqual(agent.encoderLayers().slice(0, 1), ['encoder/conv1']);
  const batch = randomBatch(new Rng(1), 5);
  const a = agent.act(batch);
  assert.equal(a.length, 5 * TOY_ACTION_DIM);
  const e = agent.evaluate(batch);
  assert.deepEqual([e.q1.length, e.q2.length, e.v.length, e.action.length, e.recon.length], [5, 5, 5, 10, 10]);
  assert.deepEqual(Array.from(e.action), Array.from(a));
  agent.dispose();
});

test('restoring variables, optimizer state and RNG state continues bit-identically', async () => {
  await useCpuBackend();
  const rng = new Rng(2);
  const batches = Array.from({ length: 4 }, () => randomBatch(rng, 6));
  const a = toyAgent('both', 7);
  a.step(batches[0]);
  a.step(batches[1]);
  // Save.
  const vars = new Map([...a.namedVariables()].map(([n, v]) => [n, v.dataSync().slice() as Float32Array]));
  const opt = a.optimizerState();
  const rs = a.rngState();
  // Restore into an agent built from another seed.
  const b = toyAgent('both', 99);
  b.setVariables(vars);
  b.loadOptimizerState(opt);
  b.setRngState(rs);
  tf.dispose([...opt.values()]);
  for (const batch of batches.slice(2)) {
    const ma = a.step(batch, { measure: true });
    const mb = b.step(batch, { measure: true });
    assert.deepEqual(mb, ma);
  }
  for (const [n, v] of a.namedVariables()) assert.deepEqual(b.namedVariables().get(n)!.dataSync(), v.dataSync(), n);

  vars.delete('critic/q1/l1/kernel');
  assert.throws(() => b.setVariables(vars, 'runs/x/checkpoints/step_2'), (e: unknown) =>
    e instanceof LapoError && e.message === 'runs/x/checkpoints/step_2: critic/q1/l1/kernel: missing');
  assert.throws(() => b.loadOptimizerState(new Map()), (e: unknown) => e instanceof LapoError && /critic optimizer: missing/.test(e.message));
  a.dispose();
  b.dispose();
});

test('the same seed gives the same run; noise can be injected', async () => {
  await useCpuBackend();
  const batch = randomBatch(new Rng(3), 4);
  const a = toyAgent('critic', 5);
  const b = toyAgent('critic', 5);
  assert.deepEqual(a.step(batch), b.step(batch));
  const noise = a.drawNoise(4);
  b.drawNoise(4);
  const zeros = { targetLatentNoise: new Float32Array(noise.targetLatentNoise.length), vaeEps: new Float32Array(noise.vaeEps.length) };
  assert.notDeepEqual(a.step(batch, { noise }), b.step(batch, { noise: zeros }));
  a.dispose();
  b.dispose();
});

test('--policy-features: the actor reads the online or the target encoder', async () => {
  await useCpuBackend();
  const batch = randomBatch(new Rng(4), 3);
  for (const policyFeatures of ['online', 'target'] as const) {
    const agent = toyAgent('critic', 6, { policyFeatures });
    const m = agent.step(batch);
    assert.ok(Number.isFinite(m.actor_loss) && Number.isFinite(m.vae_loss));
    const before = agent.act(batch);
    // Scramble the online encoder only: the policy must change exactly when it reads online features.
    tf.tidy(() => agent.namedVariables().get('encoder/fc/bias')!.assign(tf.fill([32], 5)));
    const after = agent.act(batch);
    assert.equal(before.some((x, i) => x !== after[i]), policyFeatures === 'online', policyFeatures);
    agent.dispose();
  }
});
