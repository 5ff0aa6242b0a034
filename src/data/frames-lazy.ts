// Frames read from the file when a batch needs them, for datasets larger than the memory budget.
//   - Uncompressed image views: one HDF5 read per transition and view, covering the observation and, when it is the
//     next row of the same array, the next observation too; frames are decoded straight from the read buffer. With
//     random sampling over a dataset larger than memory a cache would rarely hit, and copying blocks into it cost
//     more CPU than the reads it saved (measured: ~2x slower).
//   - Compressed views and state keys: by blocks (a compressed dataset's chunk: HDF5 decompresses whole chunks, so
//     reading one row costs the whole chunk, keep it; otherwise ~64 KiB of rows), kept in an LRU cache with a byte
//     budget. A batch's requests are grouped by block, so each block is read at most once per batch even when the
//     budget is smaller than the batch's working set.
import type { H5Reader } from './h5.js';
import { keyPath } from './layout-common.js';
import type { DatasetPlan, FrameSegment } from './plan.js';
import { FrameGeometry, readStateRows, segmentOf, type FrameSource } from './frames.js';
import { typedView } from './h5.js';

const UNCOMPRESSED_BLOCK_BYTES = 64 * 1024;
const STATE_PASS_ROWS = 1 << 16;

class BlockCache {
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

interface Request {
  out: number;
  row: number;
}

export class LazyFrames implements FrameSource {
  readonly mode = 'lazy' as const;
  private readonly cache: BlockCache;

  constructor(
    private readonly r: H5Reader,
    private readonly plan: DatasetPlan,
    private readonly g: FrameGeometry,
    cacheBytes: number,
    private readonly blockBytes = UNCOMPRESSED_BLOCK_BYTES,
  ) {
    this.cache = new BlockCache(cacheBytes);
  }

  get cacheStats(): { hits: number; misses: number } {
    return { hits: this.cache.hits, misses: this.cache.misses };
  }

  private blockRows(path: string, rowBytes: number): number {
    const info = this.r.info(path);
    if (info.chunks && info.compressed) return info.chunks[0];
    return Math.max(1, Math.floor(this.blockBytes / Math.max(1, rowBytes)));
  }

  /** Groups frames by (key path, block) and calls `use` with each loaded block and the requests it serves. */
  private forBlocks(frames: Int32Array, pathOf: (seg: FrameSegment) => string, rowBytes: number, use: (block: Uint8Array, rows: Request[]) => void): void {
    const groups = new Map<string, { path: string; b: number; br: number; rows: Request[] }>();
    for (let i = 0; i < frames.length; i++) {
      const seg = this.plan.segments[segmentOf(this.plan.segments, frames[i])];
      const path = pathOf(seg);
      const fileRow = seg.fileStart + frames[i] - seg.frameStart;
      const br = this.blockRows(path, rowBytes);
      const b = Math.floor(fileRow / br);
      const key = `${path}#${b}`;
      let grp = groups.get(key);
      if (!grp) groups.set(key, (grp = { path, b, br, rows: [] }));
      grp.rows.push({ out: i, row: fileRow - b * br });
    }
    for (const [key, grp] of groups) {
      const block = this.cache.get(key, () => {
        const total = this.r.info(grp.path).shape[0];
        const start = grp.b * grp.br;
        return this.r.withRows(grp.path, start, Math.min(grp.br, total - start), (bytes) => bytes.slice());
      });
      use(block, grp.rows);
    }
  }

  fillImages(frames: Int32Array, dst: Uint8Array): void {
    this.g.resolved.views.forEach((_, vi) => this.fillView(vi, frames, dst));
  }

  private fillView(vi: number, frames: Int32Array, dst: Uint8Array): void {
    const g = this.g;
    const v = g.resolved.views[vi];
    const rowBytes = v.srcH * v.srcW * v.channels;
    const dec = g.decoders[vi];
    this.forBlocks(frames, (seg) => keyPath(seg, v.key), rowBytes, (block, rows) => {
      for (const q of rows) dec.decode(block, q.row * rowBytes, dst, q.out * g.frameBytes, g.channels, g.channelOffsets[vi]);
    });
  }

  fillImagePairs(obs: Int32Array, next: Int32Array, dstObs: Uint8Array, dstNext: Uint8Array): void {
    const g = this.g;
    const segs = this.plan.segments;
    g.resolved.views.forEach((v, vi) => {
      const first = keyPath(segs[0], v.key);
      if (this.r.info(first).compressed) {
        this.fillView(vi, obs, dstObs);
        this.fillView(vi, next, dstNext);
        return;
      }
      const rowBytes = v.srcH * v.srcW * v.channels;
      const dec = g.decoders[vi];
      const C = g.channels;
      const cOff = g.channelOffsets[vi];
      const fb = g.frameBytes;
      for (let i = 0; i < obs.length; i++) {
        const seg = segs[segmentOf(segs, obs[i])];
        const path = keyPath(seg, v.key);
        const row = seg.fileStart + obs[i] - seg.frameStart;
        const out = i * fb;
        if (next[i] === obs[i]) {
          this.r.withRows(path, row, 1, (b) => {
            dec.decode(b, 0, dstObs, out, C, cOff);
            dec.decode(b, 0, dstNext, out, C, cOff);
          });
        } else if (next[i] === obs[i] + 1 && next[i] < seg.frameStart + seg.rows) {
          this.r.withRows(path, row, 2, (b) => {
            dec.decode(b, 0, dstObs, out, C, cOff);
            dec.decode(b, rowBytes, dstNext, out, C, cOff);
          });
        } else {
          this.r.withRows(path, row, 1, (b) => dec.decode(b, 0, dstObs, out, C, cOff));
          const ns = segs[segmentOf(segs, next[i])];
          this.r.withRows(keyPath(ns, v.key), ns.fileStart + next[i] - ns.frameStart, 1, (b) => dec.decode(b, 0, dstNext, out, C, cOff));
        }
      }
    });
  }

  fillState(frames: Int32Array, dst: Float32Array): void {
    const g = this.g;
    g.resolved.states.forEach((s, si) => {
      const rowBytes = s.dim * s.info.bytes;
      const col = g.stateOffsets[si];
      this.forBlocks(frames, (seg) => keyPath(seg, s.key), rowBytes, (block, rows) => {
        const v = typedView(block, s.info);
        for (const q of rows) {
          for (let j = 0; j < s.dim; j++) dst[q.out * g.stateDim + col + j] = Number(v[q.row * s.dim + j]);
        }
      });
    });
  }

  forEachStateBlock(cb: (frameStart: number, rows: number, data: Float32Array) => void): void {
    const g = this.g;
    if (g.stateDim === 0) return;
    for (const seg of this.plan.segments) {
      for (let row = 0; row < seg.rows; row += STATE_PASS_ROWS) {
        const n = Math.min(STATE_PASS_ROWS, seg.rows - row);
        const block = new Float32Array(n * g.stateDim);
        g.resolved.states.forEach((s, si) => readStateRows(this.r, seg, s, row, n, block, 0, g.stateDim, g.stateOffsets[si]));
        cb(seg.frameStart + row, n, block);
      }
    }
  }

  close(): void {
    this.cache.clear();
    this.r.close();
  }
}
