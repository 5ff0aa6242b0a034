// The optimizer groups: one Adam per row of GROUP_TABLE (group-table.ts), holding that row's network and, where
// the encoder mode (encoder-modes.ts) says so, the observation encoder. Everything else (which losses flow into
// the encoder, the start-up check) is derived from these two tables, so the historical defect (encoder in the VAE
// optimizer) can only happen by asking for it: --encoder-grad vae.
//
// Coverage under `frozen`: the encoder's variables are created non-trainable (trainable=false), so "every
// trainable variable is in exactly one group" still holds and nothing can step them; checkGroups additionally
// refuses a non-trainable variable inside any group.
import { LapoError } from '../errors.js';
import { Adam } from '../nn/adam.js';
import { prefixed, type NamedVariable } from '../nn/module.js';
import type { EncoderGrad } from '../config/schema.js';
import type { LapoNets } from './model.js';
import { ENCODER_NAMES, GROUP_NAMES, GROUP_TABLE, type GroupName, type LrKey } from './group-table.js';
import { ENCODER_MODES, ownsEncoder } from './encoder-modes.js';

export interface Group {
  name: GroupName;
  variables: NamedVariable[];
  optimizer: Adam;
  lr: number;
  /** True when the encoder's variables are in this group (its loss is computed through the encoder). */
  ownsEncoder: boolean;
}

export type Groups = Readonly<Record<GroupName, Group>>;

export function buildGroups(nets: LapoNets, cfg: Record<LrKey, number> & { encoderGrad: EncoderGrad }): Groups {
  const encoderVars = prefixed(ENCODER_NAMES.prefix, nets.encoder.namedVariables());
  const make = (name: GroupName): Group => {
    const row = GROUP_TABLE[name];
    const own = ownsEncoder(name, cfg.encoderGrad);
    const variables = [
      ...(own ? encoderVars : []),
      ...prefixed(row.prefix, nets[row.net].namedVariables()),
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
    const isEncoder = name.startsWith(`${ENCODER_NAMES.prefix}/`);
    if (gs.length > 1 && !(isEncoder && ENCODER_MODES[mode].owners.length > 1)) {
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
