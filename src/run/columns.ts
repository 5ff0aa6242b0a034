// The columns of the run's CSV files, in their fixed order (conventions §6; issue 4 point 6 lists metrics.csv).
// metrics.csv: the trainer's three columns, then the agent's StepMetrics keys in METRIC_COLUMNS order.
import { CORE_COLUMNS, MEASURE_COLUMNS, METRIC_COLUMNS } from '../algo/metrics.js';

export const TRAINER_COLUMNS = ['step', 'wall_s', 'updates_per_s'] as const;

export const METRICS_CSV_COLUMNS: readonly string[] = [...TRAINER_COLUMNS, ...METRIC_COLUMNS];

/** eval.csv starts with these; an evaluator appends its own columns (score, success rate, Q-value error...). */
export const EVAL_CSV_BASE_COLUMNS: readonly string[] = ['step', 'episodes', 'return_mean', 'return_std', 'seed'];

/** grads.csv, long format: one row per (step, group, parameter) on log steps (d3rlpy watch_model). */
export const GRADS_CSV_COLUMNS: readonly string[] = ['step', 'group', 'param', 'norm'];

/**
 * The first metric that shows divergence, or null: a core column (losses, means) that is not finite, or a
 * measured column that is infinite (measured columns are NaN by design off log steps and without an encoder).
 */
export function firstNonFinite(m: Readonly<Record<string, number>>): { column: string; value: number } | null {
  for (const c of CORE_COLUMNS) if (!Number.isFinite(m[c])) return { column: c, value: m[c] };
  for (const c of MEASURE_COLUMNS) if (m[c] === Infinity || m[c] === -Infinity) return { column: c, value: m[c] };
  return null;
}

export { CORE_COLUMNS, MEASURE_COLUMNS, METRIC_COLUMNS };
