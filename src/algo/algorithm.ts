// The algorithms `lapo train --algo NAME` can run, as one registry: each entry builds its agent and names the
// metrics.csv columns its step returns. The trainer, checkpoints, evaluation and the experiment runner see only
// the TrainableAgent interface below, so adding an algorithm is one entry here and one agent class.
import type { AlgoName, LapoConfig } from '../config/schema.js';
import type { AgentDims, TrainableAgent } from './agent-types.js';
import { LapoAgent } from './agent.js';
import { BcAgent, BC_CORE_COLUMNS, BC_MEASURE_COLUMNS } from './bc-agent.js';
import { CORE_COLUMNS, MEASURE_COLUMNS } from './metrics.js';

export interface Algorithm {
  name: AlgoName;
  what: string;
  /** metrics.csv columns after step, wall_s, updates_per_s: finite on every step. */
  coreColumns: readonly string[];
  /** Columns filled on logged steps only (NaN on other steps and where they do not apply). */
  measureColumns: readonly string[];
  create(dims: AgentDims, cfg: LapoConfig, seed: number): TrainableAgent;
}

export const ALGORITHMS: Readonly<Record<AlgoName, Algorithm>> = {
  lapo: {
    name: 'lapo',
    what: 'LAPO: twin Q + V critic, advantage-weighted conditional VAE, latent actor',
    coreColumns: CORE_COLUMNS,
    measureColumns: MEASURE_COLUMNS,
    create: (dims, cfg, seed) => LapoAgent.create(dims, cfg, seed),
  },
  bc: {
    name: 'bc',
    what: 'behaviour cloning: encoder + MLP policy trained on the action MSE',
    coreColumns: BC_CORE_COLUMNS,
    measureColumns: BC_MEASURE_COLUMNS,
    create: (dims, cfg, seed) => BcAgent.create(dims, cfg, seed),
  },
};

export function createAgent(dims: AgentDims, cfg: LapoConfig, seed: number): TrainableAgent {
  return ALGORITHMS[cfg.algo].create(dims, cfg, seed);
}

/** The algorithm's columns of metrics.csv after the trainer's own. */
export function metricColumns(algo: AlgoName): string[] {
  const a = ALGORITHMS[algo];
  return [...a.coreColumns, ...a.measureColumns];
}
