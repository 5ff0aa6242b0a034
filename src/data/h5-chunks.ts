// The chunks of a chunked dataset whose chunks hold whole rows (chunk shape [k, ...row shape], the usual choice of
// h5py and of writers that append rows), found by walking its version 1 B-tree (format spec §III.A.1), and their
// decoding: raw, or deflate (gzip) with an optional byte shuffle, with Node's zlib, about 2x faster than h5wasm's
// WebAssembly zlib on the same chunk. Chunks of any other shape, other filters (fletcher32, szip, plugins) or a
// missing chunk (never written: fill values) make the table null, and the caller keeps using h5wasm.
import { readSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import type { Filter, Storage, Superblock } from './h5-layout.js';

const FILTER_DEFLATE = 1;
const FILTER_SHUFFLE = 2;
const MAX_DEPTH = 32;

export interface ChunkTable {
  /** Rows per chunk. */
  rows: number;
  /** Per chunk along the first axis: absolute file position and stored size in bytes. */
  addr: Float64Array;
  size: Float64Array;
  /** Filters skipped for each chunk (bit i: filter i of the pipeline). */
  mask: Uint32Array;
  filters: Filter[];
  elementSize: number;
}

function readAt(fd: number, pos: number, len: number): Buffer {
  const buf = Buffer.alloc(len);
  if (readSync(fd, buf, 0, len, pos) < len) throw new RangeError(`short read at ${pos}`);
  return buf;
}

/** The chunk table of a chunked dataset of this shape, or null (see the file comment). */
export function readChunkTable(fd: number, sb: Superblock, st: Extract<Storage, { kind: 'chunked' }>, shape: number[]): ChunkTable | null {
  const rank = shape.length;
  if (st.chunkDims.length !== rank || rank === 0) return null;
  for (let i = 1; i < rank; i++) if (st.chunkDims[i] !== shape[i]) return null;
  if (!st.filters.every((f) => f.id === FILTER_DEFLATE || f.id === FILTER_SHUFFLE)) return null;
  const rows = st.chunkDims[0];
  const n = Math.ceil(shape[0] / rows);
  const table: ChunkTable = {
    rows,
    addr: new Float64Array(n).fill(-1),
    size: new Float64Array(n),
    mask: new Uint32Array(n),
    filters: st.filters,
    elementSize: st.elementSize,
  };
  if (!walk(fd, sb, st.index, rank + 1, table, 0)) return null;
  return table.addr.every((a) => a >= 0) ? table : null;
}

/** Visits a B-tree node of raw data chunks: keys (chunk size, filter mask, offsets per dimension) and children. */
function walk(fd: number, sb: Superblock, pos: number, ndims: number, t: ChunkTable, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  const O = sb.offsetSize;
  const head = readAt(fd, pos, 8 + 2 * O);
  if (head.subarray(0, 4).toString('latin1') !== 'TREE' || head[4] !== 1) return false;
  const level = head[5];
  const entries = head.readUInt16LE(6);
  const keyBytes = 8 + 8 * ndims;
  const body = readAt(fd, pos + 8 + 2 * O, entries * (keyBytes + O) + keyBytes);
  for (let e = 0; e < entries; e++) {
    const k = e * (keyBytes + O);
    const child = sb.base + Number(body.readBigUInt64LE(k + keyBytes) & ((1n << BigInt(8 * O)) - 1n));
    if (level > 0) {
      if (!walk(fd, sb, child, ndims, t, depth + 1)) return false;
      continue;
    }
    const row0 = Number(body.readBigUInt64LE(k + 8));
    for (let i = 1; i < ndims; i++) if (body.readBigUInt64LE(k + 8 + 8 * i) !== 0n) return false;
    if (row0 % t.rows !== 0) return false;
    const c = row0 / t.rows;
    if (c >= t.addr.length) return false;
    t.size[c] = body.readUInt32LE(k);
    t.mask[c] = body.readUInt32LE(k + 4);
    t.addr[c] = child;
  }
  return true;
}

/** True when the chunks are stored as they are (no filter in the pipeline). */
export function rawChunks(t: ChunkTable): boolean {
  return t.filters.length === 0;
}

/** Chunk c's bytes as the dataset holds them ([rows, ...row shape]), `bytes` long. */
export function decodeChunk(fd: number, t: ChunkTable, c: number, bytes: number): Uint8Array {
  let data: Uint8Array = readAt(fd, t.addr[c], t.size[c]);
  // filters were applied in pipeline order when writing: undo them in reverse
  for (let i = t.filters.length - 1; i >= 0; i--) {
    if (t.mask[c] & (1 << i)) continue;
    if (t.filters[i].id === FILTER_DEFLATE) data = inflateSync(data);
    else data = unshuffle(data, t.filters[i].values[0] ?? t.elementSize);
  }
  if (data.byteLength !== bytes) throw new RangeError(`chunk ${c}: decoded ${data.byteLength} bytes, expected ${bytes}`);
  return data;
}

/** HDF5's shuffle stores byte j of every element together; put each element's bytes back together. */
function unshuffle(src: Uint8Array, size: number): Uint8Array {
  if (size <= 1) return src;
  const n = Math.floor(src.byteLength / size);
  const out = new Uint8Array(src.byteLength);
  for (let j = 0; j < size; j++) {
    const plane = j * n;
    for (let i = 0; i < n; i++) out[i * size + j] = src[plane + i];
  }
  out.set(src.subarray(n * size), n * size); // leftover bytes are not shuffled
  return out;
}
