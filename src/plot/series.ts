// Which runs are drawn as one line, and the numbers of that line.
// Default: runs whose resolved configs are equal except for the seed (and bookkeeping keys that cannot change
// what is learned) are one group, drawn as the mean across seeds with a band. `--group-by KEY[,KEY]` pools runs
// by those config keys only; `--group-by run` draws every run on its own.
// A group's value at a step is summarised over the runs that logged that step (runs of unequal length simply
// contribute fewer points at the end; `n` says how many).
import { LapoError } from '../errors.js';
import { findMetric, type RunData } from './run-data.js';
import { summarize, type BandKind } from './stats.js';
import { BOOKKEEPING_KEYS } from '../config/schema.js';

/** Config keys that do not change what a run learns, so runs differing only in them are repetitions. */
const NON_IDENTITY_KEYS: readonly string[] = ['seed', ...BOOKKEEPING_KEYS];

export interface RunGroup {
  label: string;
  runs: RunData[];
}

export interface SeriesPoint {
  metric: string;
  group: string;
  step: number;
  mean: number;
  lo: number | null;
  hi: number | null;
  n: number;
}

function fmtValue(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? 'undefined';
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function identity(config: Record<string, unknown>, keys: string[] | null): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const chosen = keys ?? Object.keys(config).filter((k) => !NON_IDENTITY_KEYS.includes(k));
  for (const k of [...chosen].sort()) out[k] = config[k];
  return out;
}

/** Groups runs (see the header). `groupBy` null = by everything but the seed; ['run'] = no pooling. */
export function groupRuns(runs: RunData[], groupBy: string[] | null, groupOf?: (run: RunData) => string): RunGroup[] {
  if (groupBy && groupBy.length === 1 && groupBy[0] === 'run') return runs.map((r) => ({ label: r.name, runs: [r] }));
  if (groupOf) {
    const named = new Map<string, RunData[]>();
    for (const r of runs) named.set(groupOf(r), [...(named.get(groupOf(r)) ?? []), r]);
    return [...named].map(([label, rs]) => ({ label: rs.length > 1 ? `${label} (${rs.length} seeds)` : label, runs: rs }));
  }
  if (groupBy) {
    for (const r of runs) {
      for (const k of groupBy) {
        if (!(k in r.config)) {
          const known = Object.keys(r.config).sort().join(', ');
          throw new LapoError('usage', `--group-by ${k}: ${r.dir}/config.json has no key "${k}" (keys: ${known})`);
        }
      }
    }
  }
  const byKey = new Map<string, { id: Record<string, unknown>; runs: RunData[] }>();
  for (const r of runs) {
    const id = identity(r.config, groupBy);
    const key = JSON.stringify(id);
    const g = byKey.get(key) ?? { id, runs: [] };
    g.runs.push(r);
    byKey.set(key, g);
  }
  const groups = [...byKey.values()];
  // Label each group by the keys whose values differ between groups: that is what the legend must tell apart.
  const keys = [...new Set(groups.flatMap((g) => Object.keys(g.id)))].sort();
  const differing = keys.filter((k) => new Set(groups.map((g) => JSON.stringify(g.id[k]))).size > 1);
  const labels = groups.map((g) => {
    if (groupBy) return groupBy.map((k) => `${k}=${fmtValue(g.id[k])}`).join(', ');
    if (differing.length > 0) return differing.map((k) => `${k}=${fmtValue(g.id[k])}`).join(', ');
    return g.runs.length === 1 ? g.runs[0].name : `${g.runs[0].name} and ${g.runs.length - 1} more`;
  });
  return groups.map((g, i) => ({
    label: g.runs.length > 1 ? `${labels[i]} (${g.runs.length} seeds)` : labels[i],
    runs: g.runs,
  }));
}

/** The finite (step, value) pairs of one metric of one run; throws naming the run when the column is missing. */
export function runSeries(run: RunData, metric: string): Map<number, number> {
  const found = findMetric(run, metric);
  if (!found) {
    const files = run.evals ? 'metrics.csv or eval.csv' : 'metrics.csv (no eval.csv)';
    const cols = [...run.metrics.columns, ...(run.evals?.columns ?? []).map((c) => `eval:${c}`)];
    throw new LapoError('usage', `--metric ${metric}: no such column in ${run.dir}/${files} (columns: ${cols.join(', ')})`);
  }
  const out = new Map<number, number>();
  for (const row of found.table.rows) {
    const step = row.step;
    const v = row[found.column];
    // A resumed run may log a step twice (the rows after the last checkpoint are re-run): the later row wins.
    if (Number.isFinite(step) && Number.isFinite(v)) out.set(step, v);
  }
  return out;
}

/** Mean and band per step, for every group and metric. */
export function buildSeries(groups: RunGroup[], metrics: string[], band: BandKind): SeriesPoint[] {
  const points: SeriesPoint[] = [];
  for (const metric of metrics) {
    for (const g of groups) {
      const perRun = g.runs.map((r) => runSeries(r, metric));
      const steps = [...new Set(perRun.flatMap((s) => [...s.keys()]))].sort((a, b) => a - b);
      for (const step of steps) {
        const vals = perRun.map((s) => s.get(step)).filter((v): v is number => v !== undefined);
        const s = summarize(vals, band);
        points.push({ metric, group: g.label, step, mean: s.mean, lo: s.lo, hi: s.hi, n: s.n });
      }
    }
  }
  return points;
}
