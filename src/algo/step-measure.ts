// The MEASURE_COLUMNS of a LAPO step (metrics.ts), computed on `measure` steps only: the norm of the encoder
// gradient each group's loss produced, the first conv layer's share of the gradient applied to the encoder, and
// how far each parameter set moved. Every value is keyed by its column name (GROUP_TABLE says which column
// belongs to which group), never by position.
import { tf } from '../backend/tf.js';
import type { NamedVariable } from '../nn/module.js';
import { netVariables, type LapoModel } from './model.js';
import { ENCODER_NAMES, GROUP_NAMES, GROUP_TABLE, type GroupName } from './group-table.js';
import type { Groups } from './groups.js';
import type { MeasuredScalars } from './metrics.js';
import type { GradResult } from './step-grads.js';

export type Snapshot = Map<tf.Variable, tf.Tensor>;

/** Cheap copies of the online parameters (they share data until a variable is reassigned). */
export function snapshot(m: LapoModel): Snapshot {
  const out: Snapshot = new Map();
  for (const [, v] of netVariables(m.online)) out.set(v, tf.clone(v));
  return out;
}

/** L2 norm of the change of a parameter set since `before` (NaN for an empty set). */
export function changeNorm(vars: readonly NamedVariable[], before: Snapshot): tf.Scalar {
  if (vars.length === 0) return tf.scalar(NaN);
  const sq = vars.map(([, v]) => tf.sum(tf.squaredDifference(v, before.get(v)!)));
  return tf.sqrt(tf.addN(sq)) as tf.Scalar;
}

/** Global L2 norm of a set of gradients (0 when empty). */
export function globalNorm(grads: Iterable<tf.Tensor>): tf.Scalar {
  const sq = [...grads].map((g) => tf.sum(tf.square(g)));
  return sq.length === 0 ? tf.scalar(0) : (tf.sqrt(tf.addN(sq)) as tf.Scalar);
}

/** First conv layer's share of the encoder gradient applied this step (under `both`: the two groups' sum). */
export function conv1AppliedNorm(groups: Groups, results: Readonly<Record<GroupName, GradResult>>): tf.Scalar {
  const parts = new Map<string, tf.Tensor>();
  for (const g of GROUP_NAMES) {
    if (!groups[g].ownsEncoder) continue;
    for (const [n, grad] of results[g].encoderGrads) {
      if (!n.startsWith(ENCODER_NAMES.firstConv)) continue;
      const prev = parts.get(n);
      parts.set(n, prev ? tf.add(prev, grad) : grad);
    }
  }
  return globalNorm(parts.values());
}

/** Every MEASURE_COLUMNS value of a step, by name (encoder columns NaN when the model has no encoder). */
export function measuredScalars(m: LapoModel, groups: Groups, grads: Readonly<Record<GroupName, GradResult>>, before: Snapshot): MeasuredScalars {
  const hasEncoder = !m.online.encoder.identity;
  const nan = () => tf.scalar(NaN);
  const all = netVariables(m.online);
  const under = (prefix: string) => all.filter(([n]) => n.startsWith(`${prefix}/`));
  const out: Partial<MeasuredScalars> = {
    enc_conv1_grad_norm: hasEncoder ? conv1AppliedNorm(groups, grads) : nan(),
    [ENCODER_NAMES.deltaColumn]: changeNorm(under(ENCODER_NAMES.prefix), before),
  };
  for (const g of GROUP_NAMES) {
    const row = GROUP_TABLE[g];
    out[row.encGradColumn] = hasEncoder ? globalNorm(grads[g].encoderGrads.values()) : nan();
    out[row.deltaColumn] = changeNorm(under(row.prefix), before);
  }
  return out as MeasuredScalars;
}
