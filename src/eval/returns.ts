// Discounted Monte-Carlo returns, the ground truth the critic is scored against offline.
//   G_t = r_t + γ·r_{t+1} + … + γ^{T−1−t}·r_{T−1}      for an episode of T transitions.
// An episode that ends in a real terminal has exact returns. One cut by a time limit (or by the end of the file)
// is missing every reward after T, so its late returns are biased. Two policies (--mc-tail):
//   exclude   (default) keep a transition of a truncated episode only when what is missing cannot matter much:
//             γ^{T−t}·R_max/(1−γ) ≤ tolerance·R_max/(1−γ), i.e. T − t ≥ ln(tolerance)/ln(γ) (299 steps for γ=0.99,
//             tolerance 0.05). Short truncated episodes are dropped entirely. The ground truth then does not depend
//             on the model, at the price of ignoring failed episodes shorter than that horizon.
//   bootstrap complete the tail with the model's own V at the last observed state:
//             G_t = Σ_{k=t}^{T−2} γ^{k−t}·r_k + γ^{T−1−t}·V(s_{T−1})   (the last row has no next observation in
//             D4RL's layout, so its own reward is replaced by the bootstrap), as Gymnasium-era PPO/GAE code does
//             for truncations. Every transition but the last of each truncated episode is scored.
import type { EpisodeInfo } from '../data/types.js';

export type McTail = 'exclude' | 'bootstrap';
export const MC_TAILS: readonly McTail[] = ['exclude', 'bootstrap'];
export const TAIL_TOLERANCE = 0.05;

/** Steps a truncated episode must still have ahead for a transition to be kept under 'exclude'. */
export function excludeHorizon(discount: number, tolerance = TAIL_TOLERANCE): number {
  if (discount <= 0) return 1;
  if (discount >= 1) return Infinity;
  return Math.ceil(Math.log(tolerance) / Math.log(discount));
}

export interface McTargets {
  /** Return of every transition (NaN where the transition is not scored). */
  returns: Float64Array;
  /** 1 where `returns` is a valid target. */
  valid: Uint8Array;
  /** For 'bootstrap': per transition, the transition index whose V completes its return (−1 when none), and γ^k. */
  bootIndex: Int32Array;
  bootWeight: Float64Array;
}

/**
 * Monte-Carlo returns of every transition from rewards (in the units the caller wants, e.g. normalised).
 * With 'bootstrap' the V term is not included yet: call `addBootstrap` with the model's V once it is known.
 */
export function monteCarloReturns(
  episodes: readonly EpisodeInfo[],
  rewards: ArrayLike<number>,
  discount: number,
  tail: McTail,
  numTransitions: number,
): McTargets {
  const returns = new Float64Array(numTransitions).fill(NaN);
  const valid = new Uint8Array(numTransitions);
  const bootIndex = new Int32Array(numTransitions).fill(-1);
  const bootWeight = new Float64Array(numTransitions);
  const H = excludeHorizon(discount);
  for (const ep of episodes) {
    const { start, length: T } = ep;
    if (ep.terminal) {
      let g = 0;
      for (let t = T - 1; t >= 0; t--) {
        g = rewards[start + t] + discount * g;
        returns[start + t] = g;
        valid[start + t] = 1;
      }
    } else if (tail === 'exclude') {
      let g = 0;
      for (let t = T - 1; t >= 0; t--) {
        g = rewards[start + t] + discount * g;
        if (T - t >= H) {
          returns[start + t] = g;
          valid[start + t] = 1;
        }
      }
    } else {
      // The last row's reward is replaced by V(s_{T−1}); rows 0..T−2 are scored.
      let g = 0;
      let w = 1;
      for (let t = T - 2; t >= 0; t--) {
        g = rewards[start + t] + discount * g;
        w *= discount;
        returns[start + t] = g;
        valid[start + t] = 1;
        bootIndex[start + t] = start + T - 1;
        bootWeight[start + t] = w;
      }
    }
  }
  return { returns, valid, bootIndex, bootWeight };
}

/** Completes bootstrapped returns in place with V at the bootstrap rows (`v` indexed by transition). */
export function addBootstrap(t: McTargets, vAt: (transition: number) => number): void {
  for (let i = 0; i < t.returns.length; i++) {
    if (t.valid[i] && t.bootIndex[i] >= 0) t.returns[i] += t.bootWeight[i] * vAt(t.bootIndex[i]);
  }
}

/** Mean squared error, Pearson correlation and the variance of the targets, over paired samples. */
export function errorStats(pred: ArrayLike<number>, target: ArrayLike<number>): { mse: number; pearson: number; targetVar: number; n: number } {
  const n = pred.length;
  if (n === 0) return { mse: NaN, pearson: NaN, targetVar: NaN, n: 0 };
  let mp = 0;
  let mt = 0;
  for (let i = 0; i < n; i++) {
    mp += pred[i];
    mt += target[i];
  }
  mp /= n;
  mt /= n;
  let se = 0;
  let cov = 0;
  let vp = 0;
  let vt = 0;
  for (let i = 0; i < n; i++) {
    const dp = pred[i] - mp;
    const dt = target[i] - mt;
    se += (pred[i] - target[i]) ** 2;
    cov += dp * dt;
    vp += dp * dp;
    vt += dt * dt;
  }
  const pearson = vp > 0 && vt > 0 ? cov / Math.sqrt(vp * vt) : NaN;
  return { mse: se / n, pearson, targetVar: vt / n, n };
}
