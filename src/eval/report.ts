// What `lapo eval` writes and prints: eval.json (keys = eval.csv column names where they exist) and a table.
import { errorColumns, type OfflineResult } from './offline.js';
import type { OnlineResult } from './online.js';

export interface EvalReport {
  format: 'lapo-eval';
  version: 1;
  createdAt: string;
  checkpoint: string;
  step: number;
  backend: string | null;
  offline: null | {
    dataset: string;
    split: string;
    transitions: number;
    episodes: number;
    action_mse: number;
    recon_mse: number;
    q_mse: number;
    q_mse_rel: number;
    q_pearson: number;
    v_mse: number;
    v_mse_rel: number;
    v_pearson: number;
    return_mean: number;
    return_var: number;
    scored: number;
    excluded: number;
    mc_tail: string;
    discount: number;
    units: { actions: string; values: string };
  };
  online: null | {
    task: string;
    episodes: number;
    seed: number;
    return_mean: number;
    return_std: number;
    score: number;
    score_std: number;
    success_rate: number;
    length_mean: number;
    ref_random_return: number;
    ref_expert_return: number;
    returns: number[];
  };
  /** Why a part did not run (no task recorded, empty split...). */
  skipped: string[];
  frames: string | null;
}

export function offlineSection(off: OfflineResult, rewardScale: number): NonNullable<EvalReport['offline']> {
  return {
    dataset: off.file,
    split: off.split,
    transitions: off.transitions,
    episodes: off.episodes,
    ...errorColumns(off),
    return_mean: off.q.returnMean,
    return_var: off.q.returnVar,
    scored: off.q.n,
    excluded: off.excluded,
    mc_tail: off.mcTail,
    discount: off.discount,
    units: { actions: 'original action units', values: `normalised rewards (raw reward × ${rewardScale.toPrecision(6)})` },
  };
}

export function onlineSection(on: OnlineResult): NonNullable<EvalReport['online']> {
  return {
    task: on.task,
    episodes: on.episodes,
    seed: on.seed,
    return_mean: on.returnMean,
    return_std: on.returnStd,
    score: on.normalizedScore,
    score_std: on.normalizedScoreStd,
    success_rate: on.successRate,
    length_mean: on.lengthMean,
    ref_random_return: on.refRandomReturn,
    ref_expert_return: on.refExpertReturn,
    returns: on.returns,
  };
}

const f = (v: number, digits = 4) => (Number.isFinite(v) ? (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(digits)) : String(v));

/** The human-readable table (stdout). */
export function formatTable(r: EvalReport): string {
  const rows: string[] = [];
  const line = (k: string, v: string, note = '') => rows.push(`  ${k.padEnd(14)}${v.padEnd(22)}${note}`);
  rows.push(`checkpoint ${r.checkpoint} (step ${r.step})`);
  const o = r.offline;
  if (o) {
    rows.push(`offline    ${o.dataset}, ${o.split} split: ${o.transitions} transitions, ${o.episodes} episodes`);
    line('action_mse', f(o.action_mse), 'policy vs dataset action, original units');
    line('recon_mse', f(o.recon_mse), 'VAE reconstruction of the dataset action, original units');
    line('q_mse', f(o.q_mse), `Q(s,a) vs Monte-Carlo return, ${o.units.values}`);
    line('q_mse_rel', f(o.q_mse_rel), 'q_mse / Var(return); 1 = no better than the mean return');
    line('q_pearson', f(o.q_pearson), `over ${o.scored} transitions; ${o.excluded} excluded (--mc-tail ${o.mc_tail})`);
    line('v_mse', f(o.v_mse), `V(s) vs Monte-Carlo return (v_mse_rel ${f(o.v_mse_rel, 3)}, pearson ${f(o.v_pearson, 3)})`);
  }
  const n = r.online;
  if (n) {
    rows.push(`online     ${n.task}, ${n.episodes} episodes, seed ${n.seed}`);
    line('return', `${f(n.return_mean, 3)} ± ${f(n.return_std, 3)}`, 'mean ± std over episodes');
    line('score', `${f(n.score, 1)} ± ${f(n.score_std, 1)}`, `normalised: random ${f(n.ref_random_return, 3)} = 0, expert ${f(n.ref_expert_return, 3)} = 100`);
    line('success_rate', `${(100 * n.success_rate).toFixed(1)}%`, 'episodes that reached the goal');
    line('length_mean', f(n.length_mean, 1), 'steps per episode');
  }
  for (const s of r.skipped) rows.push(`skipped    ${s}`);
  if (r.frames) rows.push(`frames     ${r.frames}`);
  return `${rows.join('\n')}\n`;
}
