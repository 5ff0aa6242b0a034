// Writing HDF5 files through h5wasm, always to a temporary file beside the target that is renamed into place on
// commit, so a crash or Ctrl-C never leaves a half-written dataset under the user's name.
// `writeH5(file, tree)` writes an in-memory tree in one go; `H5Writer` streams rows into extendable datasets for
// files larger than the wasm heap (h5wasm allocates a dataset's whole buffer at create time otherwise).
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import h5wasm from 'h5wasm/node';
import { h5Module } from './h5.js';

export type WritableArray = Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array;
export type AttrValue = string | number | number[] | string[];

export interface H5DatasetSpec {
  data: WritableArray | string[];
  shape: number[];
  /** h5wasm dtype string ('<f', '<d', '<B', '<b', '<i', '<q'...); guessed from the array type when omitted. */
  dtype?: string;
  chunks?: number[];
  /** gzip level 1-9 (needs `chunks`). */
  gzip?: number;
  attrs?: Record<string, AttrValue>;
}

export interface H5GroupSpec {
  children: Record<string, H5DatasetSpec | H5GroupSpec>;
  attrs?: Record<string, AttrValue>;
}

function isGroup(n: H5DatasetSpec | H5GroupSpec): n is H5GroupSpec {
  return 'children' in n;
}

const DTYPES: [new (...a: never[]) => WritableArray, string][] = [
  [Uint8Array, '<B'],
  [Int8Array, '<b'],
  [Int16Array, '<h'],
  [Uint16Array, '<H'],
  [Int32Array, '<i'],
  [Uint32Array, '<I'],
  [Float32Array, '<f'],
  [Float64Array, '<d'],
  [BigInt64Array, '<q'],
];

export function dtypeFor(data: WritableArray): string {
  for (const [ctor, dt] of DTYPES) if (data instanceof ctor) return dt;
  throw new Error('unsupported array type');
}

type H5File = InstanceType<typeof h5wasm.File>;
type H5Group = InstanceType<typeof h5wasm.Group>;
type H5Dataset = InstanceType<typeof h5wasm.Dataset>;

export class H5Writer {
  private readonly rows = new Map<string, number>();
  private done = false;

  private constructor(
    readonly file: string,
    private readonly tmp: string,
    private readonly h: H5File,
  ) {}

  /** Opens a temporary file beside `file`; nothing appears under `file` until `commit()`. */
  static async create(file: string): Promise<H5Writer> {
    await h5Module();
    const abs = resolve(file);
    const tmp = join(dirname(abs), `.${basename(abs)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    return new H5Writer(file, tmp, new h5wasm.File(tmp, 'w'));
  }

  group(path: string, attrs?: Record<string, AttrValue>): void {
    const g = this.ensureGroup(path);
    for (const [k, v] of Object.entries(attrs ?? {})) g.create_attribute(k, v);
  }

  attr(path: string, name: string, value: AttrValue): void {
    const obj = path === '/' || path === '' ? this.h : (this.h.get(path) as H5Group | H5Dataset);
    obj.create_attribute(name, value);
  }

  /** A dataset written whole. */
  dataset(path: string, spec: H5DatasetSpec): void {
    const { parent, name } = this.split(path);
    const isStrings = Array.isArray(spec.data);
    const d = parent.create_dataset({
      name,
      data: spec.data,
      shape: spec.shape,
      dtype: isStrings ? undefined : (spec.dtype ?? dtypeFor(spec.data as WritableArray)),
      chunks: spec.chunks ?? null,
      ...(spec.gzip ? { compression: 'gzip' as const, compression_opts: spec.gzip } : {}),
    });
    for (const [k, v] of Object.entries(spec.attrs ?? {})) d.create_attribute(k, v);
  }

  /** An empty dataset of rows shaped `rowShape`, grown by `append`. */
  extendable(path: string, rowShape: number[], dtype: string, opts: { chunkRows?: number; gzip?: number } = {}): void {
    const { parent, name } = this.split(path);
    const chunkRows = Math.max(1, opts.chunkRows ?? 64);
    parent.create_dataset({
      name,
      data: emptyOf(dtype),
      shape: [0, ...rowShape],
      dtype,
      maxshape: [null, ...rowShape],
      chunks: [chunkRows, ...rowShape],
      ...(opts.gzip ? { compression: 'gzip' as const, compression_opts: opts.gzip } : {}),
    });
    this.rows.set(path, 0);
  }

  /** Appends whole rows (the row count is inferred from the dataset's row shape). */
  append(path: string, data: WritableArray): void {
    const d = this.h.get(path) as H5Dataset;
    const shape = d.shape ?? [0];
    const rowElems = shape.slice(1).reduce((a, b) => a * b, 1);
    const n = data.length / rowElems;
    if (!Number.isInteger(n)) throw new Error(`${path}: ${data.length} values is not a whole number of rows of ${rowElems}`);
    const start = this.rows.get(path) ?? shape[0];
    d.resize([start + n, ...shape.slice(1)]);
    d.write_slice([[start, start + n]], data);
    this.rows.set(path, start + n);
  }

  /** Closes the temporary file and renames it to the target. */
  commit(): void {
    if (this.done) return;
    this.done = true;
    this.h.close();
    renameSync(this.tmp, resolve(this.file));
  }

  /** Closes and deletes the temporary file. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    try {
      this.h.close();
    } finally {
      rmSync(this.tmp, { force: true });
    }
  }

  private ensureGroup(path: string): H5Group {
    let cur: H5Group = this.h;
    for (const part of path.split('/').filter(Boolean)) {
      cur = cur.keys().includes(part) ? (cur.get(part) as H5Group) : cur.create_group(part);
    }
    return cur;
  }

  private split(path: string): { parent: H5Group; name: string } {
    const parts = path.split('/').filter(Boolean);
    const name = parts.pop();
    if (!name) throw new Error(`bad dataset path ${JSON.stringify(path)}`);
    return { parent: this.ensureGroup(parts.join('/')), name };
  }
}

function emptyOf(dtype: string): WritableArray {
  const found = DTYPES.find(([, dt]) => dt === dtype);
  if (!found) throw new Error(`unsupported dtype ${dtype}`);
  return new found[0]() as WritableArray;
}

/** Writes a whole tree to `file` atomically (temporary file, then rename). */
export async function writeH5(file: string, root: H5GroupSpec): Promise<void> {
  const w = await H5Writer.create(file);
  try {
    const walk = (prefix: string, g: H5GroupSpec): void => {
      if (prefix !== '') w.group(prefix, g.attrs);
      else for (const [k, v] of Object.entries(g.attrs ?? {})) w.attr('/', k, v);
      for (const [name, node] of Object.entries(g.children)) {
        const path = prefix === '' ? name : `${prefix}/${name}`;
        if (isGroup(node)) walk(path, node);
        else w.dataset(path, node);
      }
    };
    walk('', root);
    w.commit();
  } catch (e) {
    w.abort();
    throw e;
  }
}
