// The optimizer-group table and the start-up check that refuses a broken one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCpuBackend } from '../helpers/backend.js';
import { checkGroups } from '../../src/algo/groups.js';
import { GROUP_NAMES, type GroupName } from '../../src/algo/group-table.js';
import { ENCODER_MODES } from '../../src/algo/encoder-modes.js';
import type { NamedVariable } from '../../src/nn/module.js';
import { LapoError } from '../../src/errors.js';
import { toyAgent } from './toy.js';

type Table = Record<GroupName, { variables: NamedVariable[] }>;

function tableOf(agent: ReturnType<typeof toyAgent>): Table {
  const t = {} as Table;
  for (const g of GROUP_NAMES) t[g] = { variables: [...agent.groups[g].variables] };
  return t;
}

function refuses(fn: () => void, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof LapoError && pattern.test(e.message) && !e.message.includes('\n'));
}

test('the table puts the encoder where --encoder-grad says', async () => {
  await useCpuBackend();
  const expected: Record<string, GroupName[]> = { critic: ['critic'], vae: ['actorVae'], both: ['critic', 'actorVae'], frozen: [] };
  for (const mode of ['critic', 'vae', 'both', 'frozen'] as const) {
    const agent = toyAgent(mode);
    const owners = GROUP_NAMES.filter((g) => agent.groups[g].variables.some(([n]) => n.startsWith('encoder/')));
    assert.deepEqual(owners, expected[mode], mode);
    assert.deepEqual(GROUP_NAMES.filter((g) => ENCODER_MODES[mode].owners.includes(g)), expected[mode]);
    // Frozen: the encoder is non-trainable, so it is outside the coverage check by construction.
    const encTrainable = agent.trainableVariables().some(([n]) => n.startsWith('encoder/'));
    assert.equal(encTrainable, mode !== 'frozen');
    // Every trainable variable is in a group and the check passes (create() already ran it).
    checkGroups(tableOf(agent), agent.trainableVariables(), mode);
    // Targets are never trainable and never in a group.
    assert.ok(agent.trainableVariables().every(([n]) => !n.startsWith('target/')));
    assert.equal(agent.groups.critic.lr, 2e-4);
    agent.dispose();
  }
});

test('checkGroups refuses overlapping, non-covering and mis-placed encoder tables', async () => {
  await useCpuBackend();
  const agent = toyAgent('critic');
  const all = agent.trainableVariables();
  const base = () => tableOf(agent);

  // A critic variable also in the actor group.
  const overlap = base();
  overlap.actor.variables.push(overlap.critic.variables.find(([n]) => n.startsWith('critic/'))!);
  refuses(() => checkGroups(overlap, all, 'critic'), /critic\/q1\/l1\/kernel is in groups critic and actor/);

  // An actor variable in no group.
  const hole = base();
  hole.actor.variables = hole.actor.variables.slice(1);
  refuses(() => checkGroups(hole, all, 'critic'), /actor\/pi1\/kernel is trainable but in no group/);

  // The historical defect by accident: encoder in the VAE group while the mode says critic.
  const defect = base();
  const enc = defect.critic.variables.filter(([n]) => n.startsWith('encoder/'));
  defect.critic.variables = defect.critic.variables.filter(([n]) => !n.startsWith('encoder/'));
  defect.actorVae.variables.push(...enc);
  refuses(() => checkGroups(defect, all, 'critic'), /encoder\/conv1\/kernel is in actorVae, expected critic/);

  // Encoder in two groups outside `both`.
  const twice = base();
  twice.actorVae.variables.push(...enc);
  refuses(() => checkGroups(twice, all, 'critic'), /groups must be disjoint/);

  // A target variable slipped into a group.
  const tgt = base();
  tgt.critic.variables.push([...agent.namedVariables()].find(([n]) => n.startsWith('target/critic/'))!);
  refuses(() => checkGroups(tgt, all, 'critic'), /target\/critic\/q1\/l1\/kernel is in group critic but is not trainable/);
  agent.dispose();

  // Frozen: an encoder variable inside a group is refused (it is not trainable).
  const frozen = toyAgent('frozen');
  const ft = tableOf(frozen);
  ft.critic.variables.push([...frozen.namedVariables()].find(([n]) => n.startsWith('encoder/'))!);
  refuses(() => checkGroups(ft, frozen.trainableVariables(), 'frozen'), /encoder\/conv1\/kernel is in group critic but is not trainable/);
  frozen.dispose();
});
