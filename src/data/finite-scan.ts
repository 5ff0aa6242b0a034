// NaN/Inf in the arrays loading checks (actions, rewards, the chosen state keys), counted for `lapo dataset info`
// instead of refused: the whole file is scanned, so info names every bad array where loading stops at the first.
// State arrays are streamed in bounded row blocks (aligned to their chunks); image arrays are never read.
import { typedView, type H5Reader } from './h5.js';
import { keyPath, type NonFiniteSink } from './layout-common.js';
import { nonFiniteFound } from './messages.js';
import type { StateKey } from './obs-spec.js';
import type { FrameSegment } from './plan.js';

/** Rows per read of a state array: about this many bytes. */
const BLOCK_BYTES = 4 * 2 ** 20;

export interface FiniteCheck {
  /** Display path (episode_N and demo_N shown as episode_* and demo_*, as in the key list). */
  path: string;
  role: 'actions' | 'rewards' | 'state' | 'next state';
  /** Arrays behind `path` (one per episode for episodic layouts). */
  arrays: number;
  /** NaN/Inf values in all of them. */
  nonFinite: number;
  /** The first bad value: its array (a real path) and file row; null when every value is finite. */
  first: { path: string; row: number } | null;
}

/** A path as `dataset info` lists keys: no leading slash, the N of episode_N / demo_N replaced by a star. */
export function displayPattern(path: string): string {
  return path.replace(/^\/+/, '').replace(/(episode|demo)_\d+/, '$1_*');
}

/** Accumulates per-array counts under their display path, in first-seen order. */
export class FiniteChecks {
  private readonly byPath = new Map<string, FiniteCheck>();

  add(role: FiniteCheck['role'], path: string, count: number, firstRow: number): void {
    const shown = displayPattern(path);
    let c = this.byPath.get(shown);
    if (!c) this.byPath.set(shown, (c = { path: shown, role, arrays: 0, nonFinite: 0, first: null }));
    c.arrays++;
    c.nonFinite += count;
    if (count > 0 && c.first === null) c.first = { path: path.replace(/^\/+/, ''), row: firstRow };
  }

  /** The sink for reportingNonFinite (actions and rewards, while the plan is read). */
  readonly sink: NonFiniteSink = (role, key, count, firstRow) => this.add(role, key, count, firstRow);

  /** Every float state key of every segment, rows [fileStart, fileStart + rows) as loading reads them. */
  scanStates(r: H5Reader, segments: readonly FrameSegment[], states: readonly StateKey[]): void {
    for (const seg of segments) {
      const next = /next_/.test(seg.base);
      for (const s of states) {
        const path = keyPath(seg, s.key);
        const { count, first } = s.info.kind === 'float' ? countNonFinite(r, path, seg.fileStart, seg.rows) : { count: 0, first: -1 };
        this.add(next ? 'next state' : 'state', path, count, first);
      }
    }
  }

  result(): FiniteCheck[] {
    return [...this.byPath.values()];
  }
}

/** NaN/Inf values in rows [start, start + rows) of a float array, and the file row of the first (-1: none). */
export function countNonFinite(r: H5Reader, path: string, start: number, rows: number): { count: number; first: number } {
  const info = r.info(path);
  const perRow = info.shape.slice(1).reduce((a, b) => a * b, 1);
  const rowBytes = Math.max(1, perRow * info.bytes);
  const chunkRows = Math.max(1, info.chunks?.[0] ?? 1);
  const step = Math.max(chunkRows, Math.floor(BLOCK_BYTES / rowBytes / chunkRows) * chunkRows);
  let count = 0;
  let first = -1;
  for (let row = start; row < start + rows; ) {
    // blocks end on chunk boundaries of the file's row numbering, so each chunk is decompressed once
    const n = Math.max(1, Math.min(start + rows, Math.floor((row + step) / chunkRows) * chunkRows) - row);
    r.withRows(path, row, n, (bytes) => {
      const v = typedView(bytes, info);
      for (let i = 0; i < v.length; i++) {
        if (!Number.isFinite(v[i] as number)) {
          if (first < 0) first = row + Math.floor(i / perRow);
          count++;
        }
      }
    });
    row += n;
  }
  return { count, first };
}

/** The lines `dataset info` prints: one summary line, then one per array with NaN/Inf in loading's wording. */
export function formatFinite(checks: readonly FiniteCheck[]): string[] {
  const clean = checks.filter((c) => c.nonFinite === 0).map((c) => c.path);
  const bad = checks.filter((c) => c.nonFinite > 0);
  if (bad.length === 0) return [`no NaN/Inf in ${clean.join(', ')}`];
  const head = `NaN/Inf in ${bad.length} array${bad.length === 1 ? '' : 's'} (lapo train refuses the file)${clean.length ? `; no NaN/Inf in ${clean.join(', ')}` : ''}`;
  return [
    head,
    ...bad.map((c) => {
      const first = c.first as { path: string; row: number };
      const where = first.path === c.path ? `row ${first.row}` : `row ${first.row} of ${first.path}`;
      return `${c.path}: expected finite values, found ${nonFiniteFound(c.nonFinite, where)}`;
    }),
  ];
}
