// A run folder's eval.csv with the experiment's columns, for the summary and suite tests.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Rows of step, episodes, return_mean, return_std, seed, score, success_rate, action_mse, q_mse, q_mse_rel. */
export function writeEval(dir: string, rows: number[][]): void {
  mkdirSync(dir, { recursive: true });
  const head = 'step,episodes,return_mean,return_std,seed,score,success_rate,action_mse,q_mse,q_mse_rel\n';
  writeFileSync(join(dir, 'eval.csv'), head + rows.map((r) => r.join(',')).join('\n') + '\n');
}
