// The optimizer groups: ONE table says which networks each group trains, at which learning rate, and under which
// --encoder-grad modes the observation encoder joins it. Everything else (the Adam instances, which losses flow
// into the encoder, the start-up check) is derived from this table, so the historical defect (encoder in the VAE
// optimizer) can only happen by asking for it: --encoder-grad vae.
//
// Coverage under `frozen`: the encoder's variables are created non-trainable (trainable=false), so "every
// trainable variable is in exactly one group" still holds and nothing can step them; checkGroups additionally
// refuses a non-trainable variable inside any group.
import { LapoError } from '../errors.js';
import { Adam } from '../nn/adam.js';
import { prefixed, type NamedVariable } from '../nn/module.js';
import type { EncoderGrad } from './config.js';
import type { CoreColumn } from './metrics.js';
import type { LapoNets } from './model.js';

export type GroupName = 'critic' | 'actorVae' | 'actor';
export const GROUP_NAMES: readonly GroupName[] = ['critic', 'actorVae', 'actor'];

type NetKey = 'critic' | 'vae' | 'actor';
type LrKey = 'criticLr' | 'vaeLr' | 'actorLr';

interface GroupRow {
  nets: readonly NetKey[];
  lr: LrKey;
  /** --encoder-grad modes under which the encoder's variables belong to this group. */
  encoderUnder: readonly EncoderGrad[];
  /** The part of the step (lapo-step.ts) that steps this group, and the column of the loss it minimises. */
  part: UpdatePart;
  lossColumn: CoreColumn;
}

/** THE table. */
export const GROUP_TABLE = {
  critic: { nets: ['critic'], lr: 'criticLr', encoderUnder: ['critic', 'both'], part: 'critic', lossColumn: 'critic_loss' },
  actorVae: { nets: ['vae'], lr: 'vaeLr', encoderUnder: ['vae', 'both'], part: 'vae', lossColumn: 'vae_loss' },
  actor: { nets: ['actor'], lr: 'actorLr', encoderUnder: [], part: 'actor', lossColumn: 'actor_loss' },
} as const satisfies Readonly<Record<GroupName, GroupRow>>;

/** The optimizer parts of the step, one per group. */
export type UpdatePart = 'critic' | 'vae' | 'actor';
export type GroupPart<G extends GroupName> = (typeof GROUP_TABLE)[G]['part'];

const NET_PREFIX: Record<NetKey, string> = { critic: 'critic', vae: 'actor_vae', actor: 'actor' };

export interface Group {
  name: GroupName;
  variables: NamedVariable[];
  optimizer: Adam;
  lr: number;
  /** True when the encoder's variables are in this group (its loss is computed through the encoder). */
  ownsEncoder: boolean;
}

export type Groups = Readonly<Record<GroupName, Group>>;

export function ownsEncoder(group: GroupName, mode: EncoderGrad): boolean {
  return (GROUP_TABLE[group].encoderUnder as readonly EncoderGrad[]).includes(mode);
}

export function buildGroups(nets: LapoNets, cfg: Record<LrKey, number> & { encoderGrad: EncoderGrad }): Groups {
  const encoderVars = prefixed('encoder', nets.encoder.namedVariables());
  const make = (name: GroupName): Group => {
    const row = GROUP_TABLE[name];
    const own = ownsEncoder(name, cfg.encoderGrad);
    const variables = [
      ...(own ? encoderVars : []),
      ...row.nets.flatMap((k) => prefixed(NET_PREFIX[k], nets[k].namedVariables())),
    ];
    const lr = cfg[row.lr];
    const optimizer = new Adam(
      variables.map(([n]) => n),
      variables.map(([, v]) => v),
      { lr },
    );
    return { name, variables, optimizer, lr, ownsEncoder: own && encoderVars.length > 0 };
  };
  return { critic: make('critic'), actorVae: make('actorVae'), actor: make('actor') };
}

/**
 * Refuses a broken table: a group holding a non-trainable or unknown variable, a variable in two groups (allowed
 * only for the encoder, only under `both`), the encoder in groups other than the table's for `mode`, or a
 * trainable variable in no group. Throws one LapoError naming the first problem.
 */
export function checkGroups(
  groups: Readonly<Record<GroupName, { variables: readonly NamedVariable[] }>>,
  allTrainable: readonly NamedVariable[],
  mode: EncoderGrad,
): void {
  const fail = (what: string) => new LapoError('runtime', `optimizer groups (--encoder-grad ${mode}): ${what}`);
  const known = new Map(allTrainable.map(([n, v]) => [v, n] as const));
  const owners = new Map<unknown, GroupName[]>();
  for (const g of GROUP_NAMES) {
    for (const [name, v] of groups[g].variables) {
      if (!v.trainable) throw fail(`${name} is in group ${g} but is not trainable`);
      if (!known.has(v)) throw fail(`${name} is in group ${g} but is not a variable of the model`);
      owners.set(v, [...(owners.get(v) ?? []), g]);
    }
  }
  for (const [v, name] of known) {
    const gs = owners.get(v) ?? [];
    if (gs.length === 0) throw fail(`${name} is trainable but in no group`);
    const isEncoder = name.startsWith('encoder/');
    if (gs.length > 1 && !(isEncoder && mode === 'both')) {
      throw fail(`${name} is in groups ${gs.join(' and ')}; groups must be disjoint (only the encoder, only under both)`);
    }
    if (isEncoder) {
      const want = GROUP_NAMES.filter((g) => ownsEncoder(g, mode));
      if (gs.length !== want.length || gs.some((g) => !want.includes(g))) {
        throw fail(`${name} is in ${gs.join(' and ')}, expected ${want.join(' and ') || 'no group'}`);
      }
    }
  }
}
