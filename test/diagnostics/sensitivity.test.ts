// The checks catch what they claim to: agents broken on purpose (in ways no --encoder-grad mode produces) fail
// exactly the checks that describe the break, and only those.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend/tf.js';
import { LapoAgent } from '../../src/algo/agent.js';
import { type LapoConfigInput } from '../../src/config/schema.js';
import { lapoEncoderGrad, resolveConfig } from '../../src/config/resolve.js';
import { loadDataset } from '../../src/data/load.js';
import { diagnoseAgent } from '../../src/diagnostics/diagnose.js';
import { GROUPS, MEANINGS, ownershipChecks, variableNames } from '../../src/diagnostics/checks.js';
import { hostVars } from '../../src/diagnostics/state.js';
import type { GroupName } from '../../src/algo/group-table.js';
import type { NamedVariable } from '../../src/nn/module.js';
import type { Check } from '../../src/diagnostics/report.js';
import { Rng } from '../../src/util/rng.js';
import { useCpuBackend } from '../helpers/backend.js';
import { sharedFile, tinyConfig } from './fixtures.js';

async function withAgent(extra: Partial<LapoConfigInput>, sabotage: (a: LapoAgent) => void): Promise<Check[]> {
  await useCpuBackend();
  // the sabotages are read against critic mode unless a test names another
  const cfg = tinyConfig(sharedFile('fixtures', 'multimodal', 'fork-3view-joint.h5'), { encoderGrad: 'critic', ...extra });
  const ds = await loadDataset(cfg.dataset, { imageSize: 16 });
  const resolved = resolveConfig(cfg, { hasImages: true, actionDim: ds.actionDim });
  const agent = LapoAgent.create({ spec: ds.spec, actionDim: ds.actionDim, minV: ds.stats.minV, maxV: ds.stats.maxV }, resolved, 0);
  try {
    const batch = ds.sample('train', 16, new Rng(1));
    sabotage(agent);
    return diagnoseAgent(agent, { encoderGrad: lapoEncoderGrad(resolved), tau: resolved.tau }, batch, agent.drawNoise(16));
  } finally {
    agent.dispose();
    ds.close();
  }
}
const failing = (cs: Check[]) => cs.filter((c) => c.status === 'FAIL').map((c) => c.name).sort();

test('an unbroken agent passes (the baseline for the broken ones below)', async () => {
  assert.deepEqual(failing(await withAgent({}, () => {})), []);
});

test('the critic gradient zeroed before the critic optimizer uses it: step and survival fail', async () => {
  const checks = await withAgent({}, (agent) => {
    const opt = agent.groups.critic.optimizer;
    const step = opt.step.bind(opt);
    opt.step = (grads) => step(grads.map((g, i) => (g && opt.names[i].startsWith('encoder/') ? tf.zerosLike(g) : g)));
  });
  assert.deepEqual(failing(checks), ['step.critic.encoder', 'survival.encoder']);
  assert.equal(checks.find((c) => c.name === 'survival.encoder')?.meaning, MEANINGS.survival);
});

test('the VAE step also writes to the encoder: the VAE-step leak and survival fail', async () => {
  const checks = await withAgent({}, (agent) => {
    const opt = agent.groups.actorVae.optimizer;
    const step = opt.step.bind(opt);
    const kernel = agent.namedVariables().get('encoder/conv1/kernel')!;
    opt.step = (grads) => {
      step(grads);
      tf.tidy(() => kernel.assign(tf.mul(kernel, 1.001)));
    };
  });
  assert.deepEqual(failing(checks), ['step.vae.encoder', 'survival.encoder']);
});

test('targets moved by the wrong fraction: every soft-update check fails', async () => {
  const checks = await withAgent({}, (agent) => {
    tf.dispose([agent.model.c.tau, agent.model.c.oneMinusTau]);
    agent.model.c.tau = tf.keep(tf.scalar(0.01));
    agent.model.c.oneMinusTau = tf.keep(tf.scalar(0.99));
  });
  assert.deepEqual(failing(checks), ['soft-update.actor', 'soft-update.actor_vae', 'soft-update.critic', 'soft-update.encoder']);
  const tauHat = checks.find((c) => c.name === 'soft-update.critic')?.value as number;
  assert.ok(Math.abs(tauHat - 0.01) < 1e-4, `estimated tau ${tauHat}`);
});

test('ownership: a critic variable also in the actor group, or an encoder variable in no group, is caught', async () => {
  await useCpuBackend();
  const cfg = tinyConfig(sharedFile('fixtures', 'multimodal', 'fork-3view-joint.h5'), { encoderGrad: 'critic' });
  const ds = await loadDataset(cfg.dataset, { imageSize: 16 });
  const resolved = resolveConfig(cfg, { hasImages: true, actionDim: ds.actionDim });
  const agent = LapoAgent.create({ spec: ds.spec, actionDim: ds.actionDim, minV: ds.stats.minV, maxV: ds.stats.maxV }, resolved, 0);
  try {
    const names = variableNames(agent);
    const vars = hostVars(agent);
    // The table is what the checks read; a stand-in agent with an edited table (a real one could not step).
    const withGroups = (edit: Partial<Record<GroupName, NamedVariable[]>>) =>
      ({
        namedVariables: () => agent.namedVariables(),
        groups: Object.fromEntries(GROUPS.map((g) => [g, { ...agent.groups[g], variables: edit[g] ?? agent.groups[g].variables }])),
      }) as unknown as LapoAgent;
    assert.deepEqual(failing(ownershipChecks(agent, 'critic', names, vars)), []);
    const criticVar = agent.groups.critic.variables.find(([n]) => n.startsWith('critic/'))!;
    const shared = withGroups({ actor: [...agent.groups.actor.variables, criticVar] });
    assert.deepEqual(failing(ownershipChecks(shared, 'critic', names, vars)), ['ownership.actor', 'ownership.disjoint']);
    const orphan = withGroups({ critic: agent.groups.critic.variables.filter(([n]) => n !== 'encoder/conv1/kernel') });
    const found = ownershipChecks(orphan, 'critic', names, vars);
    assert.deepEqual(failing(found), ['ownership.cover', 'ownership.critic', 'ownership.encoder']);
    assert.match(found.find((c) => c.name === 'ownership.cover')!.measured, /encoder\/conv1\/kernel in no group/);
    // the same agent diagnosed as if it were meant to be `vae`: the encoder is in the wrong group
    assert.deepEqual(failing(ownershipChecks(agent, 'vae', names, vars)), ['ownership.actorVae', 'ownership.critic', 'ownership.encoder']);
  } finally {
    agent.dispose();
    ds.close();
  }
});
