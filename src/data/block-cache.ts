// An LRU cache of row blocks with a byte budget, for the arrays lazy mode reads through h5wasm (frames-lazy.ts,
// when there is no scratch copy). A block is a compressed array's chunk (HDF5 decompresses whole chunks, so reading
// one row costs the whole chunk: keep it) or ~64 KiB of rows of an uncompressed one. A batch's requests are grouped
// by block, so each block is read at most once per batch even when the budget is smaller than the batch's working
// set. Keys name the array and block ("path#block"); values are copies of the block's bytes.
import type { H5Reader } from './h5.js';
import { segmentOf } from './frames.js';
import type { FrameSegment } from './plan.js';

const UNCOMPRESSED_BLOCK_BYTES = 64 * 1024;

export interface Request {
  /** Index of the batch row the request fills. */
  out: number;
  /** Row inside the block. */
  row: number;
}

export class BlockCache {
  private readonly map = new Map<string, Uint8Array>();
  private bytes = 0;
  hits = 0;
  misses = 0;
  constructor(private readonly budget: number) {}

  get(key: string, load: () => Uint8Array): Uint8Array {
    const hit = this.map.get(key);
    if (hit) {
      this.hits++;
      this.map.delete(key);
      this.map.set(key, hit);
      return hit;
    }
    this.misses++;
    const data = load();
    this.map.set(key, data);
    this.bytes += data.byteLength;
    for (const [k, v] of this.map) {
      if (this.bytes <= this.budget || k === key) break;
      this.map.delete(k);
      this.bytes -= v.byteLength;
    }
    return data;
  }

  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }
}

export class CachedBlocks {
  private readonly cache: BlockCache;

  constructor(
    private readonly r: H5Reader,
    private readonly segments: readonly FrameSegment[],
    cacheBytes: number,
    private readonly blockBytes = UNCOMPRESSED_BLOCK_BYTES,
  ) {
    this.cache = new BlockCache(cacheBytes);
  }

  stats(): { hits: number; misses: number } {
    return { hits: this.cache.hits, misses: this.cache.misses };
  }

  private blockRows(path: string, rowBytes: number): number {
    const info = this.r.info(path);
    if (info.chunks && info.compressed) return info.chunks[0];
    return Math.max(1, Math.floor(this.blockBytes / Math.max(1, rowBytes)));
  }

  /** Groups frames[i], i in `which`, by (key path, block); `use` gets each block and its requests (out = i). */
  forBlocks(
    frames: Int32Array,
    which: ArrayLike<number>,
    pathOf: (seg: FrameSegment) => string,
    rowBytes: number,
    use: (block: Uint8Array, rows: Request[]) => void,
    /** Loads rows [start, start+n) of segment s's array itself (a copy), or returns null for h5wasm to read them. */
    load?: (s: number, start: number, n: number) => Uint8Array | null,
  ): void {
    const groups = new Map<string, { s: number; path: string; b: number; br: number; rows: Request[] }>();
    for (let w = 0; w < which.length; w++) {
      const i = which[w];
      const si = segmentOf(this.segments, frames[i]);
      const seg = this.segments[si];
      const path = pathOf(seg);
      const fileRow = seg.fileStart + frames[i] - seg.frameStart;
      const br = this.blockRows(path, rowBytes);
      const b = Math.floor(fileRow / br);
      const key = `${path}#${b}`;
      let grp = groups.get(key);
      if (!grp) groups.set(key, (grp = { s: si, path, b, br, rows: [] }));
      grp.rows.push({ out: i, row: fileRow - b * br });
    }
    for (const [key, grp] of groups) {
      const block = this.cache.get(key, () => {
        const total = this.r.info(grp.path).shape[0];
        const start = grp.b * grp.br;
        const n = Math.min(grp.br, total - start);
        return load?.(grp.s, start, n) ?? this.r.withRows(grp.path, start, n, (bytes) => bytes.slice());
      });
      use(block, grp.rows);
    }
  }

  clear(): void {
    this.cache.clear();
  }
}
