// The run's CSV logs (metrics.csv, eval.csv, grads.csv): csv-stringify, a header written once, a fixed column
// order, rows appended whole. Each append writes complete lines, and a write cut short (full disk) is truncated
// back, so a killed process or a full disk leaves whole rows; a torn last line (power loss) is dropped when the
// file is opened again. On resume the rows logged after the checkpoint being resumed are removed, so the file
// ends up with exactly the rows a straight run writes.
import { closeSync, existsSync, fstatSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { writeFileAtomic } from './atomic.js';
import { LapoError } from '../errors.js';
import { rethrowOsError } from '../util/os-error.js';

export type CsvValue = number | string | null | undefined;
export type CsvRow = Record<string, CsvValue>;

/**
 * Numbers as the shortest decimal that reads back to the same float32 (9 significant digits), integers exactly,
 * NaN as `NaN` (a column not measured on this row), so two runs with bit-identical values write identical text.
 */
export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  return String(Number(v.toPrecision(9)));
}

export function formatRows(columns: readonly string[], rows: readonly CsvRow[], header = false): string {
  const records = rows.map((r) => columns.map((c) => r[c] ?? ''));
  if (header) records.unshift([...columns]);
  return stringify(records, { cast: { number: formatNumber }, eof: true });
}

export interface OpenCsvOptions {
  /** Keep only rows that satisfy this (checked on the first column, the step) — used on resume. */
  keepRow?: (step: number) => boolean;
}

export class CsvLog {
  private constructor(
    readonly path: string,
    readonly columns: readonly string[],
  ) {}

  /**
   * Opens (or creates) a CSV log. An existing file must have exactly `columns` as its header; rows rejected by
   * `keepRow` and a torn last line are removed by rewriting the file atomically.
   */
  static async open(path: string, columns: readonly string[], opts: OpenCsvOptions = {}): Promise<CsvLog> {
    const log = new CsvLog(path, columns);
    const header = formatRows(columns, [], true);
    if (!existsSync(path)) {
      await writeFileAtomic(path, header);
      return log;
    }
    const text = readFileSync(path, 'utf8');
    const nl = text.indexOf('\n');
    const found = nl < 0 ? text : text.slice(0, nl + 1);
    if (found !== header) {
      throw new LapoError(
        'checkpoint',
        `${path}: header: expected ${header.trim()}, found ${found.trim() || '(empty file)'}`,
        'this run was written by another version of lapo or with other settings; start a new run',
      );
    }
    // Everything after the header, in whole lines only (a torn last line has no newline).
    const body = text.slice(nl + 1);
    const lastNl = body.lastIndexOf('\n');
    const lines = lastNl < 0 ? [] : body.slice(0, lastNl).split('\n');
    const kept = opts.keepRow ? lines.filter((l) => opts.keepRow!(Number(l.slice(0, l.indexOf(','))))) : lines;
    const rebuilt = header + kept.map((l) => `${l}\n`).join('');
    if (rebuilt !== text) await writeFileAtomic(path, rebuilt);
    return log;
  }

  /**
   * Appends whole rows, or nothing: a write cut short (a full disk, a file size limit) is truncated back to the
   * size before it, so the file never ends in half a row. Missing keys are written as empty fields.
   */
  append(rows: CsvRow | readonly CsvRow[]): void {
    const list = Array.isArray(rows) ? rows : [rows as CsvRow];
    if (list.length === 0) return;
    const bytes = Buffer.from(formatRows(this.columns, list), 'utf8');
    let fd: number;
    try {
      fd = openSync(this.path, 'a');
    } catch (e) {
      rethrowOsError(e, 'appending rows', this.path);
    }
    try {
      const before = fstatSync(fd).size;
      try {
        for (let done = 0; done < bytes.byteLength; ) done += writeSync(fd, bytes, done, bytes.byteLength - done);
      } catch (e) {
        try {
          ftruncateSync(fd, before);
        } catch {
          /* the torn last line is then dropped when the file is opened again */
        }
        rethrowOsError(e, 'appending rows (the file keeps its whole rows)', this.path);
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** Reads a CSV log written by CsvLog into objects of numbers (strings where a field is not numeric). */
export function readCsvLog(path: string): { columns: string[]; rows: Record<string, number | string>[] } {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);
  if (lines.length === 0) return { columns: [], rows: [] };
  const columns = splitCsvLine(lines[0]);
  const rows = lines.slice(1).map((line) => {
    const cells = splitCsvLine(line);
    const row: Record<string, number | string> = {};
    columns.forEach((c, i) => {
      const cell = cells[i] ?? '';
      const n = Number(cell);
      row[c] = cell !== '' && (Number.isFinite(n) || cell === 'NaN' || /^-?Infinity$/.test(cell)) ? n : cell;
    });
    return row;
  });
  return { columns, rows };
}

/** Splits one CSV line with RFC 4180 quoting (enough for what csv-stringify writes). */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}
