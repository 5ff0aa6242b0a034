// Evaluation during training (--eval-every N): the trainer calls `evaluate(agent, step, dataset, episodes)` every
// N steps and appends the row to eval.csv. Offline numbers come from (at most OFFLINE_ROWS of) the validation
// split; online numbers from `episodes` episodes of the task recorded in the dataset, always with the same seed,
// so successive rows differ only by the weights. Without a recorded task the online columns are NaN and
// `episodes` is 0; without validation episodes the offline columns are NaN.
import type { TrainableAgent } from '../algo/agent-types.js';
import type { TransitionDataset } from '../data/types.js';
import type { TaskSpec } from '../env/tasks.js';
import type { TrainEvaluator } from '../run/trainer.js';
import { agentPolicy, checkTaskCompatible } from './agent-policy.js';
import { errorColumns, evaluateOffline, type OfflineResult } from './offline.js';
import { DEFAULT_EVAL_SEED, evaluateOnline } from './online.js';
import type { McTail } from './returns.js';
import { taskOfDataset } from './task-of.js';

/** eval.csv columns after the trainer's base columns (step, episodes, return_mean, return_std, seed). */
export const EVAL_COLUMNS: readonly string[] = [
  'score',
  'score_std',
  'success_rate',
  'length_mean',
  'action_mse',
  'recon_mse',
  'q_mse',
  'q_mse_rel',
  'q_pearson',
  'v_mse',
  'v_mse_rel',
  'v_pearson',
  'valid_transitions',
];

/** Validation rows scored per periodic evaluation (evenly spaced through the split) to bound its cost. */
export const OFFLINE_ROWS = 2048;

export interface PeriodicOptions {
  mcTail?: McTail;
  seed?: number;
}

/** The evaluator `lapo train --eval-every N` passes to train(). */
export function createTrainEvaluator(opts: PeriodicOptions = {}): TrainEvaluator {
  const seed = opts.seed ?? DEFAULT_EVAL_SEED;
  // The task is read from the dataset's attributes once, on the first evaluation.
  let task: { file: string; spec: TaskSpec | null; imageSize: number; renderSize: number } | null = null;
  return {
    columns: EVAL_COLUMNS,
    async evaluate(agent: TrainableAgent, _step: number, ds: TransitionDataset, episodes: number) {
      if (!task || task.file !== ds.file) {
        const found = await taskOfDataset(ds.file);
        const imageSize = found ? checkTaskCompatible(found.task, ds.spec, ds.actionDim, ds.file) : 0;
        task = { file: ds.file, spec: found?.task ?? null, imageSize, renderSize: (imageSize && found?.imageSize) || imageSize };
      }
      const row: Record<string, number> = { episodes: 0, return_mean: NaN, return_std: NaN, seed };
      for (const c of EVAL_COLUMNS) row[c] = NaN;
      if (ds.indices('valid').length > 0) {
        const off = evaluateOffline(ds, agent, {
          split: 'valid',
          mcTail: opts.mcTail ?? 'exclude',
          discount: agent.valueSpec.discount,
          doubleqMin: agent.valueSpec.doubleqMin,
          stats: ds.stats,
          maxRows: OFFLINE_ROWS,
        });
        Object.assign(row, offlineColumns(off));
      }
      if (task.spec) {
        const on = evaluateOnline(task.spec, agentPolicy(agent, ds.spec, ds.stats, ds.actionDim), {
          episodes,
          seed,
          imageSize: task.imageSize || 8,
          renderSize: task.renderSize || 8,
        });
        Object.assign(row, {
          episodes: on.episodes,
          return_mean: on.returnMean,
          return_std: on.returnStd,
          score: on.normalizedScore,
          score_std: on.normalizedScoreStd,
          success_rate: on.successRate,
          length_mean: on.lengthMean,
        });
      }
      return row;
    },
  };
}

export function offlineColumns(off: OfflineResult): Record<string, number> {
  return { ...errorColumns(off), valid_transitions: off.transitions };
}
