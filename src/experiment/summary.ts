// Turns the experiment's run folders into the per-arm table of docs/experiments.md: for each arm, the mean and 95% interval
// across seeds (Student t, the same intervals `lapo plot` draws) of
//   steps_to_q_threshold  first evaluated step whose validation Q MSE (vs Monte-Carlo returns), divided by the
//                         variance of those returns (q_mse_rel, scale-free: 1 = no better than predicting the
//                         mean return), is below the threshold (runs that never get there count as the budget,
//                         and are counted apart),
//   final_q_mse, final_q_mse_rel (Q MSE / variance of the returns), final_score (normalised task score),
//   final_success_rate, final_action_mse (validation, original action units).
// "final" = the mean of the last `finalEvals` evaluation rows (one row alone is noisy with few episodes).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readTable } from '../plot/run-data.js';
import { summarize, type Summary } from '../plot/stats.js';

export interface RunOutcome {
  arm: string;
  seed: number;
  runDir: string;
  lastStep: number;
  stepsToQThreshold: number | null;
  finalQMse: number;
  finalQMseRel: number;
  finalScore: number;
  finalSuccessRate: number;
  finalActionMse: number;
}

export interface ArmSummary {
  arm: string;
  seeds: number;
  reachedThreshold: number;
  stepsToQThreshold: Summary;
  finalQMse: Summary;
  finalQMseRel: Summary;
  finalScore: Summary;
  finalSuccessRate: Summary;
  finalActionMse: Summary;
}

const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN);

/** Reads one run's eval.csv; null when the run has no evaluation rows yet. */
export function readOutcome(runDir: string, arm: string, seed: number, qThreshold: number, finalEvals: number): RunOutcome | null {
  const file = join(runDir, 'eval.csv');
  if (!existsSync(file)) return null;
  const t = readTable(file);
  const col = (name: string) => (t.columns.includes(name) ? t.rows.map((r) => r[name]) : []);
  const steps = col('step');
  if (steps.length === 0) return null;
  const q = col('q_mse');
  const qRel = col('q_mse_rel');
  const tail = (v: number[]) => mean(v.slice(-finalEvals).filter(Number.isFinite));
  const hit = qRel.findIndex((x) => Number.isFinite(x) && x < qThreshold);
  return {
    arm,
    seed,
    runDir,
    lastStep: steps[steps.length - 1],
    stepsToQThreshold: hit < 0 ? null : steps[hit],
    finalQMse: tail(q),
    finalQMseRel: tail(qRel),
    finalScore: tail(col('score')),
    finalSuccessRate: tail(col('success_rate')),
    finalActionMse: tail(col('action_mse')),
  };
}

export function summarizeArm(arm: string, runs: RunOutcome[], budget: number): ArmSummary {
  const s = (f: (r: RunOutcome) => number) => summarize(runs.map(f).filter(Number.isFinite), 'ci95');
  return {
    arm,
    seeds: runs.length,
    reachedThreshold: runs.filter((r) => r.stepsToQThreshold !== null).length,
    stepsToQThreshold: s((r) => r.stepsToQThreshold ?? budget),
    finalQMse: s((r) => r.finalQMse),
    finalQMseRel: s((r) => r.finalQMseRel),
    finalScore: s((r) => r.finalScore),
    finalSuccessRate: s((r) => r.finalSuccessRate),
    finalActionMse: s((r) => r.finalActionMse),
  };
}

export function fmt(s: Summary, digits: number): string {
  if (s.n === 0 || !Number.isFinite(s.mean)) return 'n/a';
  const m = s.mean.toFixed(digits);
  if (s.lo === null || s.hi === null) return m;
  return `${m} [${s.lo.toFixed(digits)}, ${s.hi.toFixed(digits)}]`;
}

/** The README table: one row per arm, mean [95% CI] across seeds. */
export function markdownTable(rows: ArmSummary[], qThreshold: number, budget: number): string {
  const head =
    `| arm | seeds | steps to Q MSE / Var(G) < ${qThreshold} (reached) | final Q MSE | final Q MSE / Var(G) | normalised score | success rate | action MSE |\n` +
    '|---|---|---|---|---|---|---|---|\n';
  const body = rows
    .map(
      (r) =>
        `| ${r.arm} | ${r.seeds} | ${fmt(r.stepsToQThreshold, 0)} (${r.reachedThreshold}/${r.seeds}) | ${fmt(r.finalQMse, 4)} | ` +
        `${fmt(r.finalQMseRel, 3)} | ${fmt(r.finalScore, 1)} | ${fmt(r.finalSuccessRate, 2)} | ${fmt(r.finalActionMse, 4)} |`,
    )
    .join('\n');
  return `${head}${body}\n\nMean [95% Student-t interval] across seeds; runs that never reach the threshold count as ${budget} steps.\n`;
}
