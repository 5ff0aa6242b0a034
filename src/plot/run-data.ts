// Reads what `lapo plot` draws from a run folder: the resolved config.json, metrics.csv (training, one row per
// --log-every steps) and eval.csv (policy evaluation, one row per --eval-every steps) when present.
// Values are parsed as numbers; empty cells, "NaN" and non-numeric text become NaN and are left out of the plot
// (measured columns such as enc_grad_norm_* are NaN on steps where they were not measured).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { LapoError, errors } from '../errors.js';

/** One CSV file as columns of numbers, in file order. */
export interface Table {
  file: string;
  columns: string[];
  rows: Record<string, number>[];
}

export interface RunData {
  /** The folder name (runs/<name>). */
  name: string;
  dir: string;
  config: Record<string, unknown>;
  metrics: Table;
  evals: Table | null;
}

/** `arg` is a run folder path, or a name under ./runs/ (as printed by `lapo train`). */
export function resolveRunDir(arg: string): string {
  const candidates = [arg, join('runs', arg)];
  for (const c of candidates) {
    if (existsSync(c) && statSync(c).isDirectory()) return resolve(c);
  }
  throw new LapoError('data', `${arg}: no such run folder (looked for ${candidates.join(' and ')})`);
}

export function readTable(file: string): Table {
  let text = readFileSync(file, 'utf8');
  // A run that is still training (or was killed mid-write) may end in a partial row: plot the whole rows only.
  if (!text.endsWith('\n') && text.includes('\n')) text = text.slice(0, text.lastIndexOf('\n') + 1);
  let records: string[][];
  try {
    records = parse(text, { skip_empty_lines: true, relax_column_count: false }) as string[][];
  } catch (e) {
    throw errors.dataFile(file, 'CSV', 'comma-separated rows with a header', (e as Error).message.split('\n')[0]);
  }
  if (records.length === 0) throw errors.dataFile(file, 'header', 'a header row', 'an empty file');
  const columns = records[0].map((c) => c.trim());
  if (!columns.includes('step')) throw errors.dataFile(file, 'header', 'a "step" column', columns.join(','));
  const rows = records.slice(1).map((rec) => {
    const row: Record<string, number> = {};
    columns.forEach((c, i) => {
      const cell = (rec[i] ?? '').trim();
      row[c] = cell === '' ? NaN : Number(cell);
    });
    return row;
  });
  return { file, columns, rows };
}

export function readRun(arg: string): RunData {
  const dir = resolveRunDir(arg);
  const metricsFile = join(dir, 'metrics.csv');
  if (!existsSync(metricsFile)) throw errors.missingFile(metricsFile);
  const configFile = join(dir, 'config.json');
  if (!existsSync(configFile)) throw errors.missingFile(configFile);
  let config: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(readFileSync(configFile, 'utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    config = parsed as Record<string, unknown>;
  } catch (e) {
    throw errors.dataFile(configFile, 'JSON', 'a JSON object (the resolved run config)', (e as Error).message);
  }
  const evalFile = join(dir, 'eval.csv');
  return {
    name: basename(dir),
    dir,
    config,
    metrics: readTable(metricsFile),
    evals: existsSync(evalFile) ? readTable(evalFile) : null,
  };
}

/** Where a metric comes from: `eval:COL` forces eval.csv; a bare name is looked up in metrics.csv, then eval.csv. */
export function findMetric(run: RunData, metric: string): { table: Table; column: string } | null {
  if (metric.startsWith('eval:')) {
    const column = metric.slice(5);
    return run.evals && run.evals.columns.includes(column) ? { table: run.evals, column } : null;
  }
  if (run.metrics.columns.includes(metric)) return { table: run.metrics, column: metric };
  if (run.evals && run.evals.columns.includes(metric)) return { table: run.evals, column: metric };
  return null;
}

/** Every plottable column of a run (for error messages and the default metric choice). */
export function availableMetrics(run: RunData): string[] {
  const own = run.metrics.columns.filter((c) => c !== 'step');
  const ev = (run.evals?.columns ?? []).filter((c) => c !== 'step' && !own.includes(c));
  return [...own, ...ev];
}
