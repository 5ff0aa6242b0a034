// Reading HDF5 files through h5wasm (HDF5 2.0 compiled to WebAssembly; reads the real filesystem under Node).
// Why h5wasm: it installs from npm with no native build, unlike `hdf5` (hdf5.node), whose V8 bindings no longer
// compile on Node 20 (see docs/datasets.md, "Why h5wasm").
//
// Two things h5wasm does that a CLI must not: print HDF5's multi-line error stack to stderr, and report a missing
// object as a bare "name not defined!". We install HDF5's throwing error handler once (errors become exceptions,
// nothing is printed), check the file's signature ourselves, and turn every failure into one LapoError line.
// Row reads go through `get_dataset_data` with a hyperslab into a buffer we own, so eager loads read bounded blocks
// and lazy mode reads single rows or chunk-sized blocks without copying the whole array.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import h5wasm from 'h5wasm/node';
import { LapoError, errors } from '../errors.js';
import { dataErrors } from './messages.js';

type H5Module = Awaited<typeof h5wasm.ready>;

let modulePromise: Promise<H5Module> | null = null;

/** The h5wasm module, initialised once, with HDF5 errors thrown instead of printed. */
export function h5Module(): Promise<H5Module> {
  if (!modulePromise) {
    modulePromise = h5wasm.ready.then((m) => {
      m.activate_throwing_error_handler();
      return m;
    });
  }
  return modulePromise;
}

export type DKind = 'float' | 'int' | 'uint' | 'bool' | 'string' | 'other';

export interface DatasetInfo {
  path: string;
  shape: number[];
  kind: DKind;
  /** Bytes per element. */
  bytes: number;
  /** Human-readable dtype: uint8, float32, bool, string... */
  dtype: string;
  chunks: number[] | null;
  compressed: boolean;
}

export type NumericArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Throws a one-line LapoError unless `file` exists and carries the HDF5 signature (at 0 or a user-block offset). */
export function checkHdf5Signature(file: string): void {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw dataErrors.notHdf5(file, 'a directory');
    size = st.size;
  } catch (e) {
    if (e instanceof LapoError) throw e;
    throw errors.missingFile(file);
  }
  if (size === 0) throw dataErrors.notHdf5(file, 'an empty file (0 bytes)');
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(8);
    for (let off = 0; off + 8 <= size; off = off === 0 ? 512 : off * 2) {
      readSync(fd, buf, 0, 8, off);
      if (HDF5_SIGNATURE.every((b, i) => buf[i] === b)) return;
    }
    const head = Buffer.alloc(Math.min(16, size));
    readSync(fd, head, 0, head.length, 0);
    const printable = head.toString('latin1').replace(/[^\x20-\x7e]/g, '.');
    throw dataErrors.notHdf5(file, `no HDF5 signature (${size} bytes starting with "${printable}")`);
  } finally {
    closeSync(fd);
  }
}

/** The most specific line of an HDF5 error stack, e.g. "truncated file: eof = 3000, ..., stored_eof = 238280". */
export function hdf5ErrorDetail(e: unknown): string {
  const text = String((e as Error)?.message ?? e);
  const lines = text.split('\n').filter((l) => /#\d+:/.test(l));
  const last = lines.length > 0 ? lines[lines.length - 1] : text.split('\n')[0];
  const m = /\(\):\s*(.*)$/.exec(last);
  return (m ? m[1] : last).trim();
}

function dtypeOf(meta: { type: number; size: number; signed: boolean; enum_type?: { members: Record<string, number> } }): [DKind, string] {
  switch (meta.type) {
    case 0:
      return meta.signed ? ['int', `int${meta.size * 8}`] : ['uint', `uint${meta.size * 8}`];
    case 1:
      return meta.size === 4 || meta.size === 8 ? ['float', `float${meta.size * 8}`] : ['other', `float${meta.size * 8}`];
    case 3:
      return ['string', 'string'];
    case 8: {
      const names = Object.keys(meta.enum_type?.members ?? {}).sort().join(',');
      return names === 'FALSE,TRUE' ? ['bool', 'bool'] : ['int', `enum${meta.size * 8}`];
    }
    default:
      return ['other', `hdf5-class-${meta.type}`];
  }
}

/** A typed view of little-endian element bytes (`bytes` must be aligned, as heap and fresh buffers are). */
export function typedView(bytes: Uint8Array, info: Pick<DatasetInfo, 'kind' | 'bytes' | 'dtype'>): NumericArray | BigInt64Array | BigUint64Array {
  const { buffer, byteOffset } = bytes;
  const n = bytes.byteLength / info.bytes;
  if (info.kind === 'float') return info.bytes === 4 ? new Float32Array(buffer, byteOffset, n) : new Float64Array(buffer, byteOffset, n);
  const signed = info.kind === 'int' || info.kind === 'bool';
  switch (info.bytes) {
    case 1:
      return signed ? new Int8Array(buffer, byteOffset, n) : new Uint8Array(buffer, byteOffset, n);
    case 2:
      return signed ? new Int16Array(buffer, byteOffset, n) : new Uint16Array(buffer, byteOffset, n);
    case 4:
      return signed ? new Int32Array(buffer, byteOffset, n) : new Uint32Array(buffer, byteOffset, n);
    case 8:
      return signed ? new BigInt64Array(buffer, byteOffset, n) : new BigUint64Array(buffer, byteOffset, n);
    default:
      throw new Error(`unsupported element size ${info.bytes} (${info.dtype})`);
  }
}

/** An open HDF5 file. All methods throw one-line LapoErrors naming the file and the key. */
export class H5Reader {
  private readonly infos = new Map<string, DatasetInfo>();
  // the file is opened read-only, so listings never change (Minari files list thousands of episode groups)
  private readonly listings = new Map<string, string[]>();
  private closed = false;

  private constructor(
    readonly file: string,
    private readonly m: H5Module,
    private readonly h: InstanceType<typeof h5wasm.File>,
  ) {}

  static async open(file: string): Promise<H5Reader> {
    checkHdf5Signature(file);
    const m = await h5Module();
    try {
      return new H5Reader(file, m, new h5wasm.File(resolve(file), 'r'));
    } catch (e) {
      const detail = hdf5ErrorDetail(e);
      const t = /truncated file: eof = (\d+).*stored_eof = (\d+)/.exec(detail);
      if (t) throw dataErrors.truncated(file, Number(t[1]), Number(t[2]));
      throw dataErrors.notHdf5(file, `a file HDF5 cannot open (${detail})`);
    }
  }

  private guard<T>(key: string, fn: () => T): T {
    if (this.closed) throw new Error(`${this.file} is closed`);
    try {
      return fn();
    } catch (e) {
      if (e instanceof LapoError) throw e;
      throw dataErrors.unreadable(this.file, key, hdf5ErrorDetail(e));
    }
  }

  private kindOf(path: string): 'group' | 'dataset' | 'other' | null {
    return this.guard(path, () => {
      const t = this.m.get_type(this.h.file_id, norm(path));
      if (t === this.m.H5G_GROUP) return 'group';
      if (t === this.m.H5G_DATASET) return 'dataset';
      return t < 0 ? null : 'other';
    });
  }

  /** True when every component of `path` exists (without HDF5 printing or throwing on missing links). */
  has(path: string): boolean {
    const parts = norm(path).split('/').filter(Boolean);
    let cur = '';
    for (let i = 0; i < parts.length; i++) {
      if (!this.keys(cur).includes(parts[i])) return false;
      cur = `${cur}/${parts[i]}`;
      if (i < parts.length - 1 && !this.isGroup(cur)) return false;
    }
    return true;
  }
  isGroup(path: string): boolean {
    return norm(path) === '/' || (this.kindOfSafe(path) === 'group');
  }
  isDataset(path: string): boolean {
    return this.kindOfSafe(path) === 'dataset';
  }
  private kindOfSafe(path: string): 'group' | 'dataset' | 'other' | null {
    const p = norm(path);
    const slash = p.lastIndexOf('/');
    const parent = slash <= 0 ? '/' : p.slice(0, slash);
    if (parent !== '/' && !this.has(parent)) return null;
    if (!this.keys(parent).includes(p.slice(slash + 1))) return null;
    return this.kindOf(p);
  }

  /** Names inside a group, in HDF5's order (usually by name: callers sort episode groups numerically). */
  keys(path = '/'): string[] {
    const p = norm(path);
    let names = this.listings.get(p);
    if (!names) {
      names = this.guard(path, () => this.m.get_names(this.h.file_id, p, false));
      this.listings.set(p, names);
    }
    return names.slice();
  }

  info(path: string): DatasetInfo {
    const p = norm(path);
    const cached = this.infos.get(p);
    if (cached) return cached;
    const info = this.guard(path, () => {
      const meta = this.m.get_dataset_metadata(this.h.file_id, p);
      const [kind, dtype] = dtypeOf(meta);
      const filters = this.m.get_dataset_filters(this.h.file_id, p);
      return { path: p, shape: meta.shape ?? [], kind, bytes: meta.size, dtype, chunks: meta.chunks, compressed: filters.length > 0 };
    });
    this.infos.set(p, info);
    return info;
  }

  /**
   * Reads rows [start, start+count) of a dataset and hands `fn` a view of their bytes inside the wasm heap (valid
   * only during the call: copy what you keep). Row = everything after the first axis.
   */
  withRows<T>(path: string, start: number, count: number, fn: (bytes: Uint8Array) => T): T {
    const info = this.info(path);
    const rank = info.shape.length;
    const rowElems = info.shape.slice(1).reduce((a, b) => a * b, 1);
    const nbytes = count * rowElems * info.bytes;
    if (info.kind === 'string' || info.kind === 'other') throw dataErrors.shape(this.file, path, 'numeric data', info.shape, info.dtype);
    const ptr = this.m._malloc(Math.max(nbytes, 1));
    if (ptr === 0) throw new LapoError('data', `${this.file}: ${path}: cannot allocate ${nbytes} bytes in the HDF5 heap`);
    try {
      if (rank === 0) {
        this.guard(path, () => this.m.get_dataset_data(this.h.file_id, info.path, null, null, null, BigInt(ptr)));
      } else {
        const countV = [BigInt(count), ...info.shape.slice(1).map(BigInt)];
        const offset = [BigInt(start), ...info.shape.slice(1).map(() => 0n)];
        const strides = info.shape.map(() => 1n);
        this.guard(path, () => this.m.get_dataset_data(this.h.file_id, info.path, countV, offset, strides, BigInt(ptr)));
      }
      return fn(this.m.HEAPU8.subarray(ptr, ptr + nbytes));
    } finally {
      this.m._free(ptr);
    }
  }

  /**
   * The address of a dataset's object header (an HDF5 object reference is that address): lazy mode reads the
   * dataset's layout from there to read contiguous rows without h5wasm (see h5-layout.ts).
   */
  objectAddress(path: string): number {
    return this.guard(path, () => Number(Buffer.from(this.m.create_object_reference(this.h.file_id, norm(path))).readBigUInt64LE(0)));
  }

  /** Rows as a fresh typed array of the stored type (64-bit integers become Float64Array). */
  read(path: string, start = 0, count?: number): NumericArray {
    const info = this.info(path);
    const n = count ?? (info.shape.length === 0 ? 1 : info.shape[0] - start);
    const view = this.withRows(path, start, n, (bytes) => typedView(bytes.slice(), info));
    if (view instanceof BigInt64Array || view instanceof BigUint64Array) return Float64Array.from(view, Number);
    return view;
  }

  /** Rows converted to float64 (for statistics and flags). */
  readFloat64(path: string, start = 0, count?: number): Float64Array {
    const a = this.read(path, start, count);
    return a instanceof Float64Array ? a : Float64Array.from(a);
  }

  readStrings(path: string): string[] {
    return this.guard(path, () => {
      const v = (this.h.get(norm(path)) as InstanceType<typeof h5wasm.Dataset>).value;
      const arr = Array.isArray(v) ? v : [v];
      return arr.map((x) => (x instanceof Uint8Array ? Buffer.from(x).toString('utf8') : String(x)));
    });
  }

  /** An attribute's value as JSON-compatible data, or undefined when absent. */
  attr(path: string, name: string): unknown {
    return this.guard(path, () => {
      const obj = norm(path) === '/' ? this.h : this.h.get(norm(path));
      const attrs = (obj as { attrs?: Record<string, { json_value: unknown }> })?.attrs;
      return attrs && name in attrs ? attrs[name].json_value : undefined;
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.h.close();
    } catch {
      // closing a file HDF5 already failed on has nothing left to release
    }
  }
}

function norm(path: string): string {
  const p = path.startsWith('/') ? path : `/${path}`;
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}
