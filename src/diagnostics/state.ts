// Host copies of an agent's state. The diagnosis takes every step on the same starting point several times: it
// copies all variables and optimizer moments to the host once, and restores them before each experiment. Nothing
// here writes to disk; the checkpoint the agent came from is only ever read.
import { tf } from '../backend/tf.js';
import type { LapoAgent } from '../algo/agent.js';

/** Every variable of the agent (targets included), by stable name. */
export type HostVars = Map<string, Float32Array>;

export interface AgentState {
  vars: HostVars;
  optimizer: Map<string, { data: Float32Array; shape: number[] }>;
}

export function hostVars(agent: LapoAgent): HostVars {
  const out: HostVars = new Map();
  for (const [name, v] of agent.namedVariables()) out.set(name, Float32Array.from(v.dataSync() as Float32Array));
  return out;
}

export function saveState(agent: LapoAgent): AgentState {
  const optimizer = new Map<string, { data: Float32Array; shape: number[] }>();
  const opt = agent.optimizerState();
  try {
    for (const [k, t] of opt) optimizer.set(k, { data: Float32Array.from(t.dataSync()), shape: [...t.shape] });
  } finally {
    tf.dispose([...opt.values()]);
  }
  return { vars: hostVars(agent), optimizer };
}

export function restoreState(agent: LapoAgent, s: AgentState): void {
  agent.setVariables(s.vars, 'diagnosis snapshot');
  const tensors = new Map<string, tf.Tensor>();
  for (const [k, { data, shape }] of s.optimizer) tensors.set(k, tf.tensor(data, shape));
  try {
    agent.loadOptimizerState(tensors, 'diagnosis snapshot');
  } finally {
    tf.dispose([...tensors.values()]);
  }
}

/** Largest |a−b| over the named variables (0 when `names` is empty). */
export function maxAbsChange(a: HostVars, b: HostVars, names: readonly string[]): number {
  let m = 0;
  for (const n of names) {
    const x = a.get(n)!;
    const y = b.get(n)!;
    for (let i = 0; i < x.length; i++) {
      const d = Math.abs(x[i] - y[i]);
      if (d > m || Number.isNaN(d)) m = d;
    }
  }
  return m;
}

/** L2 norm of a set of host arrays. */
export function l2(arrays: Iterable<Float32Array>): number {
  let s = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

export function paramCount(vars: HostVars, names: readonly string[]): number {
  return names.reduce((acc, n) => acc + (vars.get(n)?.length ?? 0), 0);
}
