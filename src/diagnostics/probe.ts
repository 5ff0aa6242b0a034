// Takes one LAPO iteration apart: the same functions, in the same order, as lapoIteration (src/algo/lapo-step.ts)
// — critic update, advantage, VAE update, actor update, soft target updates — with a host copy of every variable
// between the parts, each part's encoder gradient, and each optimizer's state just before its part.
// The parts run with `measure` on: the encoder's variables are then in every loss's differentiation list, so a
// loss that does not reach the encoder honestly yields no gradient (norm 0), and under --encoder-grad vae the
// critic's encoder gradient is computed (as the historical defect did) but, as there, never applied.
// Whether these parts really are the training step is itself checked: the survival check compares the encoder
// after a real agent.step() with what the parts predict.
import { tf } from '../backend/tf.js';
import type { LapoAgent, StepNoise } from '../algo/agent.js';
import type { GroupName } from '../algo/groups.js';
import {
  actorUpdate,
  advantageAndPolicyFeatures,
  criticUpdate,
  disposeStep,
  prepareStep,
  softUpdateTargets,
  vaeUpdate,
} from '../algo/lapo-step.js';
import type { HostBatch } from '../data/types.js';
import { hostVars, type HostVars } from './state.js';

export const PARTS = ['critic', 'vae', 'actor'] as const;
export type Part = (typeof PARTS)[number];
/** The optimizer group that steps in each part. */
export const PART_GROUP: Record<Part, GroupName> = { critic: 'critic', vae: 'actorVae', actor: 'actor' };

export interface OptimizerSnapshot {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Per variable name: first and second moments and the step count before the part. */
  params: Map<string, { m: Float32Array; v: Float32Array; step: number }>;
}

export interface Probe {
  /** Variables before the step, after the critic, VAE and actor parts, and after the soft updates. */
  before: HostVars;
  after: Record<Part, HostVars>;
  afterSoft: HostVars;
  /** Encoder gradient of each part's loss, by variable name (absent: no gradient reached it). */
  encoderGrads: Record<Part, Map<string, Float32Array>>;
  optimizerBefore: Record<Part, OptimizerSnapshot>;
}

function optimizerSnapshot(agent: LapoAgent, group: GroupName): OptimizerSnapshot {
  const g = agent.groups[group];
  const state = g.optimizer.getState();
  const params = new Map<string, { m: Float32Array; v: Float32Array; step: number }>();
  try {
    for (const name of g.optimizer.names) {
      params.set(name, {
        m: Float32Array.from(state.get(`${name}/exp_avg`)!.dataSync()),
        v: Float32Array.from(state.get(`${name}/exp_avg_sq`)!.dataSync()),
        step: state.get(`${name}/step`)!.dataSync()[0],
      });
    }
  } finally {
    tf.dispose([...state.values()]);
  }
  const o = g.optimizer;
  return { lr: o.lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, params };
}

function hostGrads(grads: Map<string, tf.Tensor>): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [n, g] of grads) out.set(n, Float32Array.from(g.dataSync() as Float32Array));
  return out;
}

/** Runs one iteration part by part on `agent` (which it changes: restore it afterwards). */
export function probeIteration(agent: LapoAgent, batch: HostBatch, noise: StepNoise): Probe {
  const m = agent.model;
  const groups = agent.groups;
  let probe: Probe | null = null;
  // The result is host data, so it is handed out through a variable rather than as the tidy's return value.
  tf.tidy(() => {
    const inp = agent.stepInputs(batch, noise);
    const before = hostVars(agent);
    const st = prepareStep(m, groups, inp, true);
    try {
      const optimizerBefore = {} as Record<Part, OptimizerSnapshot>;
      const encoderGrads = {} as Record<Part, Map<string, Float32Array>>;
      const after = {} as Record<Part, HostVars>;

      optimizerBefore.critic = optimizerSnapshot(agent, 'critic');
      encoderGrads.critic = hostGrads(criticUpdate(m, groups, st, true).encoderGrads);
      after.critic = hostVars(agent);

      advantageAndPolicyFeatures(m, st);
      optimizerBefore.vae = optimizerSnapshot(agent, 'actorVae');
      encoderGrads.vae = hostGrads(vaeUpdate(m, groups, st, true).encoderGrads);
      after.vae = hostVars(agent);

      optimizerBefore.actor = optimizerSnapshot(agent, 'actor');
      encoderGrads.actor = hostGrads(actorUpdate(m, groups, st, true).encoderGrads);
      after.actor = hostVars(agent);

      softUpdateTargets(m);
      const afterSoft = hostVars(agent);
      probe = { before, after, afterSoft, encoderGrads, optimizerBefore };
    } finally {
      disposeStep(st);
    }
  });
  return probe!;
}

/**
 * PyTorch's Adam update of one parameter (float64 on the host, from the optimizer's float32 state), as
 * torch.optim.Adam computes it: p − lr/(1−β1^t) · m/(√v/√(1−β2^t) + ε).
 */
export function adamUpdate(p: Float32Array, g: Float32Array, s: { m: Float32Array; v: Float32Array; step: number }, o: OptimizerSnapshot): Float64Array {
  const t = s.step + 1;
  const bc1 = 1 - o.beta1 ** t;
  const bc2 = Math.sqrt(1 - o.beta2 ** t);
  const out = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const m = o.beta1 * s.m[i] + (1 - o.beta1) * g[i];
    const v = o.beta2 * s.v[i] + (1 - o.beta2) * g[i] * g[i];
    out[i] = p[i] - (o.lr / bc1) * (m / (Math.sqrt(v) / bc2 + o.eps));
  }
  return out;
}
