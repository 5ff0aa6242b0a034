// Takes one LAPO iteration apart: it runs lapoIteration (src/algo/lapo-step.ts) itself and, through its afterPart
// hook, takes a host copy of every variable after each part (critic update, advantage, VAE update, actor update,
// soft target updates) and each part's encoder gradient; each optimizer's state is copied before the step (a
// group's optimizer state changes only in its own part). The iteration runs with `measure` on: the encoder's variables are then in every loss's differentiation list, so a
// loss that does not reach the encoder honestly yields no gradient (norm 0), and under --encoder-grad vae the
// critic's encoder gradient is computed (as the historical defect did) but, as there, never applied.
// Whether these parts really are the training step is itself checked: the survival check compares the encoder
// after a real agent.step() with what the parts predict.
import { tf } from '../backend/tf.js';
import type { LapoAgent, StepNoise } from '../algo/agent.js';
import { GROUP_NAMES, GROUP_TABLE, groupOfPart, type GroupName, type UpdatePart } from '../algo/group-table.js';
import { lapoIteration } from '../algo/lapo-step.js';
import type { HostBatch } from '../data/types.js';
import { hostVars, type HostVars } from './state.js';

/** The optimizer parts of the step, in step order. */
export const PARTS: readonly UpdatePart[] = GROUP_NAMES.map((g) => GROUP_TABLE[g].part);
export type Part = UpdatePart;
/** The optimizer group that steps in each part. */
export const PART_GROUP = Object.fromEntries(PARTS.map((p) => [p, groupOfPart(p)])) as Record<Part, GroupName>;

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

/** Runs one iteration on `agent`, observing it part by part (it changes the agent: restore it afterwards). */
export function probeIteration(agent: LapoAgent, batch: HostBatch, noise: StepNoise): Probe {
  let probe: Probe | null = null;
  // The result is host data, so it is handed out through a variable rather than as the tidy's return value.
  tf.tidy(() => {
    const inp = agent.stepInputs(batch, noise);
    const before = hostVars(agent);
    const optimizerBefore = {} as Record<Part, OptimizerSnapshot>;
    for (const p of PARTS) optimizerBefore[p] = optimizerSnapshot(agent, PART_GROUP[p]);
    const encoderGrads = {} as Record<Part, Map<string, Float32Array>>;
    const after = {} as Record<Part, HostVars>;
    let afterSoft: HostVars | null = null;
    lapoIteration(agent.model, agent.groups, inp, {
      measure: true,
      afterPart: (part, outcome) => {
        if (part === 'targets') afterSoft = hostVars(agent);
        if (part === 'advantage' || part === 'targets') return;
        encoderGrads[part] = hostGrads(outcome.grads!.encoderGrads);
        after[part] = hostVars(agent);
      },
    });
    probe = { before, after, afterSoft: afterSoft!, encoderGrads, optimizerBefore };
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
