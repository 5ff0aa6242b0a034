// `lapo plot`: line plots of run metrics against the training step, runs that differ only by seed drawn as one
// mean line with a band, written as SVG or PNG (Vega-Lite + Vega render the figure, resvg rasterises it).
import { mkdirSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { LapoError } from '../errors.js';
import { writeFileAtomic } from '../run/atomic.js';
import { availableMetrics, readRun, type RunData } from './run-data.js';
import { buildSeries, groupRuns } from './series.js';
import { buildSpec } from './spec.js';
import { renderSvg, svgToPng } from './render.js';
import type { BandKind } from './stats.js';

export interface PlotOptions {
  runs: string[];
  /** Columns of metrics.csv / eval.csv (`eval:COL` to force eval.csv); empty = the default set. */
  metrics: string[];
  /** null: by config minus seed; ['run']: every run alone; else the config keys to pool by. */
  groupBy: string[] | null;
  /** Pools runs by a name of the caller's instead (e.g. an experiment's arm); the legend shows it. */
  groupOf?: (run: RunData) => string;
  band: BandKind;
  out: string;
  logY?: boolean;
  width?: number;
  height?: number;
  title?: string;
}

export interface PlotResult {
  out: string;
  format: 'svg' | 'png';
  metrics: string[];
  groups: { label: string; runs: string[] }[];
  bytes: number;
}

// Shown when no --metric is given: the three losses and the value scale, then the policy's evaluation score.
const DEFAULT_METRICS = ['critic_loss', 'vae_loss', 'actor_loss', 'q_mean'];
const DEFAULT_EVAL = ['score', 'success_rate', 'return_mean'];

export function defaultMetrics(runs: RunData[]): string[] {
  const common = (m: string) => runs.every((r) => availableMetrics(r).includes(m));
  const chosen = DEFAULT_METRICS.filter(common);
  const ev = DEFAULT_EVAL.find(common);
  if (ev) chosen.push(ev);
  if (chosen.length > 0) return chosen;
  const first = availableMetrics(runs[0]).filter((m) => m !== 'wall_s' && m !== 'updates_per_s' && common(m));
  if (first.length === 0) throw new LapoError('data', `${runs[0].dir}/metrics.csv: no metric column shared by all runs`);
  return first.slice(0, 4);
}

function outputFormat(out: string): 'svg' | 'png' {
  const ext = extname(out).toLowerCase();
  if (ext === '.svg' || ext === '.png') return ext.slice(1) as 'svg' | 'png';
  throw new LapoError('usage', `--out ${out}: expected a file name ending in .png or .svg, found "${ext || 'no extension'}"`);
}

export async function plotRuns(o: PlotOptions): Promise<PlotResult> {
  const format = outputFormat(o.out);
  if (o.runs.length === 0) throw new LapoError('usage', 'lapo plot: expected at least one RUN folder, found none');
  const runs = o.runs.map(readRun);
  const names = new Set<string>();
  for (const r of runs) {
    if (names.has(r.dir)) throw new LapoError('usage', `${r.dir}: run given twice`);
    names.add(r.dir);
  }
  const metrics = o.metrics.length > 0 ? [...new Set(o.metrics)] : defaultMetrics(runs);
  const groups = groupRuns(runs, o.groupBy, o.groupOf);
  const points = buildSeries(groups, metrics, o.band);
  for (const m of metrics) {
    if (!points.some((p) => p.metric === m)) throw new LapoError('data', `--metric ${m}: no finite value in any run`);
  }
  const spec = buildSpec(points, {
    metrics,
    groups: groups.map((g) => g.label),
    band: o.band,
    logY: o.logY ?? false,
    width: o.width ?? 420,
    height: o.height ?? 220,
    title: o.title,
  });
  const svg = await renderSvg(spec);
  const data = format === 'svg' ? svg : await svgToPng(svg, o.out);
  mkdirSync(dirname(o.out) || '.', { recursive: true });
  await writeFileAtomic(o.out, data);
  return {
    out: o.out,
    format,
    metrics,
    groups: groups.map((g) => ({ label: g.label, runs: g.runs.map((r) => r.name) })),
    bytes: typeof data === 'string' ? Buffer.byteLength(data) : data.length,
  };
}
