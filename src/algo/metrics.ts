// The per-step numbers the agent returns: keys are the metrics.csv columns (after step, wall_s, updates_per_s,
// which the trainer adds). The first twelve come from every step; the encoder-gradient and parameter-change
// columns only from `measure` steps (NaN otherwise, and NaN when the model has no encoder: state-only data).
import { tf } from '../backend/tf.js';

export const CORE_COLUMNS = [
  'critic_loss',
  'q1_loss',
  'q2_loss',
  'v_loss',
  'vae_loss',
  'vae_recon',
  'vae_kl',
  'actor_loss',
  'q_mean',
  'v_mean',
  'adv_mean',
  'adv_pos_frac',
] as const;

export const MEASURE_COLUMNS = [
  'enc_grad_norm_critic',
  'enc_grad_norm_vae',
  'enc_grad_norm_actor',
  'enc_conv1_grad_norm',
  'delta_encoder',
  'delta_critic',
  'delta_actor_vae',
  'delta_actor',
] as const;

export const METRIC_COLUMNS = [...CORE_COLUMNS, ...MEASURE_COLUMNS] as const;
export type CoreColumn = (typeof CORE_COLUMNS)[number];
export type MeasureColumn = (typeof MEASURE_COLUMNS)[number];
export type MetricColumn = (typeof METRIC_COLUMNS)[number];
export type StepMetrics = Readonly<Record<MetricColumn, number>>;

/** The core columns each part of the iteration (lapo-step.ts) produces. */
export const PART_COLUMNS = {
  critic: ['critic_loss', 'q1_loss', 'q2_loss', 'v_loss', 'q_mean', 'v_mean'],
  advantage: ['adv_mean', 'adv_pos_frac'],
  vae: ['vae_loss', 'vae_recon', 'vae_kl'],
  actor: ['actor_loss'],
} as const satisfies Record<string, readonly CoreColumn[]>;
export type ScalarPart = keyof typeof PART_COLUMNS;

/** A part's scalars, keyed by their metrics.csv columns. */
export type PartScalars<P extends ScalarPart> = Record<(typeof PART_COLUMNS)[P][number], tf.Scalar>;
/** The measured scalars of a step, keyed by MEASURE_COLUMNS names. */
export type MeasuredScalars = Record<MeasureColumn, tf.Scalar>;

/** Turns the stacked values back into named numbers. */
export function toMetrics(values: ArrayLike<number>, measured: boolean): StepMetrics {
  const out: Record<string, number> = {};
  METRIC_COLUMNS.forEach((c, i) => {
    out[c] = i < CORE_COLUMNS.length || measured ? values[i] : NaN;
  });
  return Object.freeze(out) as StepMetrics;
}
