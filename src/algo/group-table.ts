// The optimizer groups of LAPO and every name each one goes by, in one table: the config key of its learning
// rate, the network it trains, the prefix of that network's variables (which is also the group's name in
// grads.csv), the part of the step (lapo-step.ts) that steps it, and its metrics.csv columns (loss, encoder
// gradient norm, parameter change). Which groups the encoder joins is the encoder mode's business
// (encoder-modes.ts); groups.ts builds the optimizers from both tables.
import type { LapoConfig } from '../config/schema.js';
import type { CoreColumn, MeasureColumn } from './metrics.js';

export type GroupName = 'critic' | 'actorVae' | 'actor';
export const GROUP_NAMES: readonly GroupName[] = ['critic', 'actorVae', 'actor'];

/** The optimizer parts of the step, one per group. */
export type UpdatePart = 'critic' | 'vae' | 'actor';
/** Keys of LapoNets (model.ts) that a group trains. */
export type NetKey = 'critic' | 'vae' | 'actor';

interface GroupRow {
  lr: keyof LapoConfig & `${string}Lr`;
  net: NetKey;
  /** Variable prefix (critic/q1/l1/kernel) and the group's name in grads.csv. */
  prefix: string;
  part: UpdatePart;
  lossColumn: CoreColumn;
  encGradColumn: MeasureColumn;
  deltaColumn: MeasureColumn;
}

/** THE table. */
export const GROUP_TABLE = {
  critic: {
    lr: 'criticLr',
    net: 'critic',
    prefix: 'critic',
    part: 'critic',
    lossColumn: 'critic_loss',
    encGradColumn: 'enc_grad_norm_critic',
    deltaColumn: 'delta_critic',
  },
  actorVae: {
    lr: 'vaeLr',
    net: 'vae',
    prefix: 'actor_vae',
    part: 'vae',
    lossColumn: 'vae_loss',
    encGradColumn: 'enc_grad_norm_vae',
    deltaColumn: 'delta_actor_vae',
  },
  actor: {
    lr: 'actorLr',
    net: 'actor',
    prefix: 'actor',
    part: 'actor',
    lossColumn: 'actor_loss',
    encGradColumn: 'enc_grad_norm_actor',
    deltaColumn: 'delta_actor',
  },
} as const satisfies Readonly<Record<GroupName, GroupRow>>;

export type GroupPart<G extends GroupName> = (typeof GROUP_TABLE)[G]['part'];
export type LrKey = (typeof GROUP_TABLE)[GroupName]['lr'];

/** The observation encoder's names, beside the groups it may join. */
export const ENCODER_NAMES = { prefix: 'encoder', deltaColumn: 'delta_encoder', firstConv: 'encoder/conv1/' } as const;

/** The group a part of the step updates. */
export function groupOfPart(part: UpdatePart): GroupName {
  return GROUP_NAMES.find((g) => GROUP_TABLE[g].part === part)!;
}
