// The benchmark suite's report: per cell, the data's own normalised score and, per arm, the mean and 95% Student-t
// interval across seeds (completed runs only) of
//   final score      mean normalised score of the last `finalEvals` evaluations (same episodes every time)
//   success          the same for the success rate
//   best             the best single evaluation of the run, and `end − best` (the last evaluation minus it: how
//                    much a run lost by the end of the budget; 0 = it ended at its best)
//   steps to data    the first evaluated step whose score reaches the data's own score (runs that never do count
//                    as the budget; "reached" counts those that did)
//   Q MSE / Var(G)   validation Q against Monte-Carlo returns (LAPO arms; BC has no critic)
//   action MSE       the policy's validation action error, original units
// written as results.md / results.json in the suite folder, with one plot of the curves per cell.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { H5Reader } from '../data/h5.js';
import { plotRuns } from '../plot/plot.js';
import { readTable } from '../plot/run-data.js';
import { summarize, type Summary } from '../plot/stats.js';
import { writeFileAtomic } from '../run/atomic.js';
import { readMeta } from '../run/run-folder.js';
import type { SuiteArm, SuiteCell, SuiteTarget } from './suite-def.js';
import { fmt } from './summary.js';

export interface SuiteRunOutcome {
  cell: string;
  arm: string;
  seed: number;
  runDir: string;
  completed: boolean;
  lastStep: number;
  finalScore: number;
  finalSuccess: number;
  bestScore: number;
  endMinusBest: number;
  stepsToData: number | null;
  finalQMseRel: number;
  finalActionMse: number;
  /** (step, score) of every evaluation: the curve. */
  curve: [number, number][];
  /** Whether any evaluation has a finite Q MSE (none for BC, nor where no validation return is complete). */
  hasQ: boolean;
}

export interface SuiteArmSummary {
  arm: string;
  seeds: number;
  running: number;
  reachedData: number;
  finalScore: Summary;
  finalSuccess: Summary;
  bestScore: Summary;
  endMinusBest: Summary;
  /** The largest loss from best to end over the seeds (the stability target is per seed). */
  worstDrop: number;
  /** The slowest seed's steps to the data's score (the budget when a seed never got there). */
  worstStepsToData: number;
  stepsToData: Summary;
  finalQMseRel: Summary;
  finalActionMse: Summary;
}

export interface SuiteCellSummary {
  cell: SuiteCell;
  dataScore: number;
  dataSuccess: number;
  arms: SuiteArmSummary[];
}

export interface ReportOptions {
  dir: string;
  suite: string;
  cells: readonly SuiteCell[];
  arms: readonly SuiteArm[];
  seeds: number;
  /** Budget of every run; null: each cell's own. */
  steps: number | null;
  finalEvals: number;
  /** Write the per-cell plots (default true). */
  plots?: boolean;
  /** Where a plot that cannot be drawn is reported (it never stops the report). */
  log?: (line: string) => void;
  /** Print the targets for this arm against the baseline arm. */
  targets?: { defaultArm: string; baselineArm: string; list: readonly SuiteTarget[] };
}

export const cellDir = (dir: string, c: SuiteCell) => join(dir, c.name);
export const runName = (arm: string, seed: number) => `${arm}-s${seed}`;
export const budgetOf = (c: SuiteCell, steps: number | null) => steps ?? c.steps;

const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN);

async function dataScore(file: string): Promise<{ score: number; success: number }> {
  if (!existsSync(file)) return { score: NaN, success: NaN };
  const r = await H5Reader.open(file);
  try {
    return { score: Number(r.attr('/', 'data_normalized_score')), success: Number(r.attr('/', 'data_success_rate')) };
  } finally {
    r.close();
  }
}

export function readSuiteRun(runDir: string, cell: string, arm: string, seed: number, budget: number, finalEvals: number, data: number): SuiteRunOutcome | null {
  const file = join(runDir, 'eval.csv');
  if (!existsSync(file)) return null;
  const t = readTable(file);
  const col = (name: string) => (t.columns.includes(name) ? t.rows.map((r) => r[name]) : t.rows.map(() => NaN));
  const steps = col('step');
  if (steps.length === 0) return null;
  const score = col('score');
  const tail = (v: number[]) => mean(v.slice(-finalEvals).filter(Number.isFinite));
  const hit = score.findIndex((x) => Number.isFinite(x) && x >= data);
  let status: string | undefined;
  try {
    status = readMeta(runDir).status;
  } catch {
    status = undefined;
  }
  const lastStep = steps[steps.length - 1];
  const best = Math.max(...score.filter(Number.isFinite));
  return {
    cell,
    arm,
    seed,
    runDir,
    completed: status === 'completed' && lastStep >= budget,
    lastStep,
    finalScore: tail(score),
    finalSuccess: tail(col('success_rate')),
    bestScore: best,
    endMinusBest: score[score.length - 1] - best,
    stepsToData: hit < 0 ? null : steps[hit],
    finalQMseRel: tail(col('q_mse_rel')),
    finalActionMse: tail(col('action_mse')),
    curve: steps.map((s, i) => [s, score[i]]),
    hasQ: col('q_mse_rel').some(Number.isFinite),
  };
}

function summarizeArm(arm: string, runs: SuiteRunOutcome[], running: number, budget: number): SuiteArmSummary {
  const s = (f: (r: SuiteRunOutcome) => number) => summarize(runs.map(f).filter(Number.isFinite), 'ci95');
  return {
    arm,
    seeds: runs.length,
    running,
    reachedData: runs.filter((r) => r.stepsToData !== null).length,
    finalScore: s((r) => r.finalScore),
    finalSuccess: s((r) => r.finalSuccess),
    bestScore: s((r) => r.bestScore),
    endMinusBest: s((r) => r.endMinusBest),
    worstDrop: runs.length ? Math.min(...runs.map((r) => r.endMinusBest)) : NaN,
    worstStepsToData: runs.length ? Math.max(...runs.map((r) => r.stepsToData ?? budget)) : NaN,
    stepsToData: s((r) => r.stepsToData ?? budget),
    finalQMseRel: s((r) => r.finalQMseRel),
    finalActionMse: s((r) => r.finalActionMse),
  };
}

/**
 * One row per cell in the style of D4RL/CORL result tables: the data's score, then each arm's final score as
 * mean [95% interval] (seeds).
 */
export function summaryTable(cells: SuiteCellSummary[], arms: readonly string[]): string {
  const head = `| cell | data | ${arms.join(' | ')} |\n|---|---|${arms.map(() => '---|').join('')}`;
  const rows = cells.map((c) => {
    const cols = arms.map((name) => {
      const a = c.arms.find((x) => x.arm === name && x.seeds > 0);
      return a ? `${fmt(a.finalScore, 1)} (${a.seeds})` : '–';
    });
    return `| ${c.cell.name} | ${c.dataScore.toFixed(1)} | ${cols.join(' | ')} |`;
  });
  return [head, ...rows].join('\n');
}

export function suiteMarkdown(cells: SuiteCellSummary[], o: Pick<ReportOptions, 'steps' | 'finalEvals' | 'suite' | 'targets' | 'arms'>): string {
  const out: string[] = [`# Benchmark suite \`${o.suite}\``, ''];
  out.push(
    'Final normalised score, mean [95% Student-t interval] (completed seeds) — details per cell below.',
    '',
    summaryTable(cells, o.arms.map((a) => a.name)),
    '',
  );
  for (const c of cells) {
    out.push(
      `## ${c.cell.name}: ${c.cell.task}, behaviour \`${c.cell.policy}\`, ${c.cell.episodes} episodes at ${c.cell.imageSize} px, ${budgetOf(c.cell, o.steps)} steps per run`,
      '',
      `The data's own normalised score: **${c.dataScore.toFixed(1)}** (success ${(100 * c.dataSuccess).toFixed(1)}%).`,
      '',
    );
    if (c.arms.length === 0) {
      out.push('No runs yet.', '');
      continue;
    }
    out.push(
      '| arm | seeds | final score | success | best eval | end − best (worst seed) | steps to data score (reached) | final Q MSE / Var(G) | action MSE |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    for (const a of c.arms) {
      const seeds = a.running > 0 ? `${a.seeds} (+${a.running} running)` : `${a.seeds}`;
      out.push(
        `| ${a.arm} | ${seeds} | ${fmt(a.finalScore, 1)} | ${fmt(a.finalSuccess, 2)} | ${fmt(a.bestScore, 1)} | ` +
          `${fmt(a.endMinusBest, 1)} (${Number.isFinite(a.worstDrop) ? a.worstDrop.toFixed(1) : 'n/a'}) | ` +
          `${fmt(a.stepsToData, 0)} (${a.reachedData}/${a.seeds}) | ${fmt(a.finalQMseRel, 3)} | ${fmt(a.finalActionMse, 4)} |`,
      );
    }
    out.push('');
  }
  out.push(
    `Mean [95% Student-t interval] across seeds, completed runs only. "final" = mean of the last ${o.finalEvals} evaluations; ` +
      `runs that never reach the data's score count as the budget. n/a: not measured (BC has no critic).`,
    '',
  );
  if (o.targets) {
    out.push(`## Targets of the default (${o.targets.defaultArm}) against ${o.targets.baselineArm}`, '', ...targetLines(cells, o.targets.defaultArm, o.targets.baselineArm, o.targets.list), '');
  }
  return out.join('\n');
}

/** Reads every run of the suite folder; rewrites results.md, results.json and the per-cell plots. */
export async function reportSuite(o: ReportOptions): Promise<{ cells: SuiteCellSummary[]; table: string }> {
  const cells: SuiteCellSummary[] = [];
  const outcomes: SuiteRunOutcome[] = [];
  for (const c of o.cells) {
    const data = await dataScore(join(cellDir(o.dir, c), 'data.h5'));
    const arms: SuiteArmSummary[] = [];
    const plotted: string[] = [];
    let withCritic = false;
    for (const arm of o.arms) {
      const runs: SuiteRunOutcome[] = [];
      let running = 0;
      for (let seed = 0; seed < o.seeds; seed++) {
        const runDir = join(cellDir(o.dir, c), 'runs', runName(arm.name, seed));
        const r = readSuiteRun(runDir, c.name, arm.name, seed, budgetOf(c, o.steps), o.finalEvals, data.score);
        if (!r) continue;
        outcomes.push(r);
        plotted.push(runDir);
        if (r.hasQ) withCritic = true;
        if (r.completed) runs.push(r);
        else running++;
      }
      if (runs.length + running > 0) arms.push(summarizeArm(arm.name, runs, running, budgetOf(c, o.steps)));
    }
    cells.push({ cell: c, dataScore: data.score, dataSuccess: data.success, arms });
    if ((o.plots ?? true) && plotted.length > 0) {
      const out = join(cellDir(o.dir, c), 'curves.png');
      await plotRuns({
        runs: plotted,
        // BC has no critic: its Q column is NaN, and a panel needs one finite value.
        metrics: ['eval:score', ...(withCritic ? ['eval:q_mse_rel'] : []), 'eval:action_mse'],
        groupBy: null,
        groupOf: (run) => run.name.replace(/-s\d+$/, ''),
        band: 'ci95',
        out,
        title: `${c.name}: data score ${data.score.toFixed(1)}`,
      }).catch((e: Error) => o.log?.(`suite: ${out} not drawn: ${e.message}`));
    }
  }
  const table = suiteMarkdown(cells, o);
  await writeFileAtomic(join(o.dir, 'results.md'), table);
  await writeFileAtomic(join(o.dir, 'results.json'), `${JSON.stringify({ suite: o.suite, budget: o.steps ?? 'per cell', finalEvals: o.finalEvals, cells, outcomes }, null, 2)}\n`);
  return { cells, table };
}

/** One line per target: met, missed (by how much) or not measured yet. */
export function targetLines(cells: SuiteCellSummary[], defaultArm: string, baselineArm: string, targets: readonly SuiteTarget[]): string[] {
  const armOf = (c: SuiteCellSummary | undefined, name: string) => c?.arms.find((a) => a.arm === name && a.seeds > 0);
  const cellOf = (name: string) => cells.find((c) => c.cell.name === name);
  const f1 = (x: number) => x.toFixed(1);
  const line = (ok: boolean | null, text: string) => `- ${ok === null ? 'not measured yet' : ok ? 'met' : 'missed'}: ${text}`;
  return targets.map((t) => {
    switch (t.kind) {
      case 'min-score': {
        const a = armOf(cellOf(t.cell), defaultArm);
        return line(a ? a.finalScore.mean >= t.value : null, `${defaultArm} final score on ${t.cell} >= ${t.value}${a ? ` (${f1(a.finalScore.mean)})` : ''}`);
      }
      case 'data-score': {
        const c = cellOf(t.cell);
        const a = armOf(c, defaultArm);
        return line(a ? a.finalScore.mean >= c!.dataScore : null, `${defaultArm} final score on ${t.cell} >= the data's${a ? ` (${f1(a.finalScore.mean)} vs ${f1(c!.dataScore)})` : ''}`);
      }
      case 'above-bc': {
        const c = cellOf(t.cell);
        const a = armOf(c, defaultArm);
        const b = armOf(c, baselineArm);
        const ok = a && b && a.finalScore.lo !== null && b.finalScore.hi !== null ? a.finalScore.lo > b.finalScore.hi : null;
        return line(ok, `${defaultArm} above ${baselineArm} on ${t.cell} with non-overlapping 95% intervals${a && b ? ` (${fmt(a.finalScore, 1)} vs ${fmt(b.finalScore, 1)})` : ''}`);
      }
      case 'not-below-bc': {
        const below = cells.filter((c) => {
          const a = armOf(c, defaultArm);
          const b = armOf(c, baselineArm);
          return a && b && a.finalScore.hi !== null && b.finalScore.lo !== null && a.finalScore.hi < b.finalScore.lo;
        });
        const measured = cells.some((c) => armOf(c, defaultArm) && armOf(c, baselineArm));
        return line(measured ? below.length === 0 : null, `${defaultArm} nowhere below ${baselineArm} beyond the noise${below.length ? ` (below on ${below.map((c) => c.cell.name).join(', ')})` : ''}`);
      }
      case 'steps-to-data': {
        const a = armOf(cellOf(t.cell), defaultArm);
        // per seed: the slowest seed decides (the interval of the mean is not the target)
        const ok = a ? a.reachedData === a.seeds && a.worstStepsToData <= t.steps : null;
        return line(ok, `${defaultArm} reaches the data's score on ${t.cell} within ${t.steps} steps in every seed${a ? ` (slowest seed: ${a.reachedData === a.seeds ? a.worstStepsToData : 'never'})` : ''}`);
      }
      case 'stable': {
        const drops = cells.flatMap((c) => {
          const a = armOf(c, defaultArm);
          return a ? [{ cell: c.cell.name, drop: a.worstDrop }] : [];
        });
        const worst = drops.reduce((m, d) => (d.drop < m.drop ? d : m), { cell: '', drop: 0 });
        return line(drops.length ? worst.drop >= -t.points : null, `${defaultArm} ends within ${t.points} points of its best evaluation in every seed and cell${drops.length ? ` (worst: ${f1(worst.drop)}${worst.cell ? ` on ${worst.cell}` : ''})` : ''}`);
      }
    }
  });
}
