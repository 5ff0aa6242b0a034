// --encoder-grad: which losses reach the observation encoder and which optimizer moves it. The step is observed
// after each part (critic, advantage, VAE, actor, targets) so each part's effect on the encoder is seen on its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCpuBackend } from '../helpers/backend.js';
import { tf } from '../../src/backend/tf.js';
import type { EncoderGrad } from '../../src/config/schema.js';
import { lapoIteration, type PartOutcome, type StepPart } from '../../src/algo/lapo-step.js';
import { Rng } from '../../src/util/rng.js';
import { randomBatch, toyAgent } from './toy.js';
import type { LapoAgent } from '../../src/algo/agent.js';

function encoderValues(agent: LapoAgent, target = false): Float32Array[] {
  return [...agent.namedVariables()]
    .filter(([n]) => n.startsWith(target ? 'target/encoder/' : 'encoder/'))
    .map(([, v]) => v.dataSync().slice() as Float32Array);
}

function same(a: Float32Array[], b: Float32Array[]): boolean {
  return a.length === b.length && a.every((x, i) => x.length === b[i].length && x.every((v, j) => Object.is(v, b[i][j])));
}

function norm(grads: Map<string, tf.Tensor>): number {
  let s = 0;
  for (const g of grads.values()) s += tf.tidy(() => tf.sum(tf.square(g)).dataSync()[0]);
  return Math.sqrt(s);
}

interface PartReport {
  afterCritic: boolean; // encoder changed by the critic part
  afterVae: boolean;
  afterActor: boolean;
  afterSoft: boolean;
  gradCritic: number;
  gradVae: number;
  gradActor: number;
  gradCriticHas: boolean; // did the critic loss's encoder gradient exist at all
  gradVaeHas: boolean;
  gradActorHas: boolean;
}

/** Runs one measured iteration, recording the encoder (and its target) after each part. */
function runParts(mode: EncoderGrad): PartReport {
  const agent = toyAgent(mode, 3);
  const batch = randomBatch(new Rng(7), 8);
  const e0 = encoderValues(agent);
  const rep = tf.tidy(() => {
    const inp = agent.stepInputs(batch, agent.drawNoise(batch.size));
    const enc = new Map<StepPart, Float32Array[]>();
    const grads = new Map<StepPart, Map<string, tf.Tensor>>();
    const t0 = encoderValues(agent, true);
    lapoIteration(agent.model, agent.groups, inp, {
      measure: true,
      afterPart: (part: StepPart, out: PartOutcome) => {
        enc.set(part, part === 'targets' ? encoderValues(agent, true) : encoderValues(agent));
        if (out.grads) grads.set(part, out.grads.encoderGrads);
      },
    });
    const g = (p: StepPart) => grads.get(p)!;
    return {
      afterCritic: !same(e0, enc.get('critic')!),
      afterVae: !same(enc.get('advantage')!, enc.get('vae')!),
      afterActor: !same(enc.get('vae')!, enc.get('actor')!),
      afterSoft: !same(t0, enc.get('targets')!),
      gradCritic: norm(g('critic')),
      gradVae: norm(g('vae')),
      gradActor: norm(g('actor')),
      gradCriticHas: g('critic').size > 0,
      gradVaeHas: g('vae').size > 0,
      gradActorHas: g('actor').size > 0,
    };
  });
  agent.dispose();
  return rep;
}

test('critic (default): only the value loss reaches and moves the encoder', async () => {
  await useCpuBackend();
  const r = runParts('critic');
  assert.equal(r.afterCritic, true, 'critic step moves the encoder');
  assert.ok(r.gradCritic > 0, `critic loss gradient at the encoder: ${r.gradCritic}`);
  assert.equal(r.afterVae, false, 'VAE step leaves the encoder bit-identical');
  assert.equal(r.afterActor, false, 'actor step leaves the encoder bit-identical');
  // Exactly zero: the VAE and actor losses have no path to the encoder at all.
  assert.equal(r.gradVaeHas, false);
  assert.equal(r.gradActorHas, false);
  assert.equal(r.gradVae, 0);
  assert.equal(r.gradActor, 0);
  assert.equal(r.afterSoft, true, 'target encoder follows');
});

test('vae (historical defect): the critic gradient reaches the encoder but is not applied; the VAE moves it', async () => {
  await useCpuBackend();
  const r = runParts('vae');
  assert.ok(r.gradCriticHas && r.gradCritic > 0, 'critic loss is computed through the encoder');
  assert.equal(r.afterCritic, false, 'critic gradient not applied to the encoder');
  assert.ok(r.gradVae > 0);
  assert.equal(r.afterVae, true, 'VAE optimizer steps the encoder');
  assert.equal(r.afterActor, false);
  assert.equal(r.gradActor, 0);
});

test('both: critic and VAE losses both move the encoder', async () => {
  await useCpuBackend();
  const r = runParts('both');
  assert.equal(r.afterCritic, true);
  assert.equal(r.afterVae, true);
  assert.equal(r.afterActor, false);
  assert.ok(r.gradCritic > 0 && r.gradVae > 0);
  assert.equal(r.gradActor, 0);
});

test('frozen: no loss reaches the encoder; encoder and its target stay bit-identical', async () => {
  await useCpuBackend();
  const r = runParts('frozen');
  assert.equal(r.afterCritic || r.afterVae || r.afterActor, false);
  assert.equal(r.afterSoft, false);
  assert.equal(r.gradCritic + r.gradVae + r.gradActor, 0);
});

test('measured step columns: encoder gradient norms and parameter changes per mode', async () => {
  await useCpuBackend();
  const rng = new Rng(11);
  const rows: Record<string, Record<string, number>> = {};
  for (const mode of ['critic', 'vae', 'both', 'frozen'] as const) {
    const agent = toyAgent(mode, 5);
    const e0 = encoderValues(agent);
    const t0 = encoderValues(agent, true);
    let m = agent.step(randomBatch(rng, 8), { measure: true });
    for (let i = 0; i < 2; i++) m = agent.step(randomBatch(rng, 8), { measure: i === 1 });
    rows[mode] = { ...m };
    const moved = !same(e0, encoderValues(agent));
    assert.equal(moved, mode !== 'frozen', `${mode}: encoder moved = ${moved}`);
    if (mode === 'frozen') assert.ok(same(t0, encoderValues(agent, true)), 'frozen target encoder bit-identical');
    agent.dispose();
  }
  assert.ok(rows.critic.enc_grad_norm_critic > 0);
  assert.equal(rows.critic.enc_grad_norm_vae, 0);
  assert.equal(rows.critic.enc_grad_norm_actor, 0);
  assert.ok(rows.critic.enc_conv1_grad_norm > 0);
  assert.ok(rows.critic.delta_encoder > 0 && rows.critic.delta_critic > 0);
  assert.ok(rows.critic.delta_actor_vae > 0 && rows.critic.delta_actor > 0);
  assert.ok(rows.vae.enc_grad_norm_critic > 0 && rows.vae.enc_grad_norm_vae > 0);
  assert.ok(rows.vae.enc_conv1_grad_norm > 0);
  assert.ok(rows.both.enc_grad_norm_critic > 0 && rows.both.enc_grad_norm_vae > 0);
  assert.equal(rows.frozen.enc_grad_norm_critic, 0);
  assert.equal(rows.frozen.enc_conv1_grad_norm, 0);
  assert.equal(rows.frozen.delta_encoder, 0);
});

test('unmeasured steps leave the measure columns NaN; state-only data has no encoder columns', async () => {
  await useCpuBackend();
  const agent = toyAgent('critic', 2);
  const m = agent.step(randomBatch(new Rng(1), 4));
  assert.ok(Number.isFinite(m.critic_loss) && Number.isFinite(m.actor_loss) && Number.isFinite(m.vae_loss));
  assert.ok(Number.isNaN(m.enc_grad_norm_critic) && Number.isNaN(m.delta_actor));
  agent.dispose();
  const spec = { imageKeys: [], viewChannels: [], imageSize: null, stateKeys: ['s'], stateDims: [5] };
  const sa = toyAgent('critic', 2, {}, spec);
  assert.deepEqual(sa.encoderLayers(), []);
  const ms = sa.step(randomBatch(new Rng(2), 4, spec), { measure: true });
  assert.ok(Number.isNaN(ms.enc_grad_norm_critic) && Number.isNaN(ms.delta_encoder));
  assert.ok(ms.delta_critic > 0 && ms.delta_actor > 0 && ms.delta_actor_vae > 0);
  sa.dispose();
});
