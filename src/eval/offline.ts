// Offline evaluation of a checkpoint on held-out transitions (by default the validation split the run trained
// without — the same episodes, because the split is drawn from the run's seed and fraction):
//   action_mse   policy action vs dataset action, in the dataset's original action units, mean over rows and dims
//   recon_mse    the VAE's reconstruction of the dataset action (posterior mean, no sampling), original units
//   q_*          Q(s, a_data) vs the discounted Monte-Carlo return G (see returns.ts for time-limit ends), in the
//                critic's units (rewards × the run's reward scale); Q = λ·min(Q1,Q2) + (1−λ)·max(Q1,Q2) with
//                λ = doubleqMin, as LAPO's own target; q_mse_rel = q_mse / Var(G) (0 = perfect, 1 = no better than
//                predicting the mean return); q_pearson = correlation of Q and G
//   v_*          the same for V(s)
// Inputs are normalised with the checkpoint's statistics (not the evaluated file's), so a checkpoint can be scored
// on another dataset of the same shape.
import type { HostBatch, NormStats, Split, TransitionDataset } from '../data/types.js';
import { addBootstrap, errorStats, monteCarloReturns, type McTail } from './returns.js';

export interface EvaluableAgent {
  evaluate(batch: HostBatch): { q1: Float32Array; q2: Float32Array; v: Float32Array; action: Float32Array; recon: Float32Array };
}

export interface OfflineOptions {
  split: Split;
  mcTail: McTail;
  /** Discount of the Monte-Carlo returns: the run's. */
  discount: number;
  /** LAPO's doubleq_min weight λ. */
  doubleqMin: number;
  /** The checkpoint's normalisation statistics. */
  stats: NormStats;
  batchSize?: number;
  /** Score at most this many rows, evenly spaced through the split (all when absent). */
  maxRows?: number;
}

export interface ValueError {
  mse: number;
  mseRel: number;
  pearson: number;
  /** Transitions scored (with a valid Monte-Carlo target). */
  n: number;
  returnMean: number;
  returnVar: number;
}

export interface OfflineResult {
  file: string;
  split: Split;
  transitions: number;
  episodes: number;
  actionMse: number;
  reconMse: number;
  q: ValueError;
  v: ValueError;
  mcTail: McTail;
  discount: number;
  /** Transitions left out of the Q/V scores because their return is truncated (mcTail 'exclude'). */
  excluded: number;
}

/** A batch of dataset rows in the checkpoint's normalisation (state and action re-normalised when stats differ). */
export function toCheckpointUnits(ds: TransitionDataset, idx: Int32Array, stats: NormStats): HostBatch {
  const b = ds.gather(idx);
  const dsStats = ds.stats;
  if (b.state) {
    const D = dsStats.stateMean.length;
    for (let i = 0; i < b.size; i++) {
      for (let d = 0; d < D; d++) {
        const raw = b.state[i * D + d] * dsStats.stateStd[d] + dsStats.stateMean[d];
        b.state[i * D + d] = (raw - stats.stateMean[d]) / stats.stateStd[d];
      }
    }
  }
  const A = ds.actionDim;
  const raw = ds.rawActions();
  for (let i = 0; i < b.size; i++) {
    for (let d = 0; d < A; d++) b.action[i * A + d] = (raw[idx[i] * A + d] - stats.actionMean[d]) / stats.actionStd[d];
  }
  return b;
}

export function evaluateOffline(ds: TransitionDataset, agent: EvaluableAgent, opts: OfflineOptions): OfflineResult {
  const idx = subsample(ds.indices(opts.split), opts.maxRows);
  const A = ds.actionDim;
  const { stats } = opts;
  const rawActions = ds.rawActions();
  const rawRewards = ds.rawRewards();
  const scaled = Float64Array.from(rawRewards, (r) => r * stats.rewardScale);
  const targets = monteCarloReturns(ds.episodes, scaled, opts.discount, opts.mcTail, ds.numTransitions);
  const qAt = new Float64Array(ds.numTransitions).fill(NaN);
  const vAt = new Float64Array(ds.numTransitions).fill(NaN);
  let actSe = 0;
  let reconSe = 0;
  const lam = opts.doubleqMin;
  const B = opts.batchSize ?? 256;
  for (let s = 0; s < idx.length; s += B) {
    const rows = idx.subarray(s, Math.min(idx.length, s + B));
    const ev = agent.evaluate(toCheckpointUnits(ds, rows, stats));
    for (let i = 0; i < rows.length; i++) {
      const t = rows[i];
      for (let d = 0; d < A; d++) {
        const truth = rawActions[t * A + d];
        const pi = ev.action[i * A + d] * stats.actionStd[d] + stats.actionMean[d];
        const rec = ev.recon[i * A + d] * stats.actionStd[d] + stats.actionMean[d];
        actSe += (pi - truth) ** 2;
        reconSe += (rec - truth) ** 2;
      }
      const q1 = ev.q1[i];
      const q2 = ev.q2[i];
      qAt[t] = lam * Math.min(q1, q2) + (1 - lam) * Math.max(q1, q2);
      vAt[t] = ev.v[i];
    }
  }
  if (opts.mcTail === 'bootstrap') addBootstrap(targets, (t) => vAt[t]);
  const score = (pred: Float64Array): ValueError => {
    const p: number[] = [];
    const g: number[] = [];
    for (const t of idx) {
      if (!targets.valid[t] || !Number.isFinite(targets.returns[t])) continue;
      p.push(pred[t]);
      g.push(targets.returns[t]);
    }
    const e = errorStats(p, g);
    const mean = g.reduce((a, b) => a + b, 0) / Math.max(1, g.length);
    return { mse: e.mse, mseRel: e.mse / e.targetVar, pearson: e.pearson, n: e.n, returnMean: mean, returnVar: e.targetVar };
  };
  const q = score(qAt);
  const n = idx.length;
  const inSplit = new Set<number>(idx);
  return {
    file: ds.file,
    split: opts.split,
    transitions: n,
    episodes: ds.episodes.filter((e) => {
      for (let k = 0; k < e.length; k++) if (inSplit.has(e.start + k)) return true;
      return false;
    }).length,
    actionMse: actSe / (n * A),
    reconMse: reconSe / (n * A),
    q,
    v: score(vAt),
    mcTail: opts.mcTail,
    discount: opts.discount,
    excluded: n - q.n,
  };
}

/** At most `max` indices, evenly spaced (deterministic, so successive evaluations score the same rows). */
export function subsample(idx: Int32Array, max?: number): Int32Array {
  if (max === undefined || idx.length <= max) return idx;
  const out = new Int32Array(max);
  for (let k = 0; k < max; k++) out[k] = idx[Math.floor((k * idx.length) / max)];
  return out;
}

/** The error columns shared by eval.csv (--eval-every) and eval.json, named as the README defines them. */
export function errorColumns(off: OfflineResult) {
  return {
    action_mse: off.actionMse,
    recon_mse: off.reconMse,
    q_mse: off.q.mse,
    q_mse_rel: off.q.mseRel,
    q_pearson: off.q.pearson,
    v_mse: off.v.mse,
    v_mse_rel: off.v.mseRel,
    v_pearson: off.v.pearson,
  };
}
