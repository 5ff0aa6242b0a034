// Streaming HDF5 writer for generated datasets: columns are created chunked and extendible (maxshape None, as
// h5py's resizable datasets), rows are appended as episodes finish, so a dataset larger than memory can be
// generated. The file is written under a temporary name beside the target and renamed only after it has been
// closed, so an interrupted `dataset generate` never leaves a file that looks complete.
// h5wasm is used directly (not src/data/h5.ts) because the reader-side helper writes whole trees at once.
import h5wasm from 'h5wasm/node';
import { renameSync, rmSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LapoError } from '../errors.js';
import { tempPathFor } from '../run/atomic.js';

// h5wasm's dtype letters (numpy's struct codes; a size suffix is ignored): f = float32, d = float64, B = uint8, i = int32.
export type ColumnDtype = '<f' | '<B' | '<i';
export type Rows = Float32Array | Uint8Array | Int32Array;

export interface ColumnSpec {
  /** Path inside the file, e.g. observations/image. */
  name: string;
  dtype: ColumnDtype;
  /** Shape of one row (empty for a scalar per row). */
  rowShape: number[];
}

export type AttrValue = string | number | number[];

/** Rows per chunk so that one chunk holds about 512 KiB (one minibatch of 64-px images is ~2 chunks). */
export function chunkRowsFor(col: ColumnSpec): number {
  const bytes = (col.dtype === '<B' ? 1 : 4) * col.rowShape.reduce((a, b) => a * b, 1);
  return Math.max(1, Math.min(65536, Math.floor((1 << 19) / bytes)));
}

export class StreamingH5Writer {
  private file: InstanceType<typeof h5wasm.File> | null;
  private created = new Set<string>();
  private n = 0;

  private constructor(
    readonly path: string,
    private readonly tmp: string,
    file: InstanceType<typeof h5wasm.File>,
    private readonly columns: ColumnSpec[],
    private readonly gzip: number,
  ) {
    this.file = file;
  }

  /** Opens a temp file beside `path` (the directory is created when missing). `gzip` 0 = uncompressed. */
  static async open(path: string, columns: ColumnSpec[], opts: { gzip?: number } = {}): Promise<StreamingH5Writer> {
    await h5wasm.ready;
    const full = resolve(path);
    mkdirSync(dirname(full), { recursive: true });
    const tmp = tempPathFor(full);
    let file: InstanceType<typeof h5wasm.File>;
    try {
      file = new h5wasm.File(tmp, 'w');
    } catch (e) {
      throw new LapoError('data', `${path}: cannot create the file (${(e as Error).message ?? String(e)})`);
    }
    for (const col of columns) {
      const parts = col.name.split('/');
      for (let i = 1; i < parts.length; i++) {
        const g = parts.slice(0, i).join('/');
        if (!file.get(g)) file.create_group(g);
      }
    }
    return new StreamingH5Writer(full, tmp, file, columns, opts.gzip ?? 0);
  }

  get rows(): number {
    return this.n;
  }

  /** Appends `rows` rows to every column (each array holds rows × prod(rowShape) values). */
  append(rows: number, data: Record<string, Rows>): void {
    const file = this.live();
    if (rows === 0) return;
    for (const col of this.columns) {
      const arr = data[col.name];
      const per = col.rowShape.reduce((a, b) => a * b, 1);
      if (!arr || arr.length !== rows * per) {
        throw new Error(`StreamingH5Writer.append: ${col.name}: expected ${rows * per} values, got ${arr?.length}`);
      }
      if (!this.created.has(col.name)) {
        file.create_dataset({
          name: col.name,
          data: arr,
          shape: [rows, ...col.rowShape],
          dtype: col.dtype,
          maxshape: [null, ...col.rowShape],
          chunks: [chunkRowsFor(col), ...col.rowShape],
          ...(this.gzip > 0 ? { compression: 'gzip' as const, compression_opts: this.gzip } : {}),
        });
        this.created.add(col.name);
      } else {
        const ds = file.get(col.name) as InstanceType<typeof h5wasm.Dataset>;
        ds.resize([this.n + rows, ...col.rowShape]);
        ds.write_slice([[this.n, this.n + rows]], arr);
      }
    }
    this.n += rows;
  }

  /** Writes root attributes, closes the file and renames it to its final path. */
  commit(attrs: Record<string, AttrValue>): void {
    const file = this.live();
    if (this.n === 0) throw new LapoError('data', `${this.path}: no rows to write`);
    for (const [k, v] of Object.entries(attrs)) {
      if (typeof v === 'string') file.create_attribute(k, v);
      else if (typeof v === 'number') file.create_attribute(k, v, null, Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? '<i' : '<d');
      else file.create_attribute(k, Float64Array.from(v), [v.length], '<d');
    }
    file.flush();
    file.close();
    this.file = null;
    renameSync(this.tmp, this.path);
  }

  /** Closes and deletes the temp file (after an error or Ctrl-C). */
  abort(): void {
    if (this.file) {
      try {
        this.file.close();
      } catch {
        /* already broken; the file is removed below */
      }
      this.file = null;
    }
    rmSync(this.tmp, { force: true });
  }

  private live(): InstanceType<typeof h5wasm.File> {
    if (!this.file) throw new Error('StreamingH5Writer: the file is already closed');
    return this.file;
  }
}
