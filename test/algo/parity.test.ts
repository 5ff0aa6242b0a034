// Parity with the official LAPO implementation: the fixture holds the initial weights, three batches, every
// random draw and the resulting losses, advantages and final weights (targets too) of pcchenxi/LAPO-offlienRL's
// Latent.train. lapo must reproduce them with the identity encoder (state-only data).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCpuBackend, useTrainingBackend } from '../helpers/backend.js';
import { tf } from '../../src/backend/tf.js';
import { LapoAgent } from '../../src/algo/agent.js';
import { parseConfig } from '../../src/config/schema.js';
import { transpose2d } from '../../src/nn/init.js';
import type { HostBatch } from '../../src/data/types.js';
import { loadParityFixture, ourLayerName, type TorchNet } from './parity-fixture.js';

function loadNet(vars: Map<string, tf.Variable>, prefix: string, netKey: 'critic' | 'actor' | 'actor_vae', net: TorchNet): void {
  for (const [layer, { weight, weightShape, bias }] of net) {
    const name = `${prefix}${ourLayerName(netKey, layer)}`;
    const k = vars.get(`${name}/kernel`);
    const b = vars.get(`${name}/bias`);
    assert.ok(k && b, `no variable ${name}`);
    const [out, inp] = weightShape;
    k.assign(tf.tensor2d(transpose2d(weight, out, inp), [inp, out]));
    b.assign(tf.tensor1d(bias));
  }
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('three iterations reproduce the official LAPO losses, advantages and weights', async () => {
  // cpu by default; LAPO_TEST_BACKEND=native|wasm checks the same numbers on that engine.
  await (process.env.LAPO_TEST_BACKEND ? useTrainingBackend() : useCpuBackend());
  const fx = await loadParityFixture();
  const c = fx.config;
  const cfg = parseConfig(
    {
      dataset: 'parity',
      hidden: [256, 256, 256],
      latentDim: c.latent_dim,
      criticLr: c.critic_lr,
      vaeLr: c.vae_lr,
      actorLr: c.actor_lr,
      tau: c.tau,
      discount: c.discount,
      expectile: c.expectile,
      klBeta: c.kl_beta,
      maxLatentAction: c.max_latent_action,
      doubleqMin: c.doubleq_min,
    },
    'parity',
  );
  const spec = { imageKeys: [], viewChannels: [], imageSize: null, stateKeys: ['state'], stateDims: [c.state_dim] };
  const agent = LapoAgent.create({ spec, actionDim: c.action_dim, minV: c.min_v, maxV: c.max_v }, cfg, 0);
  const vars = agent.namedVariables();
  for (const prefix of ['', 'target/']) {
    loadNet(vars, prefix, 'critic', fx.init.critic);
    loadNet(vars, prefix, 'actor', fx.init.actor);
    loadNet(vars, prefix, 'actor_vae', fx.init.actor_vae);
  }

  const rel = (x: number, y: number) => Math.abs(x - y) / Math.max(Math.abs(y), 1e-12);
  const report: string[] = [];
  for (let k = 0; k < c.iterations; k++) {
    const b = fx.batches[k];
    const n = c.batch_size;
    const batch: HostBatch = {
      size: n,
      image: null,
      nextImage: null,
      state: b.state,
      nextState: b.nextState,
      action: b.action,
      reward: b.reward,
      notDone: b.notDone,
      index: new Int32Array(n),
    };
    const { metrics, advantage } = agent.stepDetailed(batch, { noise: fx.noise[k], advantage: true });
    const e = fx.expected[k];
    const errs = {
      critic: rel(metrics.critic_loss, e.critic_loss),
      vae: rel(metrics.vae_loss, e.actor_vae_loss),
      actor: rel(metrics.actor_loss, e.actor_loss),
      adv: maxAbsDiff(advantage!, e.advantage),
    };
    report.push(`it${k} rel err critic ${errs.critic.toExponential(2)} vae ${errs.vae.toExponential(2)} actor ${errs.actor.toExponential(2)}; adv max abs ${errs.adv.toExponential(2)}`);
    assert.ok(errs.critic < 1e-4, `it${k} critic_loss ${metrics.critic_loss} vs ${e.critic_loss}`);
    assert.ok(errs.vae < 1e-4, `it${k} actor_vae_loss ${metrics.vae_loss} vs ${e.actor_vae_loss}`);
    assert.ok(errs.actor < 1e-4, `it${k} actor_loss ${metrics.actor_loss} vs ${e.actor_loss}`);
    assert.ok(errs.adv < 1e-4, `it${k} advantage differs by ${errs.adv}`);
    // Same signs as the official run: the expectile weights are identical.
    for (let i = 0; i < n; i++) assert.equal(advantage![i] > 0, e.advantage[i] > 0, `it${k} advantage sign, row ${i}`);
  }

  let worst = 0;
  let worstName = '';
  for (const [netName, net] of Object.entries(fx.final)) {
    const isTarget = netName.endsWith('_target');
    const key = netName.replace(/_target$/, '') as 'critic' | 'actor' | 'actor_vae';
    for (const [layer, { weight, weightShape, bias }] of net) {
      const name = `${isTarget ? 'target/' : ''}${ourLayerName(key, layer)}`;
      const [out, inp] = weightShape;
      const kd = maxAbsDiff(vars.get(`${name}/kernel`)!.dataSync(), transpose2d(weight, out, inp));
      const bd = maxAbsDiff(vars.get(`${name}/bias`)!.dataSync(), bias);
      const d = Math.max(kd, bd);
      if (d > worst) {
        worst = d;
        worstName = name;
      }
      assert.ok(d < 1e-4, `final ${name} differs by ${d}`);
    }
  }
  report.push(`final weights: max abs err ${worst.toExponential(2)} (${worstName})`);
  console.log(report.join('\n'));
  agent.dispose();
});
