// Checked reads shared by the layout readers: actions, rewards, flags and observation keys, each validated for
// rank, dtype, row count and finiteness with a one-line error naming the file and the key.
import type { H5Reader } from './h5.js';
import { dataErrors } from './messages.js';
import type { FrameSegment, ObsKeyInfo } from './plan.js';

export function requireKey(r: H5Reader, path: string, what: string): void {
  if (r.has(path)) return;
  const slash = path.lastIndexOf('/');
  const parent = slash <= 0 ? '/' : path.slice(0, slash);
  throw dataErrors.missingKey(r.file, path, what, r.has(parent) && r.isGroup(parent) ? r.keys(parent) : []);
}

/** Where readActions/readRewards report each array's NaN/Inf count (and first row, -1 when none). */
export type NonFiniteSink = (role: 'actions' | 'rewards', key: string, count: number, firstRow: number) => void;
let nonFiniteSink: NonFiniteSink | null = null;

/**
 * Runs `fn` (synchronous: a readPlan call) with every action and reward array's NaN/Inf count handed to `sink`
 * instead of a non-finite array being refused: `dataset info` reports them, loading refuses them.
 */
export function reportingNonFinite<T>(sink: NonFiniteSink, fn: () => T): T {
  const outer = nonFiniteSink;
  nonFiniteSink = sink;
  try {
    return fn();
  } finally {
    nonFiniteSink = outer;
  }
}

function checkFinite(file: string, key: string, a: ArrayLike<number>, rowLen: number, role: 'actions' | 'rewards'): void {
  let count = 0;
  let first = -1;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) {
      if (first < 0) first = Math.floor(i / rowLen);
      count++;
    }
  }
  if (nonFiniteSink) nonFiniteSink(role, key, count, first);
  else if (count > 0) throw dataErrors.nonFinite(file, key, count, first);
}

/** Continuous actions [N, A] (or [N] for A = 1) as float32, checked finite. */
export function readActions(r: H5Reader, path: string, rows: number | null, reference = ''): { data: Float32Array; dim: number; rows: number } {
  requireKey(r, path, 'float actions [N,A]');
  const info = r.info(path);
  if (info.kind !== 'float' || (info.shape.length !== 1 && info.shape.length !== 2)) {
    throw dataErrors.shape(r.file, path, 'float32/float64 actions [N,A] (continuous control)', info.shape, info.dtype);
  }
  if (rows !== null && info.shape[0] !== rows) throw dataErrors.length(r.file, path, rows, reference, info.shape[0]);
  const dim = info.shape.length === 2 ? info.shape[1] : 1;
  if (dim < 1) throw dataErrors.shape(r.file, path, 'at least one action dimension', info.shape, info.dtype);
  const raw = r.read(path);
  checkFinite(r.file, path, raw, dim, 'actions');
  return { data: raw instanceof Float32Array ? raw : Float32Array.from(raw), dim, rows: info.shape[0] };
}

/** Scalar rewards [N] or [N,1], checked finite. */
export function readRewards(r: H5Reader, path: string, rows: number, reference: string): Float64Array {
  requireKey(r, path, 'rewards [N]');
  const info = r.info(path);
  const ok = (info.kind === 'float' || info.kind === 'int' || info.kind === 'uint') &&
    (info.shape.length === 1 || (info.shape.length === 2 && info.shape[1] === 1));
  if (!ok) throw dataErrors.shape(r.file, path, 'numeric rewards [N]', info.shape, info.dtype);
  if (info.shape[0] !== rows) throw dataErrors.length(r.file, path, rows, reference, info.shape[0]);
  const data = r.readFloat64(path);
  checkFinite(r.file, path, data, 1, 'rewards');
  return data;
}

/** 0/1 flags [N] (bool, int or float). Missing optional flags read as all zero. */
export function readFlags(r: H5Reader, path: string, rows: number, reference: string, optional = false): Uint8Array | null {
  if (!r.has(path)) {
    if (optional) return null;
    requireKey(r, path, 'flags [N]');
  }
  const info = r.info(path);
  const ok = info.kind !== 'string' && info.kind !== 'other' && (info.shape.length === 1 || (info.shape.length === 2 && info.shape[1] === 1));
  if (!ok) throw dataErrors.shape(r.file, path, 'bool/int/float flags [N]', info.shape, info.dtype);
  if (info.shape[0] !== rows) throw dataErrors.length(r.file, path, rows, reference, info.shape[0]);
  const v = r.readFloat64(path);
  const out = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) out[i] = v[i] !== 0 && !Number.isNaN(v[i]) ? 1 : 0;
  return out;
}

/** Observation keys under `base`: the array itself, or every dataset inside the group (nested dicts joined by '/'). */
export function listObsKeys(r: H5Reader, base: string): { key: string; single: boolean }[] {
  if (r.isDataset(base)) return [{ key: base.split('/').pop() as string, single: true }];
  const out: { key: string; single: boolean }[] = [];
  const walk = (rel: string) => {
    const path = rel === '' ? base : `${base}/${rel}`;
    for (const name of r.keys(path)) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const child = `${base}/${childRel}`;
      if (r.isGroup(child)) walk(childRel);
      else if (r.isDataset(child)) out.push({ key: childRel, single: false });
    }
  };
  walk('');
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export function keyPath(seg: Pick<FrameSegment, 'base' | 'single'>, key: string): string {
  return seg.single ? seg.base : `${seg.base}/${key}`;
}

/**
 * Observation keys of the first segment, checked in every segment: present, exactly `rows` rows (`reference` says
 * why), and the same row shape and dtype as in the first segment. `pattern` turns a segment base into a display path
 * (e.g. episode_* for Minari).
 */
export function collectObsKeys(
  r: H5Reader,
  segments: FrameSegment[],
  pattern: (base: string) => string,
  reference: (seg: FrameSegment) => string,
): ObsKeyInfo[] {
  if (segments.length === 0) return [];
  const first = segments[0];
  const keys = listObsKeys(r, first.base).map(({ key }) => {
    const info = r.info(keyPath(first, key));
    return {
      key,
      rowShape: info.shape.slice(1),
      kind: info.kind,
      dtype: info.dtype,
      bytes: info.bytes,
      chunks: info.chunks,
      compressed: info.compressed,
      pathPattern: first.single ? pattern(first.base) : `${pattern(first.base)}/${key}`,
    };
  });
  for (const seg of segments) {
    for (const k of keys) {
      const path = keyPath(seg, k.key);
      requireKey(r, path, `observation key ${k.key}`);
      const info = r.info(path);
      if (info.shape.length === 0) throw dataErrors.shape(r.file, path, 'an array with one row per step', info.shape, info.dtype);
      const same = info.dtype === k.dtype && info.shape.length - 1 === k.rowShape.length && k.rowShape.every((d, i) => info.shape[i + 1] === d);
      if (!same) throw dataErrors.shape(r.file, path, `${k.dtype} [N,${k.rowShape.join(',')}] like ${keyPath(first, k.key)}`, info.shape, info.dtype);
      if (info.shape[0] !== seg.fileStart + seg.rows) throw dataErrors.length(r.file, path, seg.fileStart + seg.rows, reference(seg), info.shape[0]);
    }
  }
  return keys;
}
