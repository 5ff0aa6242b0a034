// What the trainer, checkpoints and evaluation need from an agent of any algorithm (algorithm.ts lists them).
import type { tf } from '../backend/tf.js';
import type { HostBatch, ObsSpec } from '../data/types.js';
import type { NamedVariable } from '../nn/module.js';
import type { RngState } from '../util/rng.js';

export interface AgentDims {
  spec: ObsSpec;
  actionDim: number;
  /** Bounds of the V target (NormStats.minV / maxV, as the official main_d4rl.py computes them). */
  minV: number;
  maxV: number;
}

/** The L2 norm of the gradient one optimizer group applied to one of its variables (a grads.csv row). */
export interface GradNorm {
  group: string;
  param: string;
  norm: number;
}

/** Read-outs for offline evaluation, normalised units; an algorithm without a critic or VAE returns NaN there. */
export interface Evaluation {
  q1: Float32Array;
  q2: Float32Array;
  v: Float32Array;
  action: Float32Array;
  recon: Float32Array;
}

export interface StepOutcome {
  /** Keyed by the algorithm's metrics.csv columns. */
  metrics: Readonly<Record<string, number>>;
  gradNorms: GradNorm[] | null;
}

export interface TrainableAgent {
  /** One training iteration; `measure` fills the measured columns (NaN otherwise), `gradNorms` grads.csv. */
  train(batch: HostBatch, opts: { measure: boolean; gradNorms: boolean }): StepOutcome;
  /** Normalised policy actions [B, actionDim]. */
  act(batch: HostBatch): Float32Array;
  evaluate(batch: HostBatch): Evaluation;
  /** Discount and min/max mix of the value the critic estimates (offline Q scores use them). */
  readonly valueSpec: { discount: number; doubleqMin: number };
  namedVariables(): Map<string, tf.Variable>;
  trainableVariables(): NamedVariable[];
  optimizerState(): Map<string, tf.Tensor>;
  loadOptimizerState(state: Map<string, tf.Tensor>, source?: string): void;
  rngState(): RngState;
  setRngState(state: RngState): void;
  dispose(): void;
}

