// Gradient plumbing of the LAPO step (lapo-step.ts): one backward pass per group, optionally with the encoder's
// variables in the differentiation list so a loss's encoder gradient can be measured (or honestly found absent),
// and the norms logged on measure steps.
import { tf } from '../backend/tf.js';
import type { NamedVariable } from '../nn/module.js';
import type { LapoModel } from './model.js';
import { GROUP_NAMES, type Group, type GroupName, type Groups } from './groups.js';

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
  return m.online.encoder.namedVariables().map(([n, v]) => [`encoder/${n}`, v] as const);
}

/** Global L2 norm of a set of gradients (0 when empty). */
export function globalNorm(grads: Iterable<tf.Tensor>): tf.Scalar {
  const sq = [...grads].map((g) => tf.sum(tf.square(g)));
  return sq.length === 0 ? tf.scalar(0) : (tf.sqrt(tf.addN(sq)) as tf.Scalar);
}

/** First conv layer's share of the encoder gradient applied this step (under `both`: the two groups' sum). */
export function conv1AppliedNorm(groups: Groups, results: Readonly<Record<GroupName, GradResult>>): tf.Scalar {
  const parts = new Map<string, tf.Tensor>();
  GROUP_NAMES.forEach((g) => {
    if (!groups[g].ownsEncoder) return;
    for (const [n, grad] of results[g].encoderGrads) {
      if (!n.startsWith('encoder/conv1/')) continue;
      const prev = parts.get(n);
      parts.set(n, prev ? tf.add(prev, grad) : grad);
    }
  });
  return globalNorm(parts.values());
}
