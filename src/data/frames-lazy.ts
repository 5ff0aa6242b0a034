// Frames read from the file when a batch needs them, for datasets larger than the memory budget. Every read goes,
// in order of preference, through:
//   1. a pread of the HDF5 file itself, for contiguous uncompressed arrays (h5py's default without compression,
//      the fork's layout): direct-rows.ts finds where their bytes lie;
//   2. a pread of an uncompressed scratch copy of the other arrays (chunked, compressed), filled one chunk at a time
//      on first use (shadow-store.ts), when the scratch directory has room for it;
//   3. h5wasm: uncompressed rows one hyperslab read each; compressed chunks through an LRU cache with a byte budget
//      (a batch's requests grouped by chunk, so each chunk is read at most once per batch).
// An h5wasm read costs ~50-100 µs whatever its size; a pread of a row pair from the page cache a few µs. One read
// serves a transition's observation and, when it is the next row of the same array, its next observation too.
// Two or three RGB views stored as trained are stacked with word moves (interleave.ts); other views go through
// their ViewDecoder (channel-first conversion, resizing). Batches are the same bytes whichever path reads them.
import type { H5Reader } from './h5.js';
import { typedView } from './h5.js';
import { DirectRows, preadFully } from './direct-rows.js';
import { canStackRgb, stackRgbViews } from './interleave.js';
import { keyPath } from './layout-common.js';
import type { DatasetPlan } from './plan.js';
import { FrameGeometry, readStateRows, segmentOf, type FrameSource } from './frames.js';
import { ShadowStore, openScratchCopy } from './shadow-store.js';
import { CachedBlocks, type Request } from './block-cache.js';

const STATE_PASS_ROWS = 1 << 16;

export interface LazyOptions {
  /** Byte budget of the block cache (used only by path 3). */
  cacheBytes: number;
  /** Rows per cached block of uncompressed data: about this many bytes (default 64 KiB). */
  blockBytes?: number;
  /** Read contiguous arrays with pread (default true; false sends them through h5wasm). */
  direct?: boolean;
  /** Directory of the scratch copy (default: the OS temp directory unless it is a tmpfs); null: no copy. */
  scratchDir?: string | null;
}

/** How lazy mode reads this dataset (for `dataset info` and run logs). */
export interface LazyStorage {
  /** Arrays resolved so far / read straight from the HDF5 file. */
  resolved: number;
  direct: number;
  /** The scratch copy: where, bytes and chunks copied so far; null (and the reason) when there is none. */
  scratch: { dir: string; bytes: number; blocks: number } | null;
  scratchSkipped: string | null;
  cache: { hits: number; misses: number };
  /** Each key (views, then state keys), judged by the first segment: pread from the HDF5 file ('file') or from the
   * scratch copy ('scratch'), or decoded through the block cache ('cache'). */
  arrays: { key: string; read: 'file' | 'scratch' | 'cache' }[];
}

export class LazyFrames implements FrameSource {
  readonly mode = 'lazy' as const;
  private readonly blocks: CachedBlocks;
  private readonly direct: DirectRows;
  private readonly shadow: ShadowStore | null = null;
  private readonly scratchSkipped: string | null = null;
  private readonly keys: string[];
  private scratch = new Uint8Array(1 << 16);
  /** Every view is an RGB frame stored as trained (channel-last, no resize), 2 or 3 of them: see interleave.ts. */
  private readonly stackRgb: boolean;
  private readonly rowBytes: number[];

  constructor(
    private readonly r: H5Reader,
    private readonly plan: DatasetPlan,
    private readonly g: FrameGeometry,
    opts: LazyOptions,
  ) {
    this.blocks = new CachedBlocks(r, plan.segments, opts.cacheBytes, opts.blockBytes);
    const { views, states } = g.resolved;
    // key index k: views first (vi), then state keys (views.length + si)
    this.keys = [...views.map((v) => v.key), ...states.map((s) => s.key)];
    const rowBytes = [...views.map((v) => v.srcH * v.srcW * v.channels), ...states.map((s) => s.dim * s.info.bytes)];
    this.rowBytes = rowBytes;
    this.direct = new DirectRows(r, plan.segments, this.keys, opts.direct ?? true);
    try {
      // bytes of the arrays that are not directly readable (judged by the first segment: all share a storage)
      let need = 0;
      this.keys.forEach((_, k) => {
        if (!this.direct.raw(0, k)) for (const seg of plan.segments) need += seg.rows * rowBytes[k];
      });
      const sc = openScratchCopy(opts.scratchDir, need, (dir) => new ShadowStore(r, plan.segments, this.keys, rowBytes, dir, (s, k, start, n, use) => this.loadRows(s, k, start, n, use)));
      this.shadow = sc.store;
      this.scratchSkipped = sc.skipped;
    } catch (e) {
      this.direct.close();
      throw e;
    }
    const [H, W] = g.resolved.spec.imageSize ?? [0, 0];
    this.stackRgb = canStackRgb(views.length, H * W) && views.every((v) => v.channels === 3 && !v.chw && v.srcH === H && v.srcW === W);
  }

  get storage(): LazyStorage {
    const { resolved, direct } = this.direct.stats();
    const scratch = this.shadow ? { dir: this.shadow.dir, bytes: this.shadow.copied, blocks: this.shadow.blocksLoaded } : null;
    const arrays = this.keys.map((key, k) => ({ key, read: this.direct.raw(0, k) ? ('file' as const) : this.shadow ? ('scratch' as const) : ('cache' as const) }));
    return { resolved, direct, scratch, scratchSkipped: this.scratchSkipped, cache: this.blocks.stats(), arrays };
  }

  private buffer(bytes: number): Uint8Array {
    if (this.scratch.byteLength < bytes) this.scratch = new Uint8Array(Math.max(bytes, 2 * this.scratch.byteLength));
    return this.scratch;
  }

  /** Whether key k of segment s can be read with pread (from the HDF5 file or the scratch copy). */
  private preadable(s: number, k: number): boolean {
    return this.shadow !== null || this.direct.raw(s, k);
  }

  /** Reads rows [row, row+count) of key k in segment s into dst[0, count*rowBytes) with pread; false: h5wasm only. */
  private readInto(s: number, k: number, row: number, count: number, rowBytes: number, dst: Uint8Array): boolean {
    if (this.direct.raw(s, k)) {
      for (let j = 0; j < count; ) {
        const n = this.direct.run(s, k, row + j, count - j);
        preadFully(this.direct.fd, this.r.file, this.direct.position(s, k, row + j), n * rowBytes, dst.subarray(j * rowBytes));
        j += n;
      }
      return true;
    }
    if (!this.shadow) return false;
    preadFully(this.shadow.fd, this.r.file, this.shadow.locate(s, k, row, count), count * rowBytes, dst);
    return true;
  }

  /** Rows [row, row+count) of key k in segment s into scratch (or the h5wasm heap), handed to `fn` during the call. */
  private rows(s: number, k: number, row: number, count: number, rowBytes: number, fn: (bytes: Uint8Array) => void): void {
    const buf = this.buffer(count * rowBytes);
    if (this.readInto(s, k, row, count, rowBytes, buf)) fn(buf);
    else this.r.withRows(keyPath(this.plan.segments[s], this.keys[k]), row, count, fn);
  }

  /** Rows [start, start+n) of key k in segment s for the scratch copy: inflated here when we can, else h5wasm. */
  private loadRows(s: number, k: number, start: number, n: number, use: (bytes: Uint8Array) => void): void {
    if (!this.direct.inflate(s, k, start, n, use)) this.r.withRows(keyPath(this.plan.segments[s], this.keys[k]), start, n, use);
  }

  /** A copy of rows [start, start+n) of key k in segment s when they are inflated here, else null (h5wasm). */
  private ownCopy(s: number, k: number, start: number, n: number): Uint8Array | null {
    const out = new Uint8Array(n * this.rowBytes[k]);
    let at = 0;
    const done = this.direct.inflate(s, k, start, n, (b) => {
      out.set(b, at);
      at += b.byteLength;
    });
    return done ? out : null;
  }

  private segIndex(frames: Int32Array): Int32Array {
    const out = new Int32Array(frames.length);
    for (let i = 0; i < frames.length; i++) out[i] = segmentOf(this.plan.segments, frames[i]);
    return out;
  }

  private fileRow(s: number, frame: number): number {
    const seg = this.plan.segments[s];
    return seg.fileStart + frame - seg.frameStart;
  }

  fillImages(frames: Int32Array, dst: Uint8Array): void {
    const g = this.g;
    const seg = this.segIndex(frames);
    g.resolved.views.forEach((v, vi) => {
      const rowBytes = v.srcH * v.srcW * v.channels;
      const dec = g.decoders[vi];
      const rest: number[] = [];
      for (let i = 0; i < frames.length; i++) {
        if (!this.preadable(seg[i], vi)) rest.push(i);
        else this.rows(seg[i], vi, this.fileRow(seg[i], frames[i]), 1, rowBytes, (b) => dec.decode(b, 0, dst, i * g.frameBytes, g.channels, g.channelOffsets[vi]));
      }
      if (rest.length > 0) this.fillViewBlocks(vi, frames, rest, dst);
    });
  }

  private fillViewBlocks(vi: number, frames: Int32Array, which: ArrayLike<number>, dst: Uint8Array): void {
    const g = this.g;
    const v = g.resolved.views[vi];
    const rowBytes = v.srcH * v.srcW * v.channels;
    const dec = g.decoders[vi];
    this.blocks.forBlocks(
      frames,
      which,
      (seg) => keyPath(seg, v.key),
      rowBytes,
      (block, rows) => {
        for (const q of rows) dec.decode(block, q.row * rowBytes, dst, q.out * g.frameBytes, g.channels, g.channelOffsets[vi]);
      },
      (s, start, n) => this.ownCopy(s, vi, start, n),
    );
  }

  fillImagePairs(obs: Int32Array, next: Int32Array, dstObs: Uint8Array, dstNext: Uint8Array): void {
    const g = this.g;
    const segs = this.plan.segments;
    const oSeg = this.segIndex(obs);
    const nSeg = this.segIndex(next);
    let rest: ArrayLike<number> = Int32Array.from({ length: obs.length }, (_, i) => i);
    if (this.stackRgb) rest = this.fillPairsStacked(obs, next, oSeg, nSeg, dstObs, dstNext);
    if (rest.length === 0) return;
    g.resolved.views.forEach((v, vi) => {
      if (!this.shadow && this.r.info(keyPath(segs[0], v.key)).compressed) {
        // whole chunks through the cache: the next row is almost always in the observation's chunk (a hit)
        this.fillViewBlocks(vi, obs, rest, dstObs);
        this.fillViewBlocks(vi, next, rest, dstNext);
        return;
      }
      const rowBytes = v.srcH * v.srcW * v.channels;
      const dec = g.decoders[vi];
      const C = g.channels;
      const cOff = g.channelOffsets[vi];
      const fb = g.frameBytes;
      for (let w = 0; w < rest.length; w++) {
        const i = rest[w];
        const so = oSeg[i];
        const row = this.fileRow(so, obs[i]);
        const out = i * fb;
        if (next[i] === obs[i]) {
          this.rows(so, vi, row, 1, rowBytes, (b) => {
            dec.decode(b, 0, dstObs, out, C, cOff);
            dec.decode(b, 0, dstNext, out, C, cOff);
          });
        } else if (nSeg[i] === so && next[i] === obs[i] + 1) {
          this.rows(so, vi, row, 2, rowBytes, (b) => {
            dec.decode(b, 0, dstObs, out, C, cOff);
            dec.decode(b, rowBytes, dstNext, out, C, cOff);
          });
        } else {
          this.rows(so, vi, row, 1, rowBytes, (b) => dec.decode(b, 0, dstObs, out, C, cOff));
          const sn = nSeg[i];
          this.rows(sn, vi, this.fileRow(sn, next[i]), 1, rowBytes, (b) => dec.decode(b, 0, dstNext, out, C, cOff));
        }
      }
    });
  }

  /**
   * 2-3 RGB views stored as trained, read with pread: per transition one read per view (observation and next rows
   * together when adjacent), stacked with word moves. Returns the transitions it could not serve.
   */
  private fillPairsStacked(obs: Int32Array, next: Int32Array, oSeg: Int32Array, nSeg: Int32Array, dstObs: Uint8Array, dstNext: Uint8Array): number[] {
    const V = this.g.resolved.views.length;
    const v0 = this.g.resolved.views[0];
    const pixels = v0.srcH * v0.srcW;
    const rb = pixels * 3;
    const fb = this.g.frameBytes;
    const buf = this.buffer(V * 2 * rb);
    const srcs = new Array<Uint8Array>(V).fill(buf);
    const offObs = new Array<number>(V);
    const offNext = new Array<number>(V);
    const rest: number[] = [];
    for (let i = 0; i < obs.length; i++) {
      const so = oSeg[i];
      const sn = nSeg[i];
      let ok = true;
      for (let vi = 0; vi < V && ok; vi++) ok = this.preadable(so, vi) && this.preadable(sn, vi);
      if (!ok) {
        rest.push(i);
        continue;
      }
      const row = this.fileRow(so, obs[i]);
      const same = next[i] === obs[i];
      const pair = !same && sn === so && next[i] === obs[i] + 1;
      for (let vi = 0; vi < V; vi++) {
        const area = buf.subarray(vi * 2 * rb);
        offObs[vi] = vi * 2 * rb;
        offNext[vi] = same ? offObs[vi] : offObs[vi] + rb;
        this.readInto(so, vi, row, pair ? 2 : 1, rb, area);
        if (!same && !pair) this.readInto(sn, vi, this.fileRow(sn, next[i]), 1, rb, area.subarray(rb));
      }
      stackRgbViews(srcs, offObs, pixels, dstObs, i * fb);
      if (same) dstNext.set(dstObs.subarray(i * fb, i * fb + fb), i * fb);
      else stackRgbViews(srcs, offNext, pixels, dstNext, i * fb);
    }
    return rest;
  }

  fillState(frames: Int32Array, dst: Float32Array): void {
    const g = this.g;
    const V = g.resolved.views.length;
    const seg = this.segIndex(frames);
    g.resolved.states.forEach((s, si) => {
      const rowBytes = s.dim * s.info.bytes;
      const col = g.stateOffsets[si];
      const rest: number[] = [];
      for (let i = 0; i < frames.length; i++) {
        if (!this.preadable(seg[i], V + si)) {
          rest.push(i);
          continue;
        }
        this.rows(seg[i], V + si, this.fileRow(seg[i], frames[i]), 1, rowBytes, (b) => {
          const v = typedView(b.subarray(0, rowBytes), s.info);
          for (let j = 0; j < s.dim; j++) dst[i * g.stateDim + col + j] = Number(v[j]);
        });
      }
      if (rest.length === 0) return;
      const fill = (block: Uint8Array, rows: Request[]) => {
        const bv = typedView(block, s.info);
        for (const q of rows) {
          for (let j = 0; j < s.dim; j++) dst[q.out * g.stateDim + col + j] = Number(bv[q.row * s.dim + j]);
        }
      };
      this.blocks.forBlocks(frames, rest, (sg) => keyPath(sg, s.key), rowBytes, fill, (sg, start, n) => this.ownCopy(sg, V + si, start, n));
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
    this.blocks.clear();
    this.shadow?.close();
    this.direct.close();
    this.r.close();
  }
}
