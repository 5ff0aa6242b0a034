// Normalisation exactly as the official LAPO code (pcchenxi/LAPO-offlienRL: main_d4rl.py and algos/utils.py):
//   state' = (state - mean) / (std + 1e-6)     mean/std per dimension over the transitions' states (np.std: ddof 0);
//   action' = (action - mean) / (std + 1e-6)   same for actions; next states use the state statistics;
//   rewards: 'max'     r' = r / max(r),  min_v = min(r') / (1 - discount),  max_v = max(r') / (1 - discount)
//            'antmaze' r' = r * 100,     min_v = 0,  max_v = 100           (the official antmaze branch)
//            'none'    r' = r,           min_v / max_v as for 'max'.
// Differences, each on purpose:
//   1. Statistics come from the training split's transitions only, so validation numbers do not leak into
//      training; with --valid-fraction 0 they are the official whole-dataset statistics.
//   2. 'max' when max(r) <= 0 (every reward negative, e.g. Pendulum): the official division by a negative max
//      flips the sign of every reward and turns the task into its opposite; lapo divides by max|r| instead (and by
//      1 when every reward is 0).
import type { NormStats } from './types.js';

export type RewardMode = NormStats['rewardMode'];

/** Per-dimension mean and population std of the rows selected by `weight` (weight[row] = times used). */
export class MomentAccumulator {
  private readonly s1: Float64Array;
  private readonly s2: Float64Array;
  private shift: Float64Array | null = null;
  private n = 0;

  constructor(readonly dim: number) {
    this.s1 = new Float64Array(dim);
    this.s2 = new Float64Array(dim);
  }

  /** Adds `rows` rows of `data` ([rows, dim]); row i counts weight(i) times. */
  add(data: ArrayLike<number>, rows: number, weight: (i: number) => number): void {
    const d = this.dim;
    for (let i = 0; i < rows; i++) {
      const w = weight(i);
      if (w === 0) continue;
      // shifting by the first row keeps the sums small (no cancellation for offsets like joint angles ~1e3)
      if (!this.shift) this.shift = Float64Array.from({ length: d }, (_, j) => data[i * d + j]);
      for (let j = 0; j < d; j++) {
        const x = data[i * d + j] - this.shift[j];
        this.s1[j] += w * x;
        this.s2[j] += w * x * x;
      }
      this.n += w;
    }
  }

  result(): { mean: number[]; std: number[]; count: number } {
    const mean: number[] = [];
    const std: number[] = [];
    for (let j = 0; j < this.dim; j++) {
      if (this.n === 0) {
        mean.push(0);
        std.push(1);
        continue;
      }
      const m = this.s1[j] / this.n;
      mean.push((this.shift?.[j] ?? 0) + m);
      std.push(Math.sqrt(Math.max(0, this.s2[j] / this.n - m * m)));
    }
    return { mean, std, count: this.n };
  }
}

export function rewardScale(mode: RewardMode, rewards: ArrayLike<number>, idx: ArrayLike<number>): number {
  if (mode === 'antmaze') return 100;
  if (mode === 'none') return 1;
  let max = -Infinity;
  let maxAbs = 0;
  for (let i = 0; i < idx.length; i++) {
    const r = rewards[idx[i]];
    if (r > max) max = r;
    if (Math.abs(r) > maxAbs) maxAbs = Math.abs(r);
  }
  if (max > 0) return 1 / max;
  return maxAbs > 0 ? 1 / maxAbs : 1;
}

/**
 * Bounds of the V target, as the official main_d4rl.py: [min r, max r] / (1 − γ) of the normalised rewards.
 * Deliberate difference: when the data has true terminals, a value can be as small in magnitude as one reward
 * (an episode that ends after one step), so a bound whose sign would exclude it is widened to the single reward:
 * all-negative rewards (e.g. a dense distance penalty) get maxV = max r instead of max r / (1 − γ), which would
 * clamp every value target near the goal. Data without terminals gets exactly the official bounds.
 */
export function valueBounds(
  mode: RewardMode,
  scale: number,
  rewards: ArrayLike<number>,
  idx: ArrayLike<number>,
  discount: number,
  hasTerminals = false,
): { minV: number; maxV: number } {
  if (mode === 'antmaze') return { minV: 0, maxV: 100 };
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < idx.length; i++) {
    // the float32 value a batch carries
    const r = Math.fround(rewards[idx[i]] * scale);
    if (r < lo) lo = r;
    if (r > hi) hi = r;
  }
  if (idx.length === 0) lo = hi = 0;
  if (!hasTerminals) return { minV: lo / (1 - discount), maxV: hi / (1 - discount) };
  return { minV: lo > 0 ? lo : lo / (1 - discount), maxV: hi < 0 ? hi : hi / (1 - discount) };
}

/** Action statistics over the transitions in `idx`. */
export function actionMoments(actions: Float32Array, dim: number, idx: Int32Array): { mean: number[]; std: number[] } {
  const acc = new MomentAccumulator(dim);
  const row = new Float64Array(dim);
  for (let k = 0; k < idx.length; k++) {
    for (let j = 0; j < dim; j++) row[j] = actions[idx[k] * dim + j];
    acc.add(row, 1, () => 1);
  }
  const { mean, std } = acc.result();
  return { mean, std };
}

/** (x - mean) / (std + 1e-6) in place over rows of `dim` values. */
export function zscore(x: Float32Array, mean: readonly number[], std: readonly number[]): Float32Array {
  const d = mean.length;
  if (d === 0) return x;
  const den = std.map((s) => s + 1e-6);
  for (let i = 0; i < x.length; i++) {
    const j = i % d;
    x[i] = (x[i] - mean[j]) / den[j];
  }
  return x;
}
