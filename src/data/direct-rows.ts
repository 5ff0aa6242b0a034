// Rows of HDF5 arrays read without h5wasm, for lazy mode. An h5wasm hyperslab read costs ~50-100 µs whatever its
// size (dataset open, selection, Emscripten's file layer); a pread of one or two 12 KiB frames from the page cache
// a few µs. Per (segment, key) array, resolved once on first use (opening a Minari file with thousands of episode
// groups costs nothing up front):
//   - 'raw': contiguous, or chunked without filters (chunks of whole rows): each row has a file position;
//   - 'deflate': chunked with deflate (+ shuffle): a chunk is read and inflated with Node's zlib (decodeChunk);
//   - 'none': anything else (and any array whose elements are multi-byte and not little-endian), left to h5wasm.
// Before an array is trusted, rows 0, middle and last read both ways must agree.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { H5Reader } from './h5.js';
import { datasetStorage, readSuperblock, type Superblock } from './h5-layout.js';
import { decodeChunk, rawChunks, readChunkTable, type ChunkTable } from './h5-chunks.js';
import { keyPath } from './layout-common.js';
import type { FrameSegment } from './plan.js';

/** Reads `bytes` bytes at file position `pos` into dst[0, bytes). */
export function preadFully(fd: number, file: string, pos: number, bytes: number, dst: Uint8Array): void {
  let done = 0;
  while (done < bytes) {
    const n = readSync(fd, dst, done, bytes - done, pos + done);
    if (n === 0) throw new Error(`${file}: unexpected end of file at byte ${pos + done}`);
    done += n;
  }
}

const UNRESOLVED = 0;
const NONE = 1;
const CONTIGUOUS = 2;
const RAW_CHUNKS = 3;
const DEFLATE_CHUNKS = 4;

export class DirectRows {
  readonly fd: number;
  private readonly sb: Superblock | null;
  private readonly kind: Uint8Array;
  /** CONTIGUOUS: file position of row 0. */
  private readonly base: Float64Array;
  private readonly tables = new Map<number, ChunkTable>();
  private readonly rowBytes: Float64Array;
  private closed = false;

  constructor(
    private readonly r: H5Reader,
    private readonly segments: readonly FrameSegment[],
    private readonly keys: readonly string[],
    /** false: never read directly (tests compare both paths; a user can rule out this reader). */
    enabled = true,
  ) {
    this.fd = openSync(r.file, 'r');
    this.sb = enabled ? readSuperblock(this.fd, statSync(r.file).size) : null;
    const n = segments.length * keys.length;
    this.kind = new Uint8Array(n).fill(this.sb ? UNRESOLVED : NONE);
    this.base = new Float64Array(n);
    this.rowBytes = new Float64Array(n);
  }

  private index(s: number, k: number): number {
    const i = s * this.keys.length + k;
    if (this.kind[i] === UNRESOLVED) this.kind[i] = this.resolve(i, keyPath(this.segments[s], this.keys[k]));
    return i;
  }

  /** Rows of key k in segment s have file positions (contiguous or raw chunks). */
  raw(s: number, k: number): boolean {
    const kd = this.kind[this.index(s, k)];
    return kd === CONTIGUOUS || kd === RAW_CHUNKS;
  }

  /** Chunks of key k in segment s are inflated here rather than by h5wasm. */
  deflate(s: number, k: number): boolean {
    return this.kind[this.index(s, k)] === DEFLATE_CHUNKS;
  }

  /** File position of `row` of a raw array, and how many rows from there are contiguous (at most `max`). */
  position(s: number, k: number, row: number): number {
    const i = this.index(s, k);
    if (this.kind[i] === CONTIGUOUS) return this.base[i] + row * this.rowBytes[i];
    const t = this.tables.get(i) as ChunkTable;
    const c = Math.floor(row / t.rows);
    return t.addr[c] + (row - c * t.rows) * this.rowBytes[i];
  }

  /** Rows from `row` on that lie next to each other in the file (at most `max`). */
  run(s: number, k: number, row: number, max: number): number {
    const i = this.index(s, k);
    if (this.kind[i] === CONTIGUOUS) return max;
    const t = this.tables.get(i) as ChunkTable;
    return Math.min(max, t.rows - (row % t.rows));
  }

  /**
   * Rows [start, start+n) of a deflate array, decoded here and handed to `use` chunk by chunk; false (nothing
   * done) for other arrays.
   */
  inflate(s: number, k: number, start: number, n: number, use: (bytes: Uint8Array) => void): boolean {
    if (!this.deflate(s, k)) return false;
    const i = this.index(s, k);
    const cr = (this.tables.get(i) as ChunkTable).rows;
    const rb = this.rowBytes[i];
    for (let j = 0; j < n; ) {
      const c = Math.floor((start + j) / cr);
      const from = start + j - c * cr;
      const m = Math.min(n - j, cr - from);
      use(this.chunk(s, k, c).subarray(from * rb, (from + m) * rb));
      j += m;
    }
    return true;
  }

  /** The rows of chunk c of a deflate array, decoded ([chunkRows, ...row shape]; the last chunk padded). */
  private chunk(s: number, k: number, c: number): Uint8Array {
    const i = this.index(s, k);
    const t = this.tables.get(i) as ChunkTable;
    return decodeChunk(this.fd, t, c, t.rows * this.rowBytes[i]);
  }

  /** How many arrays were resolved, and how many of them are read here (with pread, or inflated here). */
  stats(): { resolved: number; direct: number } {
    let resolved = 0;
    let direct = 0;
    for (const kd of this.kind) {
      if (kd !== UNRESOLVED) resolved++;
      if (kd >= CONTIGUOUS) direct++;
    }
    return { resolved, direct };
  }

  private resolve(i: number, path: string): number {
    const sb = this.sb;
    if (!sb) return NONE;
    const info = this.r.info(path);
    if (info.shape.length === 0 || info.kind === 'string' || info.kind === 'other') return NONE;
    const rows = info.shape[0];
    const rowBytes = info.shape.slice(1).reduce((a, b) => a * b, 1) * info.bytes;
    this.rowBytes[i] = rowBytes;
    let kind = NONE;
    try {
      const st = datasetStorage(this.fd, sb, this.r.objectAddress(path));
      if (!st || (info.bytes > 1 && !st.littleEndian)) return NONE;
      if (st.kind === 'contiguous') {
        if (st.size !== rows * rowBytes) return NONE;
        this.base[i] = st.offset;
        kind = CONTIGUOUS;
      } else {
        const t = readChunkTable(this.fd, sb, st, info.shape);
        if (!t || st.elementSize !== info.bytes) return NONE;
        this.tables.set(i, t);
        kind = rawChunks(t) ? RAW_CHUNKS : DEFLATE_CHUNKS;
      }
      this.kind[i] = kind;
      if (rows > 0 && !this.agrees(i, path, rows, rowBytes)) kind = NONE;
    } catch {
      kind = NONE; // a structure we cannot follow: h5wasm still reads it
    }
    if (kind === NONE) this.tables.delete(i);
    return kind;
  }

  /** Rows 0, middle and last read here equal what h5wasm reads. */
  private agrees(i: number, path: string, rows: number, rowBytes: number): boolean {
    const s = Math.floor(i / this.keys.length);
    const k = i % this.keys.length;
    const mine = new Uint8Array(rowBytes);
    for (const row of new Set([0, rows >> 1, rows - 1])) {
      if (this.kind[i] === DEFLATE_CHUNKS) {
        const t = this.tables.get(i) as ChunkTable;
        const c = Math.floor(row / t.rows);
        const off = (row - c * t.rows) * rowBytes;
        mine.set(this.chunk(s, k, c).subarray(off, off + rowBytes));
      } else {
        preadFully(this.fd, this.r.file, this.position(s, k, row), rowBytes, mine);
      }
      if (!this.r.withRows(path, row, 1, (b) => Buffer.compare(b, mine) === 0)) return false;
    }
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.tables.clear();
    closeSync(this.fd);
  }
}
