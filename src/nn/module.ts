// What every network in lapo exposes: its variables under stable, slash-separated names (used by checkpoints,
// the optimizer-group table and the parity test) and dispose(). Names are ours, not tfjs's: tfjs variable names
// are process-global and must be unique, so two agents in one process could not share them.
import { tf } from '../backend/tf.js';

export type NamedVariable = readonly [name: string, variable: tf.Variable];

export interface Module {
  /** Variables with names relative to the module (e.g. `l1/kernel`). */
  namedVariables(): NamedVariable[];
  dispose(): void;
}

/** Prefixes every name of a module's variables (`critic/q1` + `l1/kernel`). */
export function prefixed(prefix: string, vars: NamedVariable[]): NamedVariable[] {
  return vars.map(([n, v]) => [`${prefix}/${n}`, v] as const);
}

/** Creates a variable from host values without leaving the initial tensor behind. */
export function makeVariable(values: Float32Array, shape: number[], trainable: boolean): tf.Variable {
  return tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), trainable));
}

/** Copies `from`'s values into `to` (same architecture, same names): target networks start as copies. */
export function copyInto(from: Module, to: Module): void {
  const src = new Map(from.namedVariables());
  for (const [name, v] of to.namedVariables()) {
    const s = src.get(name);
    if (!s) throw new Error(`copyInto: ${name} missing in source module`);
    v.assign(s);
  }
}
