// The columns of the run's CSV files, in their fixed order.
// metrics.csv: the trainer's three columns, then the algorithm's columns (algorithm.ts) in its order.
import type { AlgoName } from '../config/schema.js';
import { metricColumns } from '../algo/algorithm.js';

export const TRAINER_COLUMNS = ['step', 'wall_s', 'updates_per_s'] as const;

/** metrics.csv of a run of `algo`. */
export function metricsCsvColumns(algo: AlgoName): string[] {
  return [...TRAINER_COLUMNS, ...metricColumns(algo)];
}

/** eval.csv starts with these; an evaluator appends its own columns (score, success rate, Q-value error...). */
export const EVAL_CSV_BASE_COLUMNS: readonly string[] = ['step', 'episodes', 'return_mean', 'return_std', 'seed'];

/** grads.csv, long format: one row per (step, group, parameter) on log steps (d3rlpy watch_model). */
export const GRADS_CSV_COLUMNS: readonly string[] = ['step', 'group', 'param', 'norm'];

/**
 * The first metric that shows divergence, or null: a core column (losses, means) that is not finite, or a
 * measured column that is infinite (measured columns are NaN by design off log steps and without an encoder).
 */
export function firstNonFinite(
  m: Readonly<Record<string, number>>,
  columns: { coreColumns: readonly string[]; measureColumns: readonly string[] },
): { column: string; value: number } | null {
  for (const c of columns.coreColumns) if (!Number.isFinite(m[c])) return { column: c, value: m[c] };
  for (const c of columns.measureColumns) if (m[c] === Infinity || m[c] === -Infinity) return { column: c, value: m[c] };
  return null;
}
