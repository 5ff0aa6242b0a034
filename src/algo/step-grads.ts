// Gradient plumbing of the LAPO step (lapo-step.ts): one backward pass per group, optionally with the encoder's
// variables in the differentiation list so a loss's encoder gradient can be measured (or honestly found absent),
// and the norms logged on measure steps (step-measure.ts).
import { tf } from '../backend/tf.js';
import { prefixed, type NamedVariable } from '../nn/module.js';
import type { LapoModel } from './model.js';
import type { Group } from './groups.js';
import { ENCODER_NAMES } from './group-table.js';

export interface GradResult {
  /** Gradients of the group's own variables (null where none reached). */
  groupGrads: (tf.Tensor | null)[];
  /** Gradient of every encoder variable the loss reached (measure or ownership), by encoder variable name. */
  encoderGrads: Map<string, tf.Tensor>;
}

/**
 * Gradients of `loss` for a group, plus the encoder's when asked, in one backward pass. With `withEncoder` the
 * encoder's variables are in the differentiation list even when the loss does not use them: tfjs then returns no
 * gradient for them, which is the honest measurement that nothing reaches the encoder (norm 0).
 */
export function groupGradients(m: LapoModel, group: Group, loss: () => tf.Scalar, withEncoder: boolean): GradResult {
  const encVars: NamedVariable[] = withEncoder ? encoderNamed(m) : [];
  const list = new Map<tf.Variable, string>();
  for (const [n, v] of group.variables) list.set(v, n);
  for (const [n, v] of encVars) if (v.trainable) list.set(v, n);
  // The returned value is the loss scalar the closure kept for the metrics: the caller's tidy releases it.
  const { grads } = tf.variableGrads(loss, [...list.keys()]);
  const groupGrads = group.variables.map(([, v]) => grads[v.name] ?? null);
  const encoderGrads = new Map<string, tf.Tensor>();
  for (const [n, v] of encVars) {
    const g = grads[v.name];
    if (g) encoderGrads.set(n, g);
  }
  return { groupGrads, encoderGrads };
}

function encoderNamed(m: LapoModel): NamedVariable[] {
  return prefixed(ENCODER_NAMES.prefix, m.online.encoder.namedVariables());
}
