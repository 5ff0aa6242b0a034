// What each --encoder-grad mode of LAPO means, as data: which optimizer groups own the encoder's variables,
// whether those variables are trainable at all, whether the target encoder follows by soft update, and whether
// the critic loss is still computed through the encoder (and its gradient measured) without being applied, as
// the historical defect did. model.ts, groups.ts and lapo-step.ts read this table instead of testing mode names.
// (src/diagnostics/checks.ts keeps its own statement of the same expectations on purpose: it is the oracle.)
import type { EncoderGrad } from '../config/schema.js';
import type { GroupName } from './group-table.js';

export interface EncoderMode {
  owners: readonly GroupName[];
  trainable: boolean;
  softUpdatedTarget: boolean;
  /** On measure steps the critic loss runs through the encoder; that gradient is computed, never applied. */
  criticGradUnapplied: boolean;
}

export const ENCODER_MODES: Readonly<Record<EncoderGrad, EncoderMode>> = {
  critic: { owners: ['critic'], trainable: true, softUpdatedTarget: true, criticGradUnapplied: false },
  vae: { owners: ['actorVae'], trainable: true, softUpdatedTarget: true, criticGradUnapplied: true },
  both: { owners: ['critic', 'actorVae'], trainable: true, softUpdatedTarget: true, criticGradUnapplied: false },
  frozen: { owners: [], trainable: false, softUpdatedTarget: false, criticGradUnapplied: false },
};

export function ownsEncoder(group: GroupName, mode: EncoderGrad): boolean {
  return ENCODER_MODES[mode].owners.includes(group);
}
